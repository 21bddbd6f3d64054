"""Table: rows and typed columns, written as one canonical ``.table.json`` file.

Encoding (schema version 1): a UTF-8 JSON object ``{"columns", "data", "column_types", "nrows",
"ncols"}`` with ``data`` as a list of rows (the layout users of the reference SDK know), plus
``"nonfinite"`` when number cells hold NaN/Inf. JSON has no NaN, so such cells are written as
``null`` and their row indices are listed per column (``{"col": {"nan": [..], "inf": [..],
"-inf": [..]}}``): nothing is lost and ``Table.from_manifest`` restores them. Timestamps are written
as ISO 8601 strings; numpy arrays as nested lists; media cells (any ``Media``) are written through
the same store and the cell holds their manifest.

Storage is column-wise: DataFrames are ingested one column at a time (``tolist`` per column, types
from the dtype), rows are transposed once with ``zip``, and types are inferred per column from the
set of Python types present, so no per-cell Python code runs on the fast paths.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import os
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from . import _json
from .core.arrays import is_tensor, to_numpy, untensor
from .core.media import Media, Payload, TrackingStore, root_path
from .core.store import Store
from .errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    MediaError,
    NonFiniteError,
    ShapeError,
    describe,
)

__all__ = ["COLUMN_TYPES", "Table"]

DEFAULT_COLUMNS = ("Input", "Output", "Expected")
COLUMN_TYPES = ("number", "string", "boolean", "timestamp", "list", "ndarray", "media", "none")
_NONFINITE_KEYS = ("nan", "inf", "-inf")

# Python type -> column kind; filled lazily for numpy / pandas scalar types by _kind_of.
_KINDS: dict[type, str] = {
    int: "number",
    float: "number",
    bool: "boolean",
    str: "string",
    type(None): "none",
    list: "list",
    tuple: "list",
    _dt.datetime: "timestamp",
    _dt.date: "timestamp",
}


def _kind_of(t: type) -> str | None:
    kind = _KINDS.get(t)
    if kind is not None:
        return kind
    import numpy as np

    if issubclass(t, Media):
        kind = "media"
    elif issubclass(t, (bool, np.bool_)):
        kind = "boolean"
    elif issubclass(t, (int, float, np.integer, np.floating)):
        kind = "number"
    elif issubclass(t, str):
        kind = "string"
    elif issubclass(t, (_dt.datetime, _dt.date, np.datetime64)):
        kind = "timestamp"
    elif issubclass(t, np.ndarray):
        kind = "ndarray"
    elif issubclass(t, (list, tuple)):
        kind = "list"
    else:
        return None
    _KINDS[t] = kind
    return kind


def _name_of(t: type) -> str:
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


class Table(Media):
    """A table of typed columns (number, string, boolean, timestamp, list, ndarray, media, none).

    >>> t = Table(columns=["text", "label"], data=[["I love my phone", 1]])
    >>> t.add_data("My phone sucks", 0)
    >>> t.get_column("label")
    [1, 0]
    """

    _type: ClassVar[str] = "table-file"
    SCHEMA_VERSION: ClassVar[int] = 1
    MAX_ROWS: ClassVar[int] = 10_000
    MAX_CELL_CHARS: ClassVar[int] = 2**26  # longest string cell (64 Mi characters)

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        data: Any = None,
        rows: Any = None,
        dataframe: Any = None,
    ) -> None:
        if rows is not None:
            if data is not None:
                raise InvalidInputError("Table: pass `data` or its alias `rows`, not both.")
            data = rows
        self._names: list[str] = []
        self._cols: list[list[Any]] = []
        self._types: list[str] = []
        self._nrows = 0
        if dataframe is not None:
            if data is not None:
                raise InvalidInputError("Table: pass `data` or `dataframe`, not both.")
            with _no_gc():
                self._ingest_dataframe(dataframe, columns)
            return
        names = self._check_names(list(DEFAULT_COLUMNS) if columns is None else columns)
        if data is None:
            self._names = names
            self._cols = [[] for _ in names]
            self._types = ["none"] * len(names)
            return
        import numpy as np

        if is_tensor(data):
            data = to_numpy(data, "data", "Table", copy=True)
        if isinstance(data, np.ndarray) and data.dtype == object:
            if data.ndim != 2:
                raise ShapeError(
                    f"Table: `data` expects a 2-D array (rows, columns); got {describe(data)}."
                )
            data = data.tolist()
        if isinstance(data, np.ndarray):
            self._ingest_array(data, names, columns is None)
        else:
            if not isinstance(data, Sequence) or isinstance(data, (str, bytes)):
                raise InvalidTypeError(
                    f"Table: `data` expects a list of rows or a 2-D numpy array; got {describe(data)}."
                )
            with _no_gc():
                self._ingest_rows(list(data), names, columns is None)

    # ------------------------------------------------------------------ construction helpers
    @staticmethod
    def _check_names(columns: Any) -> list[str]:
        if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence):
            raise InvalidTypeError(
                f"Table: `columns` expects a list of column names; got {describe(columns)}."
            )
        names = list(columns)
        for name in names:
            if not isinstance(name, str):
                raise InvalidTypeError(
                    f"Table: `columns` expects str names; got {describe(name)}. "
                    "Convert names with str() first."
                )
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise InvalidInputError(f"Table: `columns` must be unique; repeated: {dup}.")
        return names

    @classmethod
    def max_rows(cls) -> int:
        """``Table.MAX_ROWS``, checked: a bad value set by the user is a clear error here."""
        limit = cls.MAX_ROWS
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            hint = ""
            if isinstance(limit, (set, frozenset)) and len(limit) == 1:
                # the reference docs print `wandb.Table.MAX_ROWS = {DESIRED_MAX}`: a placeholder
                hint = f" Drop the braces: `Table.MAX_ROWS = {next(iter(limit))!r}`."
            raise InvalidTypeError(
                f"Table: `Table.MAX_ROWS` expects a positive int; got {describe(limit)}.{hint}"
            )
        return limit

    def _check_rows(self, n: int) -> None:
        limit = self.max_rows()
        if n > limit:
            raise LimitExceededError(
                f"Table: {n} rows exceed Table.MAX_ROWS ({limit}). Nothing was truncated; raise "
                f"the limit first with `Table.MAX_ROWS = {n}` (or higher) to log all rows."
            )

    def _check_strings(self, names: list[str], cols: list[list[Any]], types: list[str]) -> None:
        """Refuse a string cell longer than MAX_CELL_CHARS before it is encoded (bounded memory)."""
        limit = self.MAX_CELL_CHARS
        for name, col, kind in zip(names, cols, types, strict=False):
            if kind != "string" or not col:
                continue
            longest = max(map(len, filter(None, col)), default=0)
            if longest > limit:
                i = next(i for i, v in enumerate(col) if v and len(v) == longest)
                raise LimitExceededError(
                    f"Table: column {name!r} row {i} holds a string of {longest} characters, "
                    f"above Table.MAX_CELL_CHARS ({limit}). Nothing was truncated; raise the limit "
                    f"with `Table.MAX_CELL_CHARS = {longest}` to keep it, or store the text as a file."
                )

    def _ingest_rows(self, rows: list[Any], names: list[str], defaulted: bool) -> None:
        self._check_rows(len(rows))
        ncols = len(names)
        row_types = set(map(type, rows))
        if not row_types <= {list, tuple}:
            import numpy as np

            for i, row in enumerate(rows):
                if not isinstance(row, (list, tuple, np.ndarray)):
                    raise InvalidTypeError(
                        f"Table: `data` expects each row to be a list of {ncols} values; "
                        f"row {i} is {describe(row)}."
                    )
        if set(map(len, rows)) - {ncols}:
            i = next(i for i, row in enumerate(rows) if len(row) != ncols)
            hint = (
                f" (the default columns {list(DEFAULT_COLUMNS)} apply when `columns` is "
                "omitted; pass columns=[...])"
                if defaulted
                else ""
            )
            raise ShapeError(
                f"Table: row {i} has {len(rows[i])} values but the table has {ncols} columns "
                f"{names}{hint}."
            )
        cols = [list(c) for c in zip(*rows, strict=False)] if rows else [[] for _ in names]
        types = [_infer(name, col, 0) for name, col in zip(names, cols, strict=False)]
        cols = [_normalize(col, kind) for col, kind in zip(cols, types, strict=False)]
        self._check_strings(names, cols, types)
        self._names, self._cols, self._types, self._nrows = names, cols, types, len(rows)

    def _ingest_array(self, arr: Any, names: list[str], defaulted: bool) -> None:
        if arr.ndim != 2:
            raise ShapeError(
                f"Table: `data` expects a 2-D array (rows, columns); got {describe(arr)}."
            )
        self._check_rows(arr.shape[0])
        if arr.shape[1] != len(names):
            hint = " (pass columns=[...])" if defaulted else ""
            raise ShapeError(
                f"Table: `data` has {arr.shape[1]} columns but `columns` has {len(names)} names "
                f"{names}{hint}."
            )
        converted = [_from_numpy(arr[:, j], names[j]) for j in range(arr.shape[1])]
        self._check_strings(names, [c for c, _ in converted], [k for _, k in converted])
        self._names = names
        self._nrows = arr.shape[0]
        self._cols = [c for c, _ in converted]
        self._types = [k for _, k in converted]

    def _ingest_dataframe(self, df: Any, columns: Sequence[str] | None) -> None:
        module = type(df).__module__.split(".")[0]
        if module == "pandas" and hasattr(df, "iloc"):
            names = self._check_names([str(c) for c in df.columns])
            self._check_rows(len(df))
            series = [df.iloc[:, j] for j in range(df.shape[1])]
            converted = [_from_pandas(s, name) for s, name in zip(series, names, strict=False)]
        elif module == "polars" and hasattr(df, "get_columns"):
            names = self._check_names([str(c) for c in df.columns])
            self._check_rows(df.height)
            converted = [
                _from_polars(s, name) for s, name in zip(df.get_columns(), names, strict=False)
            ]
        else:
            raise InvalidTypeError(
                f"Table: `dataframe` expects a pandas or polars DataFrame; got {describe(df)}."
            )
        if columns is not None and list(columns) != names:
            raise InvalidInputError(
                f"Table: `columns` {list(columns)} does not match the DataFrame's columns {names}; "
                "omit `columns` or select/rename the DataFrame's columns first."
            )
        self._check_strings(names, [c for c, _ in converted], [k for _, k in converted])
        self._names = names
        self._cols = [c for c, _ in converted]
        self._types = [k for _, k in converted]
        self._nrows = len(self._cols[0]) if self._cols else 0

    @classmethod
    def from_dataframe(cls, df: Any) -> Table:
        """A Table from a pandas or polars DataFrame (column-wise; used as the DataFrame adapter)."""
        return cls(dataframe=df)

    # ------------------------------------------------------------------ public API
    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return list(self._names)

    @property
    def column_types(self) -> dict[str, str]:
        """Column name -> inferred kind (``"none"`` while a column only holds None)."""
        return dict(zip(self._names, self._types, strict=False))

    @property
    def data(self) -> list[list[Any]]:
        """The rows as lists (built from the columns on each access)."""
        return [list(r) for r in zip(*self._cols, strict=False)] if self._names else []

    @property
    def nrows(self) -> int:
        return self._nrows

    @property
    def ncols(self) -> int:
        return len(self._names)

    def __len__(self) -> int:
        return self._nrows

    def add_data(self, *row: Any) -> None:
        """Append one row; its values are type-checked against the columns."""
        if len(row) != len(self._names):
            raise ShapeError(
                f"Table.add_data: expects {len(self._names)} values (one per column {self._names}); "
                f"got {len(row)}."
            )
        self._check_rows(self._nrows + 1)
        kinds = []
        for j, (name, kind, value) in enumerate(zip(self._names, self._types, row, strict=False)):
            new = _kind_of(type(value))
            if new is None and is_tensor(value):  # torch: 0-d -> number, else ndarray
                row = tuple(map(untensor, row))
                value = row[j]
                new = _kind_of(type(value))
            if new is None:
                raise _unsupported(name, value, self._nrows)
            if new != kind and "none" not in (new, kind):
                raise _conflict(name, kind, new, value, self._nrows)
            kinds.append(kind if new == "none" else new)
        # normalize every cell before appending any: a refused cell must not leave a partial row
        cells = [_normalize([value], kind) for kind, value in zip(kinds, row, strict=False)]
        self._check_strings(self._names, cells, kinds)
        for col, cell in zip(self._cols, cells, strict=False):
            col.extend(cell)
        self._types = kinds
        self._nrows += 1
        self._encoded = None

    def add_column(self, name: str, data: Any) -> None:
        """Add a column of ``len(table)`` values (list, tuple or 1-D array)."""
        self._check_names([*self._names, name])
        import numpy as np

        if is_tensor(data):
            data = to_numpy(data, "data", "Table.add_column", copy=True)
        if isinstance(data, np.ndarray) and data.dtype != object:
            if data.ndim != 1:
                raise ShapeError(
                    f"Table.add_column: `data` expects a 1-D array; got {describe(data)}."
                )
            col, kind = _from_numpy(data, name)
        elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
            col = list(data)
            kind = _infer(name, col, 0)
            col = _normalize(col, kind)
        else:
            raise InvalidTypeError(
                f"Table.add_column: `data` expects a list or 1-D array; got {describe(data)}."
            )
        if self._names and len(col) != self._nrows:
            raise ShapeError(
                f"Table.add_column: column {name!r} has {len(col)} values; the table has "
                f"{self._nrows} rows."
            )
        if not self._names:
            self._check_rows(len(col))
            self._nrows = len(col)
        self._check_strings([name], [col], [kind])
        self._names.append(name)
        self._cols.append(col)
        self._types.append(kind)
        self._encoded = None

    def _index(self, name: str, owner: str) -> int:
        try:
            return self._names.index(name)
        except ValueError:
            raise InvalidInputError(
                f"{owner}: unknown column {name!r}; the table has {self._names}."
            ) from None

    def get_column(self, name: str, convert_to: str | None = None) -> Any:
        """The values of one column as a list, or as a numpy array with ``convert_to="numpy"``."""
        j = self._index(name, "Table.get_column")
        col = self._cols[j]
        if convert_to is None:
            return list(col)
        if convert_to != "numpy":
            raise InvalidInputError(
                f'Table.get_column: `convert_to` expects None or "numpy"; got {convert_to!r}.'
            )
        import numpy as np

        kind = self._types[j]
        if kind == "number" and None not in col:
            return np.asarray(col)
        if kind == "boolean" and None not in col:
            return np.asarray(col, dtype=bool)
        if kind == "ndarray":
            try:
                return np.stack(col)
            except ValueError:
                pass
        out = np.empty(len(col), dtype=object)
        out[:] = col
        return out

    def get_dataframe(self) -> Any:
        """A pandas DataFrame of this table (built column-wise)."""
        from ._optional import require

        pd = require("pandas", "Table.get_dataframe")
        return pd.DataFrame(
            {
                n: pd.Series(c, dtype=_pd_dtype(k, c))
                for n, c, k in zip(self._names, self._cols, self._types, strict=False)
            },
            columns=self._names,
        )

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        """Yield ``(index, row)`` pairs, like the reference SDK."""
        for i, row in enumerate(zip(*self._cols, strict=False)):
            yield i, list(row)

    def __repr__(self) -> str:
        return f"<Table {self._nrows} rows × {len(self._names)} columns {self._names}>"

    # ------------------------------------------------------------------ encoding
    def _json_columns(self) -> tuple[list[list[Any]], dict[str, dict[str, list[int]]]]:
        """JSON-ready columns (media cells untouched) and the non-finite cell indices per column."""
        out: list[list[Any]] = []
        nonfinite: dict[str, dict[str, list[int]]] = {}
        for name, col, kind in zip(self._names, self._cols, self._types, strict=False):
            if kind == "number":
                bad = _nonfinite(col)
                if bad:
                    nonfinite[name] = bad
                    col = list(col)
                    for idx in bad.values():
                        for i in idx:
                            col[i] = None
            elif kind == "timestamp":
                col = [None if v is None else v.isoformat() for v in col]
            out.append(col)
        return out, nonfinite

    def _document(self, cols: list[list[Any]], nonfinite: dict[str, Any]) -> bytes:
        doc: dict[str, Any] = {
            "columns": self._names,
            "column_types": self.column_types,
            "data": list(zip(*cols, strict=False)) if cols else [],
            "ncols": len(self._names),
            "nrows": self._nrows,
        }
        if nonfinite:
            doc["nonfinite"] = nonfinite
        return _json.dumps(doc)

    def _fields(self, nonfinite: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "ncols": len(self._names),
            "nrows": self._nrows,
            "columns": list(self._names),
            "column_types": self.column_types,
        }
        if nonfinite:
            fields["nonfinite"] = {
                n: {k: len(v) for k, v in d.items() if v} for n, d in nonfinite.items()
            }
        return fields

    def _encode(self) -> tuple[Payload | None, dict[str, Any]]:
        with _no_gc():
            cols, nonfinite = self._json_columns()
            data = self._document(cols, nonfinite)
        return Payload(ext="table.json", data=data), self._fields(nonfinite)

    def to_manifest(self, store: Store, key: str) -> dict[str, Any]:
        """Write media cells (if any) and the ``.table.json`` through ``store``; return the manifest."""
        media = [j for j, k in enumerate(self._types) if k == "media"]
        if not media:
            return super().to_manifest(store, key)
        tracking = TrackingStore(store)
        try:
            cols, nonfinite = self._json_columns()
            count = 0
            for j in media:
                cells = []
                for i, cell in enumerate(cols[j]):
                    if cell is not None:
                        cell = cell.to_manifest(tracking, f"{key}-media/{self._names[j]}/{i}")
                        count += 1
                    cells.append(cell)
                cols[j] = cells
            ref, _ = tracking.put(key, self._document(cols, nonfinite), "table.json")
            manifest: dict[str, Any] = {
                "_type": self._type,
                "schema_version": self.SCHEMA_VERSION,
                **ref,
                **self._fields(nonfinite),
                "media_cells": count,
            }
        except BaseException:
            tracking.rollback()
            raise
        return manifest

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Table:
        """Read a ``.table.json`` back (NaN/Inf restored; media cells loaded as their types).

        A damaged or hand-edited file raises DecodeError, never a bare KeyError/IndexError.
        """
        try:
            return cls._read_document(manifest, root)
        except MediaError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise DecodeError(
                f"Table: `manifest` file {manifest.get('path')!r} is not a valid table document "
                f"({type(exc).__name__}: {exc})."
            ) from exc

    @classmethod
    def _read_document(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Table:
        doc = _json.loads(root_path(root, manifest).read_bytes())
        names = list(doc["columns"])
        types = [doc["column_types"][n] for n in names]
        if int(doc["nrows"]) != len(doc["data"]) or any(len(r) != len(names) for r in doc["data"]):
            raise ValueError("the rows do not match `columns` and `nrows`")
        cols = (
            [list(c) for c in zip(*doc["data"], strict=False)]
            if doc["data"]
            else [[] for _ in names]
        )
        for name, marks in doc.get("nonfinite", {}).items():
            col = cols[names.index(name)]
            for tag, value in (
                ("nan", float("nan")),
                ("inf", float("inf")),
                ("-inf", float("-inf")),
            ):
                for i in marks.get(tag, []):
                    col[i] = value
        for j, kind in enumerate(types):
            if kind == "timestamp":
                cols[j] = [None if v is None else _dt.datetime.fromisoformat(v) for v in cols[j]]
            elif kind == "ndarray":
                import numpy as np

                cols[j] = [None if v is None else np.asarray(v) for v in cols[j]]
            elif kind == "media":
                from . import _registry

                cols[j] = [None if v is None else _registry.load(v, root) for v in cols[j]]
        table = cls.__new__(cls)
        table._names, table._cols, table._types = names, cols, types
        table._nrows = int(doc["nrows"])
        return table


# ---------------------------------------------------------------------- column helpers
@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic GC while building many small containers (tuples/lists hold no cycles
    here); otherwise it rescans every cell several times during a 100k-row build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unsupported(name: str, value: Any, row: int) -> InvalidTypeError:
    return InvalidTypeError(
        f"Table: column {name!r} row {row} holds {describe(value)}; cells must be numbers, "
        "strings, booleans, timestamps, lists, numpy arrays, media objects or None."
    )


def _conflict(name: str, kind: str, new: str, value: Any, row: int) -> InvalidTypeError:
    return InvalidTypeError(
        f"Table: column {name!r} holds {kind} values, but row {row} has a {new} "
        f"({describe(value)}). Keep one type per column (None is allowed anywhere)."
    )


def _infer(name: str, col: list[Any], start: int) -> str:
    """The kind of a column from the set of its Python types (no per-cell Python code).

    Torch tensor cells are converted in place first (0-d -> number, else ndarray).
    """
    types = set(map(type, col))
    if any(t.__module__.startswith("torch") for t in types):
        col[:] = map(untensor, col)
        types = set(map(type, col))
    kinds: set[str] = set()
    for t in types:
        kind = _kind_of(t)
        if kind is None:
            i = next(i for i, v in enumerate(col) if type(v) is t)
            raise _unsupported(name, col[i], start + i)
        kinds.add(kind)
    kinds.discard("none")
    if len(kinds) > 1:
        first = _kind_of(type(next(v for v in col if v is not None)))
        for i, v in enumerate(col):
            k = _kind_of(type(v))
            if k not in ("none", first):
                raise _conflict(name, str(first), str(k), v, start + i)
    return kinds.pop() if kinds else "none"


def _normalize(col: list[Any], kind: str) -> list[Any]:
    """Canonical in-memory cells: numpy scalars -> Python, datetime64 -> datetime, arrays copied."""
    if kind in ("number", "boolean", "string"):
        if any(t.__module__ == "numpy" for t in set(map(type, col))):
            return [v.item() if hasattr(v, "item") else v for v in col]
        return col
    if kind == "timestamp":
        import numpy as np

        out = []
        for v in col:
            if isinstance(v, np.datetime64):
                v = None if np.isnat(v) else v.astype("datetime64[us]").item()
            if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
                v = _dt.datetime(v.year, v.month, v.day)
            out.append(v)
        return out
    if kind == "ndarray":
        import numpy as np

        out = []
        for v in col:
            if v is not None:
                v = np.array(v, copy=True)
                if v.dtype.kind == "f" and not np.isfinite(v).all():
                    raise NonFiniteError(
                        "Table: ndarray cells must be finite (JSON has no NaN/Inf); use a number "
                        "column for NaN/Inf, which is recorded losslessly."
                    )
                if v.dtype.kind not in "biuf":
                    raise InvalidTypeError(
                        f"Table: ndarray cells must hold numbers or booleans; got dtype {v.dtype}."
                    )
            out.append(v)
        return out
    if kind == "list":
        return [None if v is None else _check_list(v) for v in col]
    return col


def _check_list(value: Any) -> list[Any]:
    out: list[Any] = []
    for v in value:
        if isinstance(v, (list, tuple)):
            out.append(_check_list(v))
        elif isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            raise NonFiniteError(
                "Table: list cells must not hold NaN/Inf (JSON has no NaN); use a number column, "
                "where NaN/Inf are recorded losslessly."
            )
        elif v is None or isinstance(v, (bool, int, float, str)):
            out.append(v)
        elif hasattr(v, "item") and type(v).__module__ == "numpy":
            out.append(v.item())
        else:
            raise InvalidTypeError(
                f"Table: list cells may hold numbers, strings, booleans, None or lists; got {describe(v)}."
            )
    return out


def _nonfinite(col: list[Any]) -> dict[str, list[int]]:
    """Row indices of NaN, +Inf and -Inf cells in a number column (vectorized)."""
    import numpy as np

    if float not in set(map(type, col)):
        return {}
    try:
        arr = np.array(col, dtype=np.float64)  # None becomes NaN here; told apart below
    except (OverflowError, TypeError, ValueError):
        arr = np.array([v if isinstance(v, float) else 0.0 for v in col], dtype=np.float64)
    idx = np.flatnonzero(~np.isfinite(arr))
    if idx.size == 0:
        return {}
    out: dict[str, list[int]] = {}
    for i in idx.tolist():
        v = col[i]
        if v is None:
            continue
        tag = "nan" if v != v else ("inf" if v > 0 else "-inf")
        out.setdefault(tag, []).append(i)
    return out


def _from_numpy(arr: Any, name: str) -> tuple[list[Any], str]:
    kind = arr.dtype.kind
    if kind == "b":
        return arr.tolist(), "boolean"
    if kind in "iuf":
        return arr.tolist(), "number"
    if kind in "US":
        return arr.astype(str).tolist(), "string"
    if kind == "M":
        return _normalize(list(arr), "timestamp"), "timestamp"
    raise InvalidTypeError(f"Table: column {name!r} has unsupported dtype {arr.dtype}.")


def _from_pandas(s: Any, name: str) -> tuple[list[Any], str]:
    """One pandas Series -> (cells, kind), vectorized by dtype."""
    import numpy as np

    dtype = s.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "M":
            values = s.to_numpy()
            return _normalize(list(values.astype("datetime64[us]")), "timestamp"), "timestamp"
        if dtype.kind in "biuf":
            return _from_numpy(s.to_numpy(), name)
    if str(dtype).startswith("datetime64"):  # tz-aware: keep the instants, as UTC
        values = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        return _normalize(list(values.astype("datetime64[us]")), "timestamp"), "timestamp"
    # object, string, category, nullable extension dtypes: missing values (NaN/NA/NaT) -> None
    values = s.to_numpy(dtype=object)
    missing = s.isna().to_numpy()
    if missing.any():
        values[missing] = None
    col = values.tolist()
    kind = _infer(name, col, 0)
    return _normalize(col, kind), kind


def _from_polars(s: Any, name: str) -> tuple[list[Any], str]:
    """One polars Series -> (cells, kind)."""
    if s.dtype.is_numeric() and s.null_count() == 0:
        return _from_numpy(s.to_numpy(), name)
    col = s.to_list()
    kind = _infer(name, col, 0)
    return _normalize(col, kind), kind


def _pd_dtype(kind: str, col: list[Any]) -> Any:
    if kind == "timestamp":
        return "datetime64[us]"
    if kind in ("number", "boolean") and None not in col:
        return None
    return object
