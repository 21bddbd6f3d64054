"""The one accessor for the JSON Schemas (draft 2020-12) of every manifest and run file.

The schema files live in ``schemas/`` at the top of the repository and ship inside the wheel as
``mediatypes/_schemas``. Items of a ``media-list`` are validated against their own ``_type``.

>>> from mediatypes import schemas
>>> schemas.validate({"_type": "histogram", ...})  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import _json
from .errors import InvalidTypeError, SchemaError

__all__ = ["names", "prepare", "problems", "schema", "schema_dir", "validate"]

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
def _fast_check(name: str) -> Callable[[Any], bool] | None:
    """jsonschema-rs's compiled validity check for ``name``, or None when it is not installed.

    Every manifest is validated before it is written, so this is on every save's path: about
    1 µs per image manifest against 180 µs for jsonschema (which resolves each ``$ref`` anew),
    and 25 ms to import against 45 ms. It only answers valid/invalid; the problems (JSON path and
    reason) of an invalid manifest come from jsonschema, the reference implementation, and a test
    holds the two to the same verdict on every case and thousands of mutations of them.
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in _all().values()])
    return jsonschema_rs.validator_for(schema(name), registry=registry).is_valid


def _fast_valid(name: str, manifest: Any) -> bool:
    """True when the fast check says ``manifest`` is valid (False: ask jsonschema)."""
    check = _fast_check(name)
    if check is None:
        return False
    try:
        return check(manifest)
    except Exception:  # a value JSON cannot hold (an int beyond 64 bits, …): jsonschema decides
        return False


def prepare(name: str) -> None:
    """Build (and cache) the validator of ``name`` now, e.g. before worker processes fork."""
    schema(name)  # an unknown name is a SchemaError
    if _fast_check(name) is None:
        _validator(name)


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


def _nonfinite(doc: Any, path: str) -> Iterator[str]:
    """NaN and ±Infinity anywhere in ``doc``: JSON has no such numbers (a JSON writer would store
    null or fail), so a document holding one is refused. jsonschema alone would accept them as
    numbers; jsonschema-rs refuses them, and this says where they are."""
    if isinstance(doc, float) and not math.isfinite(doc):
        yield f"{path}: {doc!r} is not a JSON number; NaN and ±Infinity cannot be stored"
    elif isinstance(doc, dict):
        for key, value in doc.items():
            yield from _nonfinite(value, f"{path}.{key}")
    elif isinstance(doc, list | tuple):
        for i, value in enumerate(doc):
            yield from _nonfinite(value, f"{path}[{i}]")


def problems(manifest: Any, name: str | None = None) -> list[str]:
    """Every problem with ``manifest`` as ``"$.json.path: reason"`` lines (empty when valid)."""
    if not isinstance(manifest, dict):
        return [f"$: expected a JSON object; got {type(manifest).__name__}"]
    kind = name or manifest.get("_type")
    if not isinstance(kind, str):
        return ["$._type: missing; every manifest names its type in `_type`"]
    if kind not in _all() or kind == "defs":
        return [f"$._type: unknown type {kind!r}; known: {', '.join(names())}"]
    out = list(_nonfinite(manifest, "$"))
    if not _fast_valid(kind, manifest):
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
