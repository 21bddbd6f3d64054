"""The fast validity check (jsonschema-rs) must give jsonschema's verdict on every document.

Valid documents: every contract case's manifest, the golden fixtures and a real run's files.
Each is then mutated (every key dropped, every value swapped for junk, an unknown key added at
every level) and both validators must agree on each mutation; the broken fixtures are checked
as they are.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mediatypes import _json, schemas

jsonschema_rs = pytest.importorskip("jsonschema_rs")

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
JUNK: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    2**70,
    float("nan"),
    "",
    "../escape",
    "x" * 300,
    [],
    [1, "a"],
    {},
    {"a": 1},
]


def _documents(tmp: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((FIXTURES / "golden").glob("*/*.manifest.json")):
        yield path.name, _json.loads(path.read_bytes())
    for path in sorted((ROOT / "tests" / "contract").glob("cases_*.py")):
        for case in importlib.import_module(f"tests.contract.{path.stem}").CASES:
            yield case.name, case.make().save(tmp / case.name, name="item")
    run = FIXTURES / "corrupt" / "runs" / "valid"
    yield "run.json", _json.loads((run / "run.json").read_bytes())
    yield "summary.json", _json.loads((run / "summary.json").read_bytes())
    for i, line in enumerate((run / "history.jsonl").read_bytes().splitlines()):
        yield f"history row {i}", _json.loads(line)


def _kind(name: str, doc: dict[str, Any]) -> str:
    if name in ("run.json", "summary.json"):
        return name.removesuffix(".json")
    return "history-row" if name.startswith("history") else str(doc["_type"])


def _mutations(doc: Any) -> Iterator[Any]:
    """The document with one change each: a key dropped, a value replaced, a key added."""
    if isinstance(doc, dict):
        yield {**doc, "unexpected_key": 1}
        for key, value in doc.items():
            yield {k: v for k, v in doc.items() if k != key}
            for junk in JUNK:
                if junk is not value:
                    yield {**doc, key: junk}
            for inner in _mutations(value):
                yield {**doc, key: inner}
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:3]):
            for inner in _mutations(value):
                yield [*doc[:i], inner, *doc[i + 1 :]]


def _agree(kind: str, doc: Any) -> bool | None:
    """True/False when the verdict schemas gives with the fast check matches/differs from the
    reference; None when the fast check cannot take the value (schemas then asks jsonschema)."""
    fast = schemas._fast_check(kind)
    assert fast is not None
    finite = not any(schemas._nonfinite(doc, "$"))  # NaN/Infinity are refused before either
    try:
        verdict = finite and fast(doc)
    except Exception:
        return None
    return verdict == (finite and schemas._validator(kind).is_valid(doc))


def test_fast_check_agrees_with_jsonschema_on_valid_documents_and_their_mutations(
    tmp_path: Path,
) -> None:
    checked = disagreements = 0
    examples = []
    for name, doc in _documents(tmp_path):
        kind = _kind(name, doc)
        assert schemas._fast_check(kind) is not None
        assert _agree(kind, doc) is True and schemas.problems(doc, kind) == [], name
        for mutated in _mutations(copy.deepcopy(doc)):
            agreed = _agree(kind, mutated)
            checked += agreed is not None
            if agreed is False:
                disagreements += 1
                examples.append((name, mutated))
    assert checked > 5000
    assert disagreements == 0, examples[:3]


def test_fast_check_agrees_on_the_broken_manifests() -> None:
    compared = []
    for path in sorted((FIXTURES / "corrupt" / "manifests").glob("*.json")):
        try:
            doc = _json.loads(path.read_bytes())
        except Exception:
            continue  # not JSON (truncated, UTF-16, …): refused before any schema is involved
        if isinstance(doc, dict) and doc.get("_type") in schemas.names():
            assert _agree(doc["_type"], doc) in (True, None), path.name
            compared.append(path.name.removesuffix(".manifest.json"))
    assert {"valid", "wrong-types", "extra-field", "escape-absolute"} <= set(compared), compared


def test_without_the_fast_check_the_verdicts_are_the_same(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    docs = [(_kind(n, d), d) for n, d in _documents(tmp_path)]
    # an unknown key breaks every closed schema (summary and history rows are keyed by metrics)
    bad = [(k, {**d, "unexpected_key": 1}) for k, d in docs if k not in ("summary", "history-row")]
    with_fast = [schemas.problems(d, k) for k, d in docs + bad]
    monkeypatch.setattr(schemas, "_fast_check", lambda name: None)
    assert [schemas.problems(d, k) for k, d in docs + bad] == with_fast
    assert not any(with_fast[: len(docs)]) and all(with_fast[len(docs) :])


def test_values_the_fast_check_cannot_take_fall_back_to_jsonschema() -> None:
    doc = _json.loads((FIXTURES / "golden" / "image-file" / "float_rgb.manifest.json").read_bytes())
    assert schemas.problems({**doc, "size": 2**70}) == []  # a valid, if unlikely, size
    assert schemas.problems({**doc, "size": -(2**70)})  # still checked, by jsonschema


def test_nan_and_infinity_are_refused_with_their_path() -> None:
    doc = _json.loads(
        (FIXTURES / "golden" / "histogram").glob("*.manifest.json").__next__().read_bytes()
    )
    found = schemas.problems({**doc, "min": float("nan")})
    assert found == ["$.min: nan is not a JSON number; NaN and ±Infinity cannot be stored"]
    assert schemas.problems({"loss": float("inf")}, "summary")


def test_prepare_builds_the_validator_and_refuses_unknown_names() -> None:
    from mediatypes.errors import SchemaError

    schemas.prepare("image-file")
    assert schemas._fast_check.cache_info().currsize >= 1
    with pytest.raises(SchemaError, match="no schema named 'nope'"):
        schemas.prepare("nope")
