"""``mediatypes validate``: manifests, folders and run directories, through the real entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mediatypes as mt
from mediatypes import _json
from mediatypes.core.media import MANIFEST_SUFFIX
from mediatypes.core.store import MemoryStore

from .helpers import cli, cli_json, has

needs_image = pytest.mark.skipif(not has("image-file"), reason="Image is not on this branch yet")


def _image(out: Path, name: str = "pic") -> dict[str, Any]:
    img = mt._registry.media_class("image-file")(np.full((6, 5, 3), 90, np.uint8), caption="x")
    manifest: dict[str, Any] = img.save(out, name)
    return manifest


def _problems(path: Path) -> list[dict[str, Any]]:
    code, report = cli_json("validate", path)
    assert code == 1 and not report["ok"], report
    return list(report["problems"])


def test_valid_histogram_manifest_passes(tmp_path: Path) -> None:
    mt.Histogram(np.arange(100.0), num_bins=8).save(tmp_path, "h")
    proc = cli("validate", tmp_path / ("h" + MANIFEST_SUFFIX))
    assert proc.returncode == 0 and "ok" in proc.stdout


def test_schema_violation_is_reported_with_its_json_path(tmp_path: Path) -> None:
    mt.Histogram(np.arange(100.0), num_bins=8).save(tmp_path, "h")
    path = tmp_path / ("h" + MANIFEST_SUFFIX)
    manifest = _json.loads(path.read_bytes())
    manifest["num_bins"] = "eight"
    manifest["surprise"] = 1
    path.write_bytes(_json.dumps(manifest))
    problems = _problems(tmp_path)
    assert {p["file"] for p in problems} == {str(path)}
    paths = {p["path"] for p in problems}
    assert "$" in paths or "$.surprise" in paths  # additionalProperties
    assert any("surprise" in p["message"] for p in problems)
    text = cli("validate", path)
    assert text.returncode == 1 and f"{path}: $" in text.stdout


@needs_image
def test_tampered_file_is_a_hash_mismatch(tmp_path: Path) -> None:
    manifest = _image(tmp_path)
    target = tmp_path / manifest["path"]
    data = bytearray(target.read_bytes())
    data[-5] ^= 0xFF  # same size, different bytes
    target.write_bytes(bytes(data))
    (problem,) = _problems(tmp_path)
    assert problem["path"] == "$.sha256" and "sha256 mismatch" in problem["message"]


@needs_image
def test_missing_file_and_changed_size(tmp_path: Path) -> None:
    a = _image(tmp_path / "a")
    b = _image(tmp_path / "b")
    (tmp_path / "a" / a["path"]).unlink()
    with open(tmp_path / "b" / b["path"], "ab") as fh:
        fh.write(b"trailing")
    problems = _problems(tmp_path)
    by_file = {Path(p["file"]).parent.name: p for p in problems if p["path"] != "$.sha256"}
    assert "missing" in by_file["a"]["message"] and by_file["a"]["path"] == "$.path"
    assert by_file["b"]["path"] == "$.size" and "bytes" in by_file["b"]["message"]


@needs_image
def test_nested_names_resolve_against_the_save_folder(tmp_path: Path) -> None:
    _image(tmp_path / "out", "deep/er/pic")
    assert (
        cli("validate", tmp_path / "out" / "deep" / "er" / ("pic" + MANIFEST_SUFFIX)).returncode
        == 0
    )
    assert cli("validate", tmp_path / "out").returncode == 0


def test_corrupt_json_and_missing_paths_are_reported_not_crashes(tmp_path: Path) -> None:
    (tmp_path / ("bad" + MANIFEST_SUFFIX)).write_text("{nope")
    proc = cli("validate", tmp_path, tmp_path / "does-not-exist")
    assert proc.returncode == 1
    assert "not valid JSON" in proc.stdout or "cannot read JSON" in proc.stdout
    assert "no such file or folder" in proc.stdout
    assert "Traceback" not in proc.stderr


# ----------------------------------------------------------------------------- run directories


# run metadata with the fields the run layer's ``run`` schema requires
RUN_META = {
    "schema_version": 1,
    "id": "run-1",
    "name": "run-1",
    "project": "p",
    "state": "finished",
    "started_at": 1.7e9,
    "finished_at": 1.7e9 + 3,
    "config": {"lr": 0.1},
    "metrics": {},
}


def _hand_made_run(root: Path, media: dict[str, Any] | None) -> Path:
    """A run directory written by hand in the documented layout (independent of the run layer)."""
    run = root / "run-1"
    (run / "media").mkdir(parents=True)
    (run / "run.json").write_bytes(_json.dumps(RUN_META))
    rows = [
        {"_step": i, "_runtime": 0.1 * i, "_timestamp": 1.7e9 + i, "loss": 1.0 / (i + 1)}
        for i in range(3)
    ]
    hist = mt.Histogram(np.arange(50.0), num_bins=5).to_manifest(MemoryStore(), "h")
    rows[1]["weights"] = hist
    if media is not None:
        rows[2]["examples"] = media
    (run / "history.jsonl").write_bytes(b"".join(_json.dumps(r) + b"\n" for r in rows))
    (run / "summary.json").write_bytes(_json.dumps({"loss": 0.33, "weights": hist}))
    return run


def _run_with_image(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    from mediatypes.core.store import DirectoryStore

    run = _hand_made_run(tmp_path, None)
    img = mt._registry.media_class("image-file")(np.full((6, 5, 3), 90, np.uint8))
    manifest = img.to_manifest(DirectoryStore(run, prefix="media"), "examples")
    lines = (run / "history.jsonl").read_bytes().splitlines()
    row = _json.loads(lines[2])
    row["examples"] = manifest
    lines[2] = _json.dumps(row)
    (run / "history.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return run, manifest


def test_hand_made_run_directory_validates(tmp_path: Path) -> None:
    run = _hand_made_run(tmp_path, None)
    code, report = cli_json("validate", run)
    assert code == 0, report
    assert report["checked"]["runs"] == 1 and report["checked"]["rows"] == 3
    assert report["checked"]["media"] == 2  # the histogram in row 1 and in the summary


def test_partial_last_line_and_corrupt_summary_are_reported(tmp_path: Path) -> None:
    run = _hand_made_run(tmp_path, None)
    with open(run / "history.jsonl", "ab") as fh:
        fh.write(b'{"_step": 3, "loss": 0.2')  # killed mid-write
    (run / "summary.json").write_bytes(b'{"loss": ')
    problems = _problems(run)
    partial = [p for p in problems if p["file"].endswith("history.jsonl")]
    assert (
        len(partial) == 1
        and partial[0]["line"] == 4
        and "partial last line" in partial[0]["message"]
    )
    assert any(p["file"].endswith("summary.json") and "JSON" in p["message"] for p in problems)


def test_bad_media_manifest_inside_a_row_names_file_line_and_path(tmp_path: Path) -> None:
    run = _hand_made_run(tmp_path, {"_type": "histogram", "schema_version": 1, "bins": "x"})
    problems = _problems(run)
    assert problems and all(p["line"] == 3 for p in problems)
    assert all(p["path"].startswith("$.examples") for p in problems)
    proc = cli("validate", run)
    assert f"{run / 'history.jsonl'}:3: $.examples" in proc.stdout


@needs_image
def test_tampered_and_missing_media_in_a_run(tmp_path: Path) -> None:
    run, manifest = _run_with_image(tmp_path)
    assert cli("validate", run).returncode == 0
    target = run / manifest["path"]
    target.write_bytes(target.read_bytes()[::-1])
    (problem,) = _problems(run)
    assert (problem["line"], problem["path"]) == (3, "$.examples.sha256")
    target.unlink()
    (problem,) = _problems(run)
    assert problem["path"] == "$.examples.path" and "missing" in problem["message"]


@needs_image
def test_media_path_escaping_the_run_is_refused(tmp_path: Path) -> None:
    run, _ = _run_with_image(tmp_path)
    lines = (run / "history.jsonl").read_bytes().splitlines()
    row = _json.loads(lines[2])
    row["examples"]["path"] = "../../etc/passwd"
    lines[2] = _json.dumps(row)
    (run / "history.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    problems = _problems(run)
    assert any(p["path"] == "$.examples.path" for p in problems)


def test_folder_of_runs_checks_each(tmp_path: Path) -> None:
    _hand_made_run(tmp_path / "a", None)
    bad = _hand_made_run(tmp_path / "b", None)
    (bad / "run.json").unlink()
    code, report = cli_json("validate", tmp_path)
    assert code == 1 and report["checked"]["runs"] == 2
    assert [p["message"] for p in report["problems"]] == ["run metadata file is missing"]


@pytest.mark.skipif(not (has("table-file") and has("image-file")), reason="needs Table and Image")
def test_media_cells_of_a_table_are_checked_too(tmp_path: Path) -> None:
    Image = mt._registry.media_class("image-file")
    Table = mt._registry.media_class("table-file")
    cells = [[Image(np.full((4, 4), v, np.uint8)), v] for v in (0, 9)]
    Table(columns=["img", "v"], data=cells).save(tmp_path, "tab")
    assert cli("validate", tmp_path).returncode == 0
    (cell_file,) = [p for p in tmp_path.rglob("1_*.png")]
    cell_file.write_bytes(cell_file.read_bytes()[:-1] + b"\x00")
    (problem,) = _problems(tmp_path)
    assert problem["path"].endswith(".data[1][0].sha256") and ".table.json>" in problem["path"]
