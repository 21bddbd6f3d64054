"""Shared test helpers: no network, a hypothesis profile, and a check that nothing was left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.register_profile(
        "fuzz", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # pragma: no cover
    pass

os.environ.setdefault("MPLBACKEND", "Agg")


def all_files(root: Path) -> list[Path]:
    """Every file below root (including hidden temp files), sorted."""
    return sorted(p for p in Path(root).rglob("*") if p.is_file() or p.is_symlink())


@pytest.fixture
def assert_nothing_written(tmp_path: Path):
    """Yield a folder; fail the test if anything was created in it."""
    out = tmp_path / "out"
    out.mkdir()
    yield out
    assert all_files(out) == [], f"files left behind: {all_files(out)}"
