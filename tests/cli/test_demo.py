"""``mediatypes demo``: the directory it writes is accepted by ``mediatypes validate``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediatypes import _json
from mediatypes.cli._detect import CLI_TYPES
from mediatypes.cli.validate import _manifests_in

from .helpers import cli, cli_json, has

pytest.importorskip("vega_datasets")


def _types_written(root: Path) -> set[str]:
    found: set[str] = set()

    def add(manifest: dict) -> None:  # type: ignore[type-arg]
        found.add(manifest["_type"])
        for item in manifest.get("items", []):
            found.add(item["_type"])

    for path in root.rglob("*.manifest.json"):
        add(_json.loads(path.read_bytes()))
    for path in root.rglob("history.jsonl"):
        for line in path.read_bytes().splitlines():
            for _, m in _manifests_in(_json.loads(line), "$"):
                add(m)
    return found


def test_demo_writes_a_valid_directory_with_every_available_type(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    code, report = cli_json("demo", out, "--epochs", "4")
    assert code == 0, report
    assert report["valid"] and report["problems"] == []
    assert Path(report["dir"]).is_dir()
    available = {t for t in [*CLI_TYPES.values(), "histogram", "chart", "plotly-file"] if has(t)}
    assert available <= _types_written(out)
    # and the public command agrees
    proc = cli("validate", out)
    assert proc.returncode == 0, proc.stdout
    assert cli("info", report["dir"]).returncode == 0


def test_demo_text_output_says_where_it_wrote(tmp_path: Path) -> None:
    proc = cli("demo", tmp_path / "d", "--epochs", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"mediatypes validate {tmp_path / 'd'}: valid" in proc.stdout
    assert cli("demo", tmp_path / "e", "--epochs", "0").returncode == 2
