"""Helpers shared by the reliability suite: error-class checks, time limits, isolated runs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mediatypes.errors import MediaError

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
CORRUPT = FIXTURES / "corrupt"


class Hang(Exception):
    """Raised by ``time_limit`` when the guarded code runs past its budget."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail with ``Hang`` if the block runs longer than ``seconds`` (SIGALRM; main thread only)."""

    def _alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def outcome(fn: Callable[[], Any], seconds: float = 20.0) -> BaseException | None:
    """Run ``fn``; return the exception it raised (None if it returned).

    Anything that is not a MediaError subclass (IndexError, ZeroDivisionError, a bare
    ValueError from a library, a hang) fails the calling test with the original traceback.
    """
    try:
        with time_limit(seconds):
            fn()
    except MediaError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} with an empty message"
        return exc
    return None


def files_below(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file() or p.is_symlink())


def run_isolated(code: str, timeout: float = 60.0) -> Any:
    """Run ``code`` in a fresh interpreter (a segfault or hang cannot take the suite down).

    The code prints one JSON document on its last stdout line; that value is returned.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, (
        f"isolated run died with code {proc.returncode} (negative = signal):\n{proc.stderr[-3000:]}"
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])
