"""Fast, deterministic JSON (orjson): sorted keys, numpy scalars and arrays serialized."""

from __future__ import annotations

from typing import Any

import orjson

from .errors import InvalidTypeError

_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps(obj: Any, *, indent: bool = False) -> bytes:
    """Serialize to UTF-8 JSON bytes with sorted keys; ``indent`` for files people read.

    Values JSON cannot hold (lone surrogates in a str, integers beyond 64 bits, unknown types)
    raise InvalidTypeError (a TypeError, like orjson's own error) instead of orjson's bare error.
    """
    try:
        return orjson.dumps(obj, option=_OPTS | (orjson.OPT_INDENT_2 if indent else 0))
    except orjson.JSONEncodeError as exc:
        raise InvalidTypeError(
            f"a value cannot be written as JSON ({exc}); strings must be valid Unicode (no lone "
            "surrogates) and integers must fit in 64 bits."
        ) from exc


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    return orjson.loads(data)


JSONDecodeError = orjson.JSONDecodeError
