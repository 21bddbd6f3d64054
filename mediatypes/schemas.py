"""The one accessor for the JSON Schemas (draft 2020-12) of every manifest and run file.

The schema files live in ``schemas/`` at the top of the repository and ship inside the wheel as
``mediatypes/_schemas``. Items of a ``media-list`` are validated against their own ``_type``.

>>> from mediatypes import schemas
>>> schemas.validate({"_type": "histogram", ...})  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from . import _json
from .errors import InvalidTypeError, SchemaError

__all__ = ["names", "problems", "schema", "schema_dir", "validate"]

BASE_URI = "https://mediatypes.dev/schemas/"


@functools.cache
def schema_dir() -> Path:
    """Folder holding the schema files (inside the installed package, else the source tree)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_schemas", here.parent / "schemas"):
        if (candidate / "defs.json").is_file():
            return candidate
    raise FileNotFoundError(f"mediatypes schema files not found next to {here}")


@functools.cache
def _all() -> dict[str, dict[str, Any]]:
    return {p.stem: _json.loads(p.read_bytes()) for p in sorted(schema_dir().glob("*.json"))}


def names() -> list[str]:
    """Names of every schema (``image-file``, ``history-row``, …; ``defs`` excluded)."""
    return [n for n in _all() if n != "defs"]


def schema(name: str) -> dict[str, Any]:
    """The schema dict for a ``_type`` or run-file name."""
    try:
        return _all()[name]
    except KeyError:
        raise SchemaError(f"no schema named {name!r}; known: {', '.join(names())}.") from None


@functools.cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in _all().values()
    )
    return Draft202012Validator(schema(name), registry=registry)


def _leaf(error: Any) -> Any:
    """The most specific sub-error of a oneOf/anyOf failure (best_match inside its context)."""
    from jsonschema.exceptions import best_match

    while error.context:
        deeper = best_match(error.context)
        if deeper is None or deeper is error:
            break
        error = deeper
    return error


def problems(manifest: Any, name: str | None = None) -> list[str]:
    """Every problem with ``manifest`` as ``"$.json.path: reason"`` lines (empty when valid)."""
    if not isinstance(manifest, dict):
        return [f"$: expected a JSON object; got {type(manifest).__name__}"]
    kind = name or manifest.get("_type")
    if not isinstance(kind, str):
        return ["$._type: missing; every manifest names its type in `_type`"]
    if kind not in _all() or kind == "defs":
        return [f"$._type: unknown type {kind!r}; known: {', '.join(names())}"]
    out: list[str] = []
    for err in _validator(kind).iter_errors(manifest):
        leaf = _leaf(err)
        out.append(f"{leaf.json_path}: {leaf.message}")
    if kind == "media-list" and not out:
        for i, item in enumerate(manifest["items"]):
            if item.get("_type") != manifest["item_type"]:
                out.append(
                    f"$.items[{i}]._type: expected {manifest['item_type']!r}, got {item.get('_type')!r}"
                )
            out.extend(p.replace("$", f"$.items[{i}]", 1) for p in problems(item))
    return sorted(set(out))


def validate(manifest: Any, name: str | None = None) -> None:
    """Raise SchemaError (listing every JSON path and reason) unless ``manifest`` is valid."""
    if name is not None and not isinstance(name, str):
        raise InvalidTypeError(
            f"validate: `name` expects a schema name (str); got {type(name).__name__}."
        )
    found = problems(manifest, name)
    if found:
        kind = name or (manifest.get("_type") if isinstance(manifest, dict) else None)
        raise SchemaError(
            f"manifest of type {kind!r} does not match its schema:\n  " + "\n  ".join(found), found
        )
