from __future__ import annotations

import pytest

from mediatypes import _json, schemas
from mediatypes.errors import SchemaError

# Run-level documents keyed by metric names (history rows, summary): their keys are the user's.
MAPS = {"history-row", "summary"}


def test_every_schema_is_draft_2020_12_closed_and_valid() -> None:
    from jsonschema import Draft202012Validator

    for name in [*schemas.names(), "defs"]:
        s = (
            schemas.schema(name)
            if name != "defs"
            else _json.loads((schemas.schema_dir() / "defs.json").read_bytes())
        )
        assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        assert s["$id"].endswith(f"/{name}.json"), name
        Draft202012Validator.check_schema(s)
        if name in MAPS:  # metric name -> value: open keys, but every value is constrained
            assert isinstance(s.get("additionalProperties"), dict), f"{name} values unconstrained"
        elif name != "defs" and s.get("type") == "object":
            assert s.get("additionalProperties") is False, f"{name} must be closed"


def test_readable_errors_with_json_path() -> None:
    bad = {
        "_type": "media-list",
        "schema_version": 1,
        "item_type": "x",
        "count": 0,
        "captions": [],
        "items": [],
        "extra": 1,
    }
    with pytest.raises(SchemaError) as info:
        schemas.validate(bad)
    text = str(info.value)
    assert "$.count" in text and "$.items" in text and "extra" in text
    assert isinstance(info.value, ValueError)
    assert info.value.problems


def test_unknown_or_missing_type() -> None:
    assert schemas.problems({"a": 1}) == [
        "$._type: missing; every manifest names its type in `_type`"
    ]
    assert "unknown type" in schemas.problems({"_type": "nope"})[0]
    assert schemas.problems([1]) == ["$: expected a JSON object; got list"]
