"""The command line over the corrupt corpus: ``convert`` turns each intact file into media and
reports each damaged one (exit 1, no traceback, nothing half-written for it); ``recover`` repairs
killed runs and refuses non-runs clearly. Collected once the commands exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ._util import CORRUPT, REPO, files_below

cli = pytest.importorskip("mediatypes.cli")
if "convert" not in getattr(cli, "COMMANDS", []):
    pytest.skip("the convert command is not on this branch yet", allow_module_level=True)

READERS = {"png": "Image", "jpeg": "Image", "gif": "Video", "mp4": "Video", "wav": "Audio",
           "flac": "Audio", "glb": "Object3D", "obj": "Object3D", "pdb": "Molecule", "sdf": "Molecule"}  # fmt: skip


def _needs_runs() -> None:
    pytest.importorskip("mediatypes.runs")


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mediatypes", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_convert_reports_each_damaged_file(fmt: str, tmp_path: Path) -> None:
    import mediatypes

    if READERS[fmt] not in mediatypes.__all__:
        pytest.skip(f"mediatypes.{READERS[fmt]} is not on this branch yet")
    src = tmp_path / "in"
    shutil.copytree(CORRUPT / fmt, src)
    out = tmp_path / "out"
    proc = _cli("convert", str(src), "--to", str(out), "--jobs", "1")
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text, text[-3000:]
    assert proc.returncode == 1, text[-2000:]  # the empty / header / garbage files always fail
    for name in ("empty", "header", "garbage"):
        assert name in text, f"{name} not reported:\n{text[-2000:]}"
    written = [p for p in files_below(out) if not p.name.startswith(".tmp-")]
    assert not [p for p in files_below(out) if p.name.startswith(".tmp-")]
    manifests = {
        p.name.removesuffix(".manifest.json") for p in written if p.name.endswith(".manifest.json")
    }
    assert "valid" in manifests, "the intact file was not converted"
    assert not manifests & {"empty", "header", "garbage"}, manifests


def test_recover_on_non_runs_is_a_clear_error(tmp_path: Path) -> None:
    _needs_runs()
    for target in (tmp_path, tmp_path / "missing", CORRUPT / "manifests"):
        proc = _cli("recover", str(target))
        assert proc.returncode in (1, 2) and "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["killed-mid-row", "temp-file-left"])
def test_recover_command_repairs_killed_runs(name: str, tmp_path: Path) -> None:
    _needs_runs()
    run = tmp_path / name
    shutil.copytree(CORRUPT / "runs" / name, run)
    proc = _cli("recover", str(run))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _cli("validate", str(run))
    assert proc.returncode == 0, proc.stdout + proc.stderr
