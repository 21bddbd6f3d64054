from __future__ import annotations

from collections.abc import Iterator

import pytest

import mediatypes.runs.run as runmod
from mediatypes import _registry, schemas

from .helpers import PNG_SCHEMA


@pytest.fixture
def png_type(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register the test-only ``test-png`` type (schema + loader) for one test."""
    monkeypatch.setitem(_registry.TYPES, "test-png", "tests.runs.helpers:Png")
    monkeypatch.setitem(schemas._all(), "test-png", PNG_SCHEMA)
    schemas._validator.cache_clear()
    yield
    schemas._validator.cache_clear()


@pytest.fixture(autouse=True)
def _no_current_run() -> Iterator[None]:
    """Each test starts and ends without a current run."""
    yield
    if runmod._current is not None:
        runmod._current.finish()
