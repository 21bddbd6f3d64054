"""Custom charts: fill a Vega-Lite preset (built-in or registered) with a Table.

A preset is a plain Vega-Lite JSON spec with placeholders in its strings:

* ``${field:NAME}`` — replaced by the table column mapped to ``NAME`` in ``fields`` (required);
* ``${string:NAME}`` / ``${string:NAME:default}`` — replaced by ``string_fields[NAME]`` (required
  when the placeholder has no default).

Built-in presets are the JSON files in ``charts/presets/``. ``register_preset`` adds one from a
dict or a JSON file. The filled spec gets ``$schema`` set, the mapped columns inline as
``data.values``, and ``usermeta.mediatypes`` (preset name plus any metadata such as downsampling).
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from mediatypes import _json
from mediatypes.errors import InvalidInputError, InvalidTypeError, MediaFileNotFoundError, describe
from mediatypes.table import Table

from .chart import VEGA_LITE_SCHEMA, Chart

__all__ = ["plot_table", "preset_names", "register_preset"]

PRESET_DIR = Path(__file__).resolve().parent / "presets"
_PLACEHOLDER = re.compile(r"\$\{(field|string):([^:}]+)(?::([^}]*))?\}")
_FIELD_ONLY = re.compile(r"^\$\{field:([^:}]+)\}$")
_registered: dict[str, dict[str, Any]] = {}
_builtin: dict[str, dict[str, Any]] = {}


def preset_names() -> list[str]:
    """Names of every built-in and registered preset."""
    return sorted({p.stem for p in PRESET_DIR.glob("*.json")} | set(_registered))


def _load_builtin(name: str) -> dict[str, Any] | None:
    if name not in _builtin:
        path = PRESET_DIR / f"{name}.json"
        if not path.is_file():
            return None
        _builtin[name] = _json.loads(path.read_bytes())
    return _builtin[name]


def get_preset(name: str) -> dict[str, Any]:
    """The template of a preset (registered presets shadow nothing: names are unique)."""
    spec = _registered.get(name) or _load_builtin(name)
    if spec is None:
        raise InvalidInputError(
            f"plot_table: unknown preset {name!r}; known: {', '.join(preset_names())}. "
            "Register your own with charts.register_preset(name, spec_or_path)."
        )
    return spec


def register_preset(name: str, spec_or_path: dict[str, Any] | str | os.PathLike[str]) -> None:
    """Register a Vega-Lite template (a dict, or the path of a JSON file) under ``name``.

    >>> charts.register_preset("my/steps", {"mark": "line", "encoding": {...}})  # doctest: +SKIP
    """
    if not isinstance(name, str) or not name:
        raise InvalidTypeError(
            f"register_preset: `name` expects a non-empty str; got {describe(name)}."
        )
    if _load_builtin(name) is not None:
        raise InvalidInputError(
            f"register_preset: {name!r} is a built-in preset; choose another name."
        )
    if isinstance(spec_or_path, (str, os.PathLike)):
        path = Path(spec_or_path)
        if not path.is_file():
            raise MediaFileNotFoundError(f"register_preset: no such file {str(path)!r}.")
        try:
            spec = _json.loads(path.read_bytes())
        except _json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"register_preset: {str(path)!r} is not valid JSON: {exc}"
            ) from exc
    else:
        spec = spec_or_path
    if not isinstance(spec, dict):
        raise InvalidTypeError(
            f"register_preset: `spec_or_path` expects a Vega-Lite spec (dict) or a JSON file path; "
            f"got {describe(spec)}."
        )
    _registered[name] = copy.deepcopy(spec)


def placeholders(template: Any) -> tuple[set[str], dict[str, str | None]]:
    """The ``${field:…}`` names and the ``${string:…}`` names (with defaults) used in a template."""
    fields: set[str] = set()
    strings: dict[str, str | None] = {}
    for m in _PLACEHOLDER.finditer(_json.dumps(template).decode()):
        kind, name, default = m.group(1), m.group(2), m.group(3)
        if kind == "field":
            fields.add(name)
        elif strings.get(name) is None:
            strings[name] = default
    return fields, strings


def _escape_field(column: str) -> str:
    # Vega-Lite reads "." and "[...]" in a field name as nested access; a backslash escapes them.
    return re.sub(r"([.\[\]\\])", r"\\\1", column)


def _fill(value: Any, fields: dict[str, str], strings: dict[str, str], key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, fields, strings, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, fields, strings) for v in value]
    if isinstance(value, str) and "${" in value:
        whole = _FIELD_ONLY.match(value)
        if whole and key == "field":
            return _escape_field(fields[whole.group(1)])

        def sub(m: re.Match[str]) -> str:
            kind, name, default = m.group(1), m.group(2), m.group(3)
            if kind == "field":
                return fields[name]
            return strings.get(name, default or "")

        return _PLACEHOLDER.sub(sub, value)
    return value


def build_spec(
    template: dict[str, Any],
    table: Table,
    fields: dict[str, str],
    string_fields: dict[str, str],
    *,
    owner: str,
    preset: str | None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fill ``template`` with the table's mapped columns; check every name on the way."""
    needed, strings = placeholders(template)
    missing = sorted(needed - set(fields))
    if missing:
        raise InvalidInputError(
            f"{owner}: `fields` lacks {missing}; the preset needs fields {sorted(needed)}."
        )
    unknown = sorted(set(fields) - needed)
    if unknown:
        raise InvalidInputError(
            f"{owner}: unknown field(s) {unknown} in `fields`; the preset's fields are {sorted(needed)}."
        )
    for name, column in fields.items():
        if not isinstance(column, str):
            raise InvalidTypeError(
                f"{owner}: `fields[{name!r}]` expects a column name (str); got {describe(column)}."
            )
        if column not in table.columns:
            raise InvalidInputError(
                f"{owner}: field {name!r} maps to unknown column {column!r}; the table has "
                f"{table.columns}."
            )
        kind = table.column_types[column]
        if kind in ("media", "ndarray"):
            raise InvalidInputError(
                f"{owner}: column {column!r} holds {kind} cells, which a chart cannot plot."
            )
    unknown = sorted(set(string_fields) - set(strings))
    if unknown:
        raise InvalidInputError(
            f"{owner}: unknown string field(s) {unknown}; the preset's string fields are "
            f"{sorted(strings)}."
        )
    lacking = sorted(n for n, d in strings.items() if d is None and n not in string_fields)
    if lacking:
        raise InvalidInputError(
            f"{owner}: `string_fields` lacks {lacking} (no default in the preset)."
        )
    for name, text in string_fields.items():
        if not isinstance(text, str):
            raise InvalidTypeError(
                f"{owner}: `string_fields[{name!r}]` expects a str; got {describe(text)}."
            )
    spec = _fill(template, fields, string_fields)
    if spec.get("title") == "":
        del spec["title"]
    spec["$schema"] = VEGA_LITE_SCHEMA
    spec["data"] = {"values": _records(table, list(dict.fromkeys(fields.values())))}
    usermeta = dict(spec.get("usermeta") or {})
    usermeta["mediatypes"] = {"preset": preset, **(meta or {})}
    spec["usermeta"] = usermeta
    return spec


def _records(table: Table, columns: list[str]) -> list[dict[str, Any]]:
    cols, _ = table._json_columns()
    picked = [cols[table.columns.index(c)] for c in columns]
    return [dict(zip(columns, row, strict=False)) for row in zip(*picked, strict=False)]


def make_chart(
    preset: str,
    table: Table,
    fields: dict[str, str],
    string_fields: dict[str, str | None] | None = None,
    *,
    owner: str,
    meta: dict[str, Any] | None = None,
) -> Chart:
    """Build a Chart from a named preset (shared by every preset function)."""
    if not isinstance(table, Table):
        raise InvalidTypeError(
            f"{owner}: `table` expects a mediatypes.Table; got {describe(table)}."
        )
    strings = {k: v for k, v in (string_fields or {}).items() if v is not None}
    spec = build_spec(
        get_preset(preset), table, fields, strings, owner=owner, preset=preset, meta=meta
    )
    return Chart(spec, table, preset=preset, fields=fields, string_fields=strings, meta=meta)


def plot_table(
    spec_name_or_spec: str | dict[str, Any] | None = None,
    table: Table | None = None,
    fields: dict[str, str] | None = None,
    string_fields: dict[str, str] | None = None,
    *,
    vega_spec_name: str | None = None,
    data_table: Table | None = None,
) -> Chart:
    """Fill a preset (a name, or a Vega-Lite template dict) with ``table`` and a field mapping.

    ``vega_spec_name=`` / ``data_table=`` are the reference SDK's keyword names.

    >>> charts.plot_table("line", table, {"x": "step", "y": "height"})  # doctest: +SKIP
    """
    spec = spec_name_or_spec if spec_name_or_spec is not None else vega_spec_name
    table = table if table is not None else data_table
    if spec is None:
        raise InvalidInputError(
            "plot_table: `spec_name_or_spec` is required (a preset name or a dict)."
        )
    if not isinstance(table, Table):
        raise InvalidTypeError(
            f"plot_table: `table` expects a mediatypes.Table; got {describe(table)}."
        )
    if fields is None or not isinstance(fields, dict):
        raise InvalidTypeError(
            f"plot_table: `fields` expects a dict of preset field -> column; got {describe(fields)}."
        )
    if string_fields is not None and not isinstance(string_fields, dict):
        raise InvalidTypeError(
            f"plot_table: `string_fields` expects a dict or None; got {describe(string_fields)}."
        )
    if isinstance(spec, str):
        return make_chart(spec, table, fields, dict(string_fields or {}), owner="plot_table")
    if not isinstance(spec, dict):
        raise InvalidTypeError(
            f"plot_table: `spec_name_or_spec` expects a preset name or a Vega-Lite dict; got {describe(spec)}."
        )
    strings = dict(string_fields or {})
    filled = build_spec(spec, table, fields, strings, owner="plot_table", preset=None)
    return Chart(filled, table, preset=None, fields=fields, string_fields=strings)
