"""validate / info / recover on run directories written by the real run layer (when present)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mediatypes import _json

from .helpers import REPO, cli, cli_json, has

try:
    import mediatypes.runs.reader  # noqa: F401

    HAVE_RUNS = True
except ImportError:
    HAVE_RUNS = False

pytestmark = pytest.mark.skipif(not HAVE_RUNS, reason="the run layer is not on this branch yet")

QUIET = "console=False, system_metrics=False, git=False, packages=False"


def _python(code: str) -> None:
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr


def test_crashed_run_is_reported_then_recovered(tmp_path: Path) -> None:
    _python(
        f"""
        import os, time, mediatypes as mt
        run = mt.init(dir={str(tmp_path)!r}, id="r1", {QUIET})
        for i in range(5):
            run.log({{"loss": 1.0 / (i + 1)}})
        time.sleep(0.5)  # let the flusher write the committed rows
        os._exit(0)  # no finish(): a crash
        """
    )
    run = tmp_path / "r1"
    with open(run / "history.jsonl", "ab") as fh:
        fh.write(b'{"_step": 5, "loss": 0.1')  # killed in the middle of a line
    code, report = cli_json("validate", run)
    assert code == 1
    assert any(p["line"] == 6 and "partial last line" in p["message"] for p in report["problems"])
    code, recovered = cli_json("recover", run)
    assert code == 0 and recovered["recovered"] and recovered["partial_bytes_dropped"] > 0
    assert cli("validate", run).returncode == 0
    code, info = cli_json("info", run)
    assert info["run"]["state"] == "crashed" and info["rows"] == 5
    assert not info["partial_last_line"]


@pytest.mark.skipif(not has("image-file"), reason="needs Image")
def test_real_run_with_media_then_tampered(tmp_path: Path) -> None:
    _python(
        f"""
        import numpy as np, mediatypes as mt
        with mt.init(dir={str(tmp_path)!r}, id="r2", {QUIET}) as run:
            run.log({{"loss": 0.5}})
            run.log({{"examples": [mt.Image(np.full((8, 8, 3), v, np.uint8)) for v in (0, 99)]}})
            run.summary["best"] = 0.5
        """
    )
    run = tmp_path / "r2"
    code, report = cli_json("validate", tmp_path)
    assert code == 0 and report["checked"]["runs"] == 1, report
    row = _json.loads((run / "history.jsonl").read_bytes().splitlines()[1])
    target = run / row["examples"]["items"][1]["path"]
    target.write_bytes(target.read_bytes() + b"!")
    problems = cli_json("validate", run)[1]["problems"]
    hist = [p for p in problems if p["file"].endswith("history.jsonl")]
    assert {(p["line"], p["path"]) for p in hist} == {
        (2, "$.examples.items[1].size"),
        (2, "$.examples.items[1].sha256"),
    }
