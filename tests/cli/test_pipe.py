"""A closed pipe (`mediatypes info RUN | head -1`) ends quietly, without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mediatypes as mt

ROOT = Path(__file__).resolve().parents[2]


def test_info_into_a_closed_pipe_prints_no_traceback(tmp_path: Path) -> None:
    # a run whose `info` output (~130 kB) is larger than the pipe buffer (64 kB)
    with mt.init(
        dir=tmp_path, console=False, system_metrics=False, git=False, packages=False
    ) as run:
        run.log({f"metric_{i}": i for i in range(3000)})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediatypes", "info", str(run.dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    proc.stdout.read(1)
    proc.stdout.close()  # the reader goes away after one byte
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
    assert proc.returncode in (0, 1)
