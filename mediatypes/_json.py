"""Fast, deterministic JSON (orjson): sorted keys, numpy scalars and arrays serialized."""

from __future__ import annotations

from typing import Any

import orjson

_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, *, indent: bool = False) -> bytes:
    """Serialize to UTF-8 JSON bytes with sorted keys; ``indent`` for files people read."""
    return orjson.dumps(obj, option=_OPTS | (orjson.OPT_INDENT_2 if indent else 0))


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    return orjson.loads(data)


JSONDecodeError = orjson.JSONDecodeError
