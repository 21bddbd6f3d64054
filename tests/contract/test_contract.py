"""Contract over every registered media type: schema-valid, deterministic bytes, round trip.

Cases come from ``tests/contract/cases_<type>.py`` modules, each exporting ``CASES: list[Case]``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from mediatypes import _json, _registry, schemas
from mediatypes.core.media import MANIFEST_SUFFIX, file_refs

from .case import Case

HERE = Path(__file__).parent
FIXTURES = HERE.parents[1] / "fixtures"
RUN_LEVEL = {"history-row", "summary", "run", "run-rank", "media-list"}


def _cases() -> list[Case]:
    out: list[Case] = []
    for path in sorted(HERE.glob("cases_*.py")):
        out.extend(importlib.import_module(f"tests.contract.{path.stem}").CASES)
    return out


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_contract(case: Case, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    m1 = case.make().save(a, name="item")
    m2 = case.make().save(b, name="item")
    schemas.validate(m1)
    assert m1 == m2, "same input must give the same manifest"
    assert _json.loads((a / ("item" + MANIFEST_SUFFIX)).read_bytes()) == m1
    for ref in file_refs(m1):
        data = (a / ref["path"]).read_bytes()
        assert data == (b / ref["path"]).read_bytes(), "same input must give the same bytes"
        assert len(data) == ref["size"]
    case.check(m1, a)


def test_every_registered_type_has_a_case_a_schema_and_a_golden_fixture() -> None:
    registered = set(_registry.TYPES)
    schema_types = set(schemas.names()) - RUN_LEVEL
    golden = {p.name for p in (FIXTURES / "golden").glob("*") if p.is_dir()}
    cased = {c.make()._type for c in CASES}
    assert registered == schema_types, registered ^ schema_types
    assert registered == golden, registered ^ golden
    assert registered <= cased, registered - cased


def test_committed_fixtures_are_current() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, str(FIXTURES / "make_fixtures.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
