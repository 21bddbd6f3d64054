"""The site builder without a browser: layout, escaping, links, safety, downsampling, the CLI and
the 127.0.0.1 server (a real subprocess, stopped by its pid)."""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from mediatypes import _json
from mediatypes.errors import MediaFileNotFoundError, UnsafePathError
from mediatypes.view import build
from mediatypes.view.sampling import evenly, minmax
from mediatypes.view.site import script_json
from tests.cli.helpers import cli
from tests.view.conftest import HOSTILE, served

DATA_RE = re.compile(r'<script type="application/json" id="mt-data">(.*?)</script>', re.S)


def page_data(index: Path) -> dict:
    match = DATA_RE.search(index.read_text("utf-8"))
    assert match, "no data block"
    return _json.loads(match.group(1))


def blob(folder: Path, ident: str) -> dict:
    text = (folder / f"{ident}.js").read_text("utf-8")
    head = f'mtBlob("{ident}",'
    assert text.startswith(head) and text.endswith(");\n")
    return _json.loads(text[len(head) : -3])


def snapshot(run: Path) -> dict[str, tuple[int, int]]:
    """Every file of the run outside view/, with size and mtime."""
    out = {}
    for p in run.rglob("*"):
        rel = p.relative_to(run)
        if p.is_file() and rel.parts[0] != "view":
            st = p.stat()
            out[str(rel)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def copy_run(tmp_path: Path, full_run: Path) -> Path:
    dst = tmp_path / full_run.name
    shutil.copytree(full_run, dst, ignore=shutil.ignore_patterns("view"))
    return dst


def test_script_json_cannot_end_the_block() -> None:
    text = script_json({"k": "</script><!--<script>\u2028\u2029&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert _json.loads(text) == {"k": "</script><!--<script>\u2028\u2029&"}


def test_minmax_keeps_extremes_and_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    ys = rng.normal(size=100_000)
    ys[31_337] = 50.0  # a spike evenly spaced picking would miss
    ys[77_777] = -50.0
    xs = np.arange(len(ys), dtype=float)
    keep = minmax(xs, ys, 5000)
    assert len(keep) <= 5000
    assert 31_337 in keep and 77_777 in keep and keep[0] == 0 and keep[-1] == len(ys) - 1
    assert np.all(np.diff(keep) > 0)
    assert np.array_equal(keep, minmax(xs, ys, 5000))
    assert len(minmax(xs[:10], ys[:10], 5000)) == 10
    assert evenly(10, 4).tolist() == [0, 3, 6, 9]


def test_run_site_layout_and_links(copy_run: Path) -> None:
    before = snapshot(copy_run)
    result = build(copy_run)
    assert result.index == (copy_run / "view" / "index.html").absolute()
    assert snapshot(copy_run) == before  # nothing written in the run outside view/
    assets = copy_run / "view" / "assets"
    assert {"viewer.js", "viewer.css", "gl.js"} <= {p.name for p in assets.iterdir()}
    assert len(list(assets.glob("vega-*.js"))) == 1
    data = page_data(result.index)
    assert data["page"] == "run" and data["config"]["lr"] == 0.1
    charts = {c["title"]: c for c in data["charts"]}
    assert set(charts) == {"loss", "acc", "epoch", "val/*"}
    assert charts["val/*"]["x"] == "epoch" and set(charts["val/*"]["series"]) == {
        "val/loss",
        "val/acc",
    }
    assert charts["val/*"]["series"]["val/loss"]["x"] == [0, 1, 2]
    assert charts["loss"]["series"]["loss"]["n"] == 30
    panels = {p["key"]: p for p in data["panels"]}
    assert [i["step"] for i in panels["examples"]["items"]] == [0, 10, 20]
    kinds = {k: p["items"][0]["kind"] for k, p in panels.items()}
    assert kinds == {
        "examples": "image",
        "weights": "heatmap",
        "sound": "audio",
        "clip_gif": "gif",
        "clip_webm": "video",
        "cloud": "object3d",
        "mesh": "object3d",
        "molecule": "molecule",
        "report": "html",
        "rows": "table",
        "pr": "chart",
    }
    # every link to a run file is relative and resolves to that file
    image = panels["examples"]["items"][0]
    for src in [image["src"], image["masks"][0]["src"], panels["sound"]["items"][0]["src"]]:
        assert not src.startswith(("/", "file:", "http"))
        target = (result.index.parent / unquote(src)).resolve()
        assert target.is_file() and copy_run.resolve() in target.parents
    box = image["boxes"][0]["boxes"][1]  # a pixel box, as fractions of the 64×48 image
    assert box["x0"] == pytest.approx(30 / 64) and box["y1"] == pytest.approx(40 / 48)
    # payloads are data files named by content
    rows = blob(copy_run / "view" / "index_data", panels["rows"]["items"][0]["blob"])
    assert rows["columns"] == ["id", "name", "image", "score"] and len(rows["rows"]) == 60
    assert rows["rows"][0][2]["_img"].startswith("../media/") and rows["rows"][5][2] is None


def test_rebuild_rewrites_nothing_unchanged(copy_run: Path) -> None:
    build(copy_run)
    view = copy_run / "view"
    first = {p: p.stat().st_mtime_ns for p in view.rglob("*") if p.is_file()}
    build(copy_run)
    assert {p: p.stat().st_mtime_ns for p in view.rglob("*") if p.is_file()} == first


def test_out_elsewhere_links_back_into_the_run(copy_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "run.html"
    result = build(copy_run, out)
    assert result.index == out.absolute() and (out.parent / "run_data").is_dir()
    assert not (copy_run / "view").exists()
    src = page_data(out)["panels"][0]["items"][0]
    src = next(p for p in page_data(out)["panels"] if p["key"] == "examples")["items"][0]["src"]
    assert src.startswith("../")
    assert (out.parent / unquote(src)).resolve().is_file()


def test_out_inside_the_run_is_refused(copy_run: Path) -> None:
    with pytest.raises(UnsafePathError, match="inside the run folder"):
        build(copy_run, copy_run / "media" / "x.html")
    build(copy_run, copy_run / "view" / "other.html")  # its own view/ folder is fine


def test_a_foreign_data_folder_is_not_overwritten(copy_run: Path, tmp_path: Path) -> None:
    (tmp_path / "page_data").mkdir()
    (tmp_path / "page_data" / "mine.txt").write_text("keep")
    with pytest.raises(UnsafePathError, match="not written by the viewer"):
        build(copy_run, tmp_path / "page.html")
    assert (tmp_path / "page_data" / "mine.txt").read_text() == "keep"


def test_hostile_run_is_escaped_and_never_leaves_the_run(hostile_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "hostile"
    shutil.copytree(hostile_run, run, ignore=shutil.ignore_patterns("view"))
    (tmp_path / "outside.png").write_bytes(b"secret")
    build(run)
    html = (run / "view" / "index.html").read_text("utf-8")
    assert "<script>window" not in html and "<img" not in html and "<!--" not in html
    assert html.count("<script") == 4  # the data block and the viewer's three files
    data = page_data(run / "view" / "index.html")
    assert HOSTILE in {c["title"] for c in data["charts"]}
    outside = next(p for p in data["panels"] if p["key"] == "outside")
    assert outside["items"][0]["kind"] == "missing"  # ../../outside.png is not linked
    for blob in (run / "view" / "index_data").glob("*.js"):
        assert "secret" not in blob.read_text()
    table = next(p for p in data["panels"] if p["key"] == "big_table")["items"][0]
    assert table["nrows"] == 15_000 and table["shown"] == 10_000


def test_folder_of_runs(runs_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "all" / "index.html"
    result = build(runs_root, out)
    assert result.runs == 3 and len(result.pages) == 4
    data = page_data(out)
    assert data["page"] == "runs" and len(data["runs"]) == 3
    assert {"loss", "acc"} <= set(data["keys"])
    for entry in data["runs"]:
        page = out.parent / unquote(entry["href"])
        assert page.is_file() and page_data(page)["home"] == "index.html"
    loss = blob(out.parent / "index_data", data["keys"]["loss"])
    assert len(loss["runs"]) == 2  # the two runs that logged loss


def test_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(MediaFileNotFoundError, match="holds no run"):
        build(tmp_path)
    with pytest.raises(MediaFileNotFoundError, match="neither"):
        build(tmp_path / "missing")


def test_cli_writes_and_reports(copy_run: Path, tmp_path: Path) -> None:
    proc = cli("view", copy_run, "--json")
    assert proc.returncode == 0, proc.stderr
    report = _json.loads(proc.stdout)
    assert Path(report["index"]).is_file() and report["runs"] == 1
    proc = cli("view", tmp_path / "nope")
    assert proc.returncode == 1 and "neither" in proc.stderr
    proc = cli("view", copy_run, "--port", "80")
    assert proc.returncode == 2 and "--serve" in proc.stderr


def test_serve_only_the_site_and_the_run(copy_run: Path, tmp_path: Path) -> None:
    (copy_run.parent / "secret.txt").write_text("secret")
    with served(copy_run) as url:
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
            assert b'id="mt-data"' in resp.read()
        base = url.rsplit("/view/", 1)[0]
        with urllib.request.urlopen(base + "/run.json", timeout=10) as resp:
            assert resp.status == 200
        for bad in ["/../secret.txt", "/%2e%2e/secret.txt", "/", "/media/"]:
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(base + bad, timeout=10)
            assert err.value.code == 404, bad


def test_media_follow_their_step_metric_and_system_metrics_are_charted(tmp_path: Path) -> None:
    import time

    import mediatypes as mt

    with mt.init(
        dir=str(tmp_path), console=False, git=False, packages=False, system_interval=0.05
    ) as run:
        run.define_metric("img", step_metric="epoch")
        for epoch in range(3):
            run.log({"epoch": epoch * 10, "img": mt.Image(np.full((4, 4), epoch * 80, np.uint8))})
            time.sleep(0.1)
    data = page_data(build(run.dir).index)
    (panel,) = [p for p in data["panels"] if p["key"] == "img"]
    assert panel["x"] == "epoch" and [i["step"] for i in panel["items"]] == [0, 10, 20]
    keys = {s["key"] for s in data["system"]}
    assert "cpu_percent" in keys and all(s["axis"] == "minutes" for s in data["system"])
