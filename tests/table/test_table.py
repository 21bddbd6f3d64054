"""Table: construction forms, type inference and checks, limits, canonical file, round trip."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mediatypes import _json, _registry, schemas
from mediatypes.core.media import Media, Payload
from mediatypes.core.store import MemoryStore
from mediatypes.errors import (
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    NonFiniteError,
    ShapeError,
)
from mediatypes.table import Table


def read_doc(manifest: dict[str, Any], root: Path) -> dict[str, Any]:
    return _json.loads((root / manifest["path"]).read_bytes())  # type: ignore[no-any-return]


class Blob(Media):
    """A minimal media type for media-cell tests (the real ones live in other modules)."""

    _type = "test-blob"  # cell manifests are not schema-checked; only the table manifest is

    def __init__(self, data: bytes) -> None:
        self.data = data

    def _encode(self) -> tuple[Payload | None, dict[str, Any]]:
        return Payload(ext="bin", data=self.data), {"caption": None}


def test_seed_forms_default_columns_and_add_data() -> None:
    t = Table()
    assert t.columns == ["Input", "Output", "Expected"]
    t = Table(columns=["Text", "Predicted Label", "True Label"])
    t.add_data("I love my phone", "1", "1")
    t.add_data("My phone sucks", "0", "-1")
    assert t.data == [["I love my phone", "1", "1"], ["My phone sucks", "0", "-1"]]
    data = [["I love my phone", "1", "1"], ["My phone sucks", "0", "-1"]]
    assert Table(data=data, columns=["Text", "Predicted Label", "True Label"]).data == data
    assert Table(data=data).columns == ["Input", "Output", "Expected"]


def test_numpy_2d_and_column_access() -> None:
    arr = np.arange(12, dtype=np.float32).reshape(4, 3)
    t = Table(columns=["a", "b", "c"], data=arr)
    assert t.column_types == {"a": "number", "b": "number", "c": "number"}
    np.testing.assert_array_equal(t.get_column("b", convert_to="numpy"), arr[:, 1])
    assert t.get_column("c") == [2.0, 5.0, 8.0, 11.0]
    t.add_column("d", ["w", "x", "y", "z"])
    assert t.columns == ["a", "b", "c", "d"]
    assert [row for _, row in t.iterrows()][1] == [3.0, 4.0, 5.0, "x"]
    assert [i for i, _ in t.iterrows()] == [0, 1, 2, 3]
    df = t.get_dataframe()
    assert list(df.columns) == ["a", "b", "c", "d"] and df["d"].tolist() == ["w", "x", "y", "z"]


def test_inferred_types_cover_every_kind() -> None:
    when = dt.datetime(2024, 5, 1, 12, 30)
    t = Table(
        columns=["n", "s", "b", "t", "l", "a", "z"],
        data=[
            [1, "x", True, when, [1, 2], np.zeros((2, 2)), None],
            [2.5, "y", False, np.datetime64("2024-05-02"), (3,), np.ones((2, 2)), None],
            [None, None, None, None, None, None, None],
        ],
    )
    assert t.column_types == {
        "n": "number",
        "s": "string",
        "b": "boolean",
        "t": "timestamp",
        "l": "list",
        "a": "ndarray",
        "z": "none",
    }
    assert t.get_column("t")[1] == dt.datetime(2024, 5, 2)
    assert t.get_column("l")[1] == [3]


def test_numpy_scalars_become_python_values() -> None:
    t = Table(
        columns=["a", "b"], data=[[np.int64(3), np.bool_(True)], [np.float32(0.5), np.bool_(False)]]
    )
    assert t.column_types == {"a": "number", "b": "boolean"}
    assert t.get_column("a") == [3, 0.5] and type(t.get_column("a")[0]) is int


def test_conflicting_row_names_column_and_both_types() -> None:
    with pytest.raises(
        InvalidTypeError, match=r"column 'score' holds number values, but row 2 has a string"
    ):
        Table(columns=["score"], data=[[1], [2.0], ["high"]])
    t = Table(columns=["a", "b"], data=[[1, "x"]])
    with pytest.raises(
        InvalidTypeError, match=r"column 'b' holds string values, but row 1 has a boolean"
    ):
        t.add_data(2, True)
    assert t.nrows == 1 and t.data == [[1, "x"]]  # the failed row left nothing behind
    t.add_data(None, None)
    t.add_data(3, "z")
    assert t.get_column("a") == [1, None, 3]


def test_bool_is_not_a_number() -> None:
    with pytest.raises(InvalidTypeError, match="holds number values, but row 1 has a boolean"):
        Table(columns=["a"], data=[[1], [True]])


def test_unsupported_cell() -> None:
    with pytest.raises(InvalidTypeError, match=r"column 'a' row 0 holds dict"):
        Table(columns=["a"], data=[[{"k": 1}]])


def test_row_arity_mismatch() -> None:
    with pytest.raises(ShapeError, match=r"row 1 has 2 values but the table has 3 columns"):
        Table(columns=["a", "b", "c"], data=[[1, 2, 3], [1, 2]])
    with pytest.raises(ShapeError, match=r"default columns .* pass columns="):
        Table(data=[[1, 2]])
    t = Table(columns=["a", "b"])
    with pytest.raises(ShapeError, match=r"add_data: expects 2 values .* got 3"):
        t.add_data(1, 2, 3)
    with pytest.raises(InvalidTypeError, match="row 0 is str"):
        Table(columns=["a"], data=["abc"])


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInputError, match="unique"):
        Table(columns=["a", "a"])
    with pytest.raises(InvalidTypeError, match="`columns` expects str names"):
        Table(columns=[1, 2])
    with pytest.raises(InvalidTypeError, match="`data` expects a list of rows"):
        Table(columns=["a"], data=42)
    with pytest.raises(InvalidTypeError, match="pandas or polars DataFrame"):
        Table(dataframe=[[1, 2]])
    t = Table(columns=["a"], data=[[1], [2]])
    with pytest.raises(InvalidInputError, match=r"unknown column 'b'; the table has \['a'\]"):
        t.get_column("b")
    with pytest.raises(ShapeError, match="has 3 values; the table has 2 rows"):
        t.add_column("b", [1, 2, 3])


def test_max_rows_is_class_level_and_never_truncates(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Table.MAX_ROWS == 10_000
    rows = [[i] for i in range(10_001)]
    with pytest.raises(
        LimitExceededError, match=r"Table.MAX_ROWS \(10000\).*Table.MAX_ROWS = 10001"
    ):
        Table(columns=["i"], data=rows)
    t = Table(columns=["i"], data=rows[:10_000])
    with pytest.raises(LimitExceededError, match=r"Table\.MAX_ROWS"):
        t.add_data(1)
    assert t.nrows == 10_000
    with pytest.raises(LimitExceededError, match=r"Table\.MAX_ROWS"):
        Table(dataframe=pd.DataFrame({"i": range(10_001)}))
    monkeypatch.setattr(Table, "MAX_ROWS", 20_000)
    assert Table(columns=["i"], data=rows).nrows == 10_001


@pytest.mark.parametrize(
    ("value", "match"),
    [
        # the reference docs print `wandb.Table.MAX_ROWS = {DESIRED_MAX}`: as code, a set
        (
            {20_000},
            r"positive int; got set of length 1\. Drop the braces: `Table.MAX_ROWS = 20000`",
        ),
        ("20000", r"positive int; got str"),
        (0, r"positive int; got int"),
        (True, r"positive int; got bool"),
    ],
)
def test_a_bad_max_rows_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, value: Any, match: str
) -> None:
    import charts

    monkeypatch.setattr(Table, "MAX_ROWS", value)
    with pytest.raises(InvalidTypeError, match=r"Table: `Table.MAX_ROWS` expects a " + match):
        Table(columns=["i"], data=[[1]])
    with pytest.raises(InvalidTypeError, match=r"`Table.MAX_ROWS`"):
        charts.pr_curve([0, 1, 1], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])


def test_pandas_dataframe_columnwise_with_missing_values() -> None:
    df = pd.DataFrame(
        {
            "i": np.arange(4, dtype=np.int64),
            "f": [0.5, np.nan, 1.5, np.inf],
            "s": ["a", None, "c", "d"],
            "b": [True, False, True, False],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02", None, "2024-01-04"]),
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
        }
    )
    t = Table(dataframe=df)
    assert t.columns == ["i", "f", "s", "b", "t", "n"]
    assert t.column_types == {
        "i": "number",
        "f": "number",
        "s": "string",
        "b": "boolean",
        "t": "timestamp",
        "n": "number",
    }
    assert t.get_column("s") == ["a", None, "c", "d"]
    assert t.get_column("t")[2] is None and t.get_column("t")[3] == dt.datetime(2024, 1, 4)
    assert t.get_column("n") == [1, None, 3, 4]
    assert math.isnan(t.get_column("f")[1]) and t.get_column("f")[3] == math.inf
    assert _registry.adapt(df).columns == t.columns


def test_polars_dataframe() -> None:
    df = pl.DataFrame(
        {"i": [1, 2, 3], "f": [0.5, None, 2.0], "s": ["x", "y", None], "b": [True, False, True]}
    )
    t = Table(dataframe=df)
    assert t.column_types == {"i": "number", "f": "number", "s": "string", "b": "boolean"}
    assert t.get_column("f") == [0.5, None, 2.0]
    assert _registry.adapt(df).data == t.data


def test_canonical_file_and_manifest(tmp_path: Path) -> None:
    t = Table(columns=["x", "label", "ok"], data=[[1, "a", True], [2.5, "b", False]])
    m = t.save(tmp_path, name="tbl")
    schemas.validate(m)
    assert m["path"].endswith(".table.json")
    assert (m["nrows"], m["ncols"], m["columns"]) == (2, 3, ["x", "label", "ok"])
    assert m["column_types"] == {"x": "number", "label": "string", "ok": "boolean"}
    doc = read_doc(m, tmp_path)
    assert doc == {
        "columns": ["x", "label", "ok"],
        "column_types": {"x": "number", "label": "string", "ok": "boolean"},
        "data": [[1, "a", True], [2.5, "b", False]],
        "ncols": 3,
        "nrows": 2,
    }
    back = Table.from_manifest(m, tmp_path)
    assert back.data == t.data and back.column_types == t.column_types


def test_nonfinite_numbers_are_null_with_indices_and_round_trip(tmp_path: Path) -> None:
    t = Table(
        columns=["v", "w"],
        data=[[1.0, 1], [math.nan, None], [math.inf, 2], [-math.inf, 3], [None, 4]],
    )
    m = t.save(tmp_path)
    assert m["nonfinite"] == {"v": {"nan": 1, "inf": 1, "-inf": 1}}
    doc = read_doc(m, tmp_path)
    assert [r[0] for r in doc["data"]] == [1.0, None, None, None, None]
    assert doc["nonfinite"] == {"v": {"nan": [1], "inf": [2], "-inf": [3]}}
    back = Table.from_manifest(m, tmp_path).get_column("v")
    assert back[0] == 1.0 and math.isnan(back[1]) and back[2:] == [math.inf, -math.inf, None]


def test_nonfinite_inside_array_or_list_cells_is_refused() -> None:
    with pytest.raises(NonFiniteError):
        Table(columns=["a"], data=[[np.array([1.0, np.nan])]])
    with pytest.raises(NonFiniteError):
        Table(columns=["a"], data=[[[1.0, math.inf]]])


def test_timestamps_ndarrays_lists_round_trip(tmp_path: Path) -> None:
    when = dt.datetime(2024, 5, 1, 12, 30, 15, 250)
    t = Table(columns=["t", "a", "l"], data=[[when, np.arange(6).reshape(2, 3), [1, [2, "x"]]]])
    m = t.save(tmp_path)
    doc = read_doc(m, tmp_path)
    assert doc["data"][0] == ["2024-05-01T12:30:15.000250", [[0, 1, 2], [3, 4, 5]], [1, [2, "x"]]]
    back = Table.from_manifest(m, tmp_path)
    assert back.get_column("t") == [when]
    np.testing.assert_array_equal(back.get_column("a")[0], np.arange(6).reshape(2, 3))


def test_media_cells_are_written_through_the_store(tmp_path: Path) -> None:
    t = Table(columns=["id", "blob"], data=[[1, Blob(b"first")], [2, None], [3, Blob(b"third")]])
    assert t.column_types["blob"] == "media"
    m = t.save(tmp_path, name="with_media")
    assert m["media_cells"] == 2
    cells = [r[1] for r in read_doc(m, tmp_path)["data"]]
    assert cells[1] is None
    assert (tmp_path / cells[0]["path"]).read_bytes() == b"first"
    assert (tmp_path / cells[2]["path"]).read_bytes() == b"third"


def test_media_cell_failure_leaves_nothing(assert_nothing_written: Path) -> None:
    class Broken(Blob):
        def _encode(self) -> tuple[Payload | None, dict[str, Any]]:
            raise RuntimeError("encoder failed")

    t = Table(columns=["blob"], data=[[Blob(b"ok")], [Broken(b"")]])
    with pytest.raises(RuntimeError, match="encoder failed"):
        t.save(assert_nothing_written)


def test_bad_input_writes_nothing(assert_nothing_written: Path) -> None:
    with pytest.raises(InvalidTypeError):
        Table(columns=["a"], data=[[1], ["x"]]).save(assert_nothing_written)


def test_deterministic_bytes_via_memory_store() -> None:
    def make() -> Table:
        return Table(dataframe=pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))

    s1, s2 = MemoryStore(), MemoryStore()
    assert make().to_manifest(s1, "k") == make().to_manifest(s2, "k")
    assert s1.files == s2.files


def test_rows_and_dataframe_give_the_same_file() -> None:
    rows = [[1, 0.5, "a", 2.0, True], [2, 1.5, "b", 3.0, False]]
    cols = ["i", "f", "s", "g", "b"]
    s1, s2 = MemoryStore(), MemoryStore()
    m1 = Table(columns=cols, data=rows).to_manifest(s1, "t")
    m2 = Table(dataframe=pd.DataFrame(rows, columns=cols)).to_manifest(s2, "t")
    assert m1 == m2 and s1.files == s2.files


def test_chart_and_table_are_loggable() -> None:
    from mediatypes.core.media import Loggable

    assert isinstance(Table(), Loggable)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b) and type(a) is type(b)


try:
    from hypothesis import given
    from hypothesis import strategies as st

    cell_numbers = st.one_of(
        st.none(), st.integers(-(2**53), 2**53), st.floats(allow_nan=True, allow_infinity=True)
    )
    table_rows = st.lists(
        st.tuples(cell_numbers, st.one_of(st.none(), st.text(max_size=8)), st.booleans()),
        max_size=30,
    )

    @given(rows=table_rows)
    def test_round_trip_is_lossless(rows: list[tuple[Any, Any, Any]]) -> None:
        import tempfile

        t = Table(columns=["n", "s", "b"], data=[list(r) for r in rows])
        with tempfile.TemporaryDirectory() as tmp:
            back = Table.from_manifest(t.save(tmp), tmp)
        assert back.nrows == len(rows)
        for got, want in zip(back.data, t.data, strict=True):
            assert all(_same(g, w) for g, w in zip(got, want, strict=True)), (got, want)
except ImportError:  # pragma: no cover
    pass


def test_object_array_data_is_taken_as_rows() -> None:
    t = Table(columns=["a", "b"], data=np.array([[1, "x"], [2, "y"]], dtype=object))
    assert t.data == [[1, "x"], [2, "y"]] and t.column_types == {"a": "number", "b": "string"}
    with pytest.raises(ShapeError, match="2-D array"):
        Table(columns=["a"], data=np.zeros(3))
