"""Which modules a snippet of code imports, asked of a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(code: str, candidates: tuple[str, ...]) -> list[str]:
    """The ``candidates`` present in ``sys.modules`` after ``code`` runs in a new process."""
    probe = f"{code}; import sys; print(','.join(m for m in {candidates!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]
