"""Fixtures of the reliability suite: real small and read-only file systems (tmpfs; root only)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(target: Path, options: str) -> bool:
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: writes beyond it fail with ENOSPC. Skips where mounting is not allowed."""
    target = tmp_path / "small"
    target.mkdir()
    if not _mount(target, "size=1m"):
        pytest.skip("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def readonly_fs(tmp_path: Path) -> Iterator[Path]:
    """A read-only tmpfs holding one folder ``existing/`` (root ignores chmod, a mount does not)."""
    target = tmp_path / "ro"
    target.mkdir()
    if not _mount(target, "size=1m"):
        pytest.skip("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
    (target / "existing").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)
