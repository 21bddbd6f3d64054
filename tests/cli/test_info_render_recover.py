"""``mediatypes info``, ``render`` and ``recover`` through the real entry point."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import mediatypes as mt
from mediatypes import _json
from mediatypes.core.media import MANIFEST_SUFFIX
from mediatypes.core.store import MemoryStore

from .helpers import cli, cli_json, has

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"x": 0, "y": 1.0}, {"x": 1, "y": 0.5}, {"x": 2, "y": 0.2}]},
    "mark": "line",
    "encoding": {
        "x": {"field": "x", "type": "quantitative"},
        "y": {"field": "y", "type": "quantitative"},
    },
}


def test_info_on_a_manifest(tmp_path: Path) -> None:
    mt.Histogram(np.arange(1000.0), num_bins=10).save(tmp_path, "weights")
    path = tmp_path / ("weights" + MANIFEST_SUFFIX)
    code, report = cli_json("info", path)
    assert code == 0 and report[str(path)]["_type"] == "histogram"
    proc = cli("info", tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("weights.manifest.json: histogram")


def test_info_on_a_run_directory(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    hist = mt.Histogram(np.arange(50.0), num_bins=5).to_manifest(MemoryStore(), "h")
    (run / "run.json").write_bytes(_json.dumps({"id": "r1", "config": {"lr": 0.01}}))
    rows = [{"_step": i, "loss": 1.0 - i / 10} for i in range(4)] + [{"_step": 4, "w": hist}]
    (run / "history.jsonl").write_bytes(b"".join(_json.dumps(r) + b"\n" for r in rows) + b'{"_st')
    (run / "summary.json").write_bytes(_json.dumps({"loss": 0.7}))
    code, report = cli_json("info", run)
    assert code == 0
    assert report["rows"] == 5 and report["steps"] == [0, 4] and report["partial_last_line"]
    assert report["config"] == {"lr": 0.01} and report["summary"] == {"loss": 0.7}
    assert report["history_keys"] == {"loss": 4, "w": 1} and report["media"] == {"histogram": 1}
    text = cli("info", run).stdout
    assert "history: 5 rows (steps 0..4)" in text and "mediatypes recover" in text


def test_info_on_nothing_is_an_error(tmp_path: Path) -> None:
    assert cli("info", tmp_path / "nope").returncode == 1
    assert cli("info").returncode == 2


vl = pytest.importorskip("vl_convert")


def test_render_svg_and_png_offline(tmp_path: Path) -> None:
    import PIL.Image

    spec = tmp_path / "loss.vl.json"
    spec.write_bytes(_json.dumps(SPEC))
    proc = cli("render", spec, "--svg")
    assert proc.returncode == 0, proc.stderr
    svg = (tmp_path / "loss.svg").read_text()
    assert svg.startswith("<svg") and "path" in svg
    code, report = cli_json("render", spec, "--png", "-o", tmp_path / "x.png", "--scale", "2")
    assert code == 0 and report["output"] == str(tmp_path / "x.png")
    with PIL.Image.open(io.BytesIO((tmp_path / "x.png").read_bytes())) as im:
        assert im.format == "PNG" and im.width > 100


def test_render_refuses_network_data_and_bad_specs(tmp_path: Path) -> None:
    remote = dict(SPEC, data={"url": "https://example.com/data.csv"})
    (tmp_path / "remote.vl.json").write_bytes(_json.dumps(remote))
    proc = cli("render", tmp_path / "remote.vl.json", "--svg")
    assert proc.returncode == 1 and "error" in proc.stderr
    assert not (tmp_path / "remote.svg").exists()
    (tmp_path / "not_a_spec.json").write_text('{"hello": 1}')
    assert cli("render", tmp_path / "not_a_spec.json", "--svg").returncode == 1
    assert cli("render", tmp_path / "not_a_spec.json").returncode == 2  # --svg or --png needed


@pytest.mark.skipif(not has("chart"), reason="charts are not on this branch yet")
def test_render_a_chart_manifest(tmp_path: Path) -> None:
    import charts

    table = mt._registry.media_class("table-file")(columns=["x", "y"], data=[[0, 1.0], [1, 2.0]])
    charts.line(table, "x", "y", title="t").save(tmp_path, "c")
    proc = cli("render", tmp_path / ("c" + MANIFEST_SUFFIX), "--svg")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "c.svg").read_text().startswith("<svg")


def test_recover_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    proc = cli("recover", tmp_path)
    assert proc.returncode == 1 and "run directory" in proc.stderr
