"""Run the real ``mediatypes`` entry point in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mediatypes import _json, _registry

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 120) -> Any:
    """``python -m mediatypes ARGS`` with this checkout on PYTHONPATH; returns CompletedProcess."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "mediatypes", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


def cli_json(*args: str | os.PathLike[str], cwd: Path | None = None) -> tuple[int, Any]:
    proc = cli(*args, "--json", cwd=cwd)
    assert proc.stdout, proc.stderr
    return proc.returncode, _json.loads(proc.stdout)


def has(type_name: str) -> bool:
    """Whether a media type is registered (and importable) in this checkout."""
    if type_name not in _registry.TYPES:
        return False
    try:
        _registry.media_class(type_name)
    except ImportError:
        return False
    return True
