"""Fixtures of the seed-example tests: a run the test starts, or a folder for the runs that an
example's own ``wandb.init(...)`` starts. Both work in ``tmp_path/work`` (the example's files)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import mediatypes as mt
from tests.seeds import reference

from .snippets import SeedRun

OFF = {"console": False, "system_metrics": False, "git": False, "packages": False}


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example's working folder; runs it starts with ``wandb.init`` go to ``tmp_path/runs``."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setattr(reference, "INIT_DEFAULTS", {"dir": tmp_path / "runs", **OFF})
    yield folder
    if mt.run is not None:
        mt.finish()


@pytest.fixture
def seed_run(tmp_path: Path, work: Path) -> Iterator[SeedRun]:
    """A current run in ``tmp_path/run``, started as a user's script would have done."""
    path = tmp_path / "run"
    run = mt.init(transport=f"dir:{path}", **OFF)
    yield SeedRun(path, run)
    if mt.run is not None:
        mt.finish()
