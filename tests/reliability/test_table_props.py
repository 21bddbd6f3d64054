"""Table property tests: random typed columns round-trip losslessly through ``.table.json`` (read
back with the stdlib ``json`` module and with ``Table.from_manifest``); junk raises only
MediaError; string cells are bounded by ``Table.MAX_CELL_CHARS`` before anything is encoded;
a damaged table file is a DecodeError; content is stored inert."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediatypes import _json, schemas
from mediatypes.errors import DecodeError, LimitExceededError, NonFiniteError

from ._util import files_below, outcome

table_mod = pytest.importorskip("mediatypes.table")
Table = table_mod.Table

cells = {
    "number": st.one_of(
        st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True)
    ),
    "string": st.text(max_size=20),
    "boolean": st.booleans(),
    "list": st.lists(
        st.one_of(st.integers(-1000, 1000), st.text(max_size=3), st.booleans()), max_size=4
    ),
}
columns = st.lists(st.sampled_from(sorted(cells)), min_size=1, max_size=5)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[str], list[list[object]]]:
    kinds = draw(columns)
    names = draw(
        st.lists(
            st.text(min_size=1, max_size=8), min_size=len(kinds), max_size=len(kinds), unique=True
        )
    )
    nrows = draw(st.integers(0, 12))
    rows = [[draw(st.one_of(st.none(), cells[k])) for k in kinds] for _ in range(nrows)]
    return names, kinds, rows


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and type(a) is type(b)


@given(t=tables())
def test_random_tables_roundtrip_losslessly(t: tuple) -> None:
    names, _, rows = t
    table = Table(columns=names, data=rows)
    with tempfile.TemporaryDirectory() as tmp:
        m = table.save(tmp, name="t")
        schemas.validate(m)
        doc = json.loads((Path(tmp) / m["path"]).read_bytes())  # independent decoder
        assert doc["columns"] == names and doc["nrows"] == len(rows) == m["nrows"]
        back = Table.from_manifest(m, tmp)
    assert back.columns == names
    for got_row, row in zip(back.data, rows, strict=True):
        for got, want in zip(got_row, row, strict=True):
            assert _same(got, want), (got, want)


junk = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.builds(object),
    st.complex_numbers(),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.lists(st.one_of(st.integers(), st.builds(object), st.floats(), st.none()), max_size=3),
    st.just(np.array([np.nan])),
    st.just(np.array(["a"], dtype=object)),
    st.just(2**70),
    st.just("\ud800"),
)


@given(
    cols=st.one_of(junk, st.lists(st.one_of(st.text(max_size=3), junk), max_size=4)),
    data=st.one_of(junk, st.lists(st.one_of(junk, st.lists(junk, max_size=4)), max_size=4)),
)
def test_junk_tables_raise_only_media_errors(cols: object, data: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        exc = outcome(lambda: Table(columns=cols, data=data).save(tmp))  # type: ignore[arg-type]
        if exc is not None:
            assert files_below(Path(tmp)) == []


@given(row=st.lists(junk, min_size=2, max_size=2))
def test_add_data_never_leaves_a_partial_row(row: list) -> None:
    table = Table(columns=["a", "b"], data=[[1, "x"]])
    exc = outcome(lambda: table.add_data(*row))
    lengths = {len(c) for c in table._cols}
    assert lengths == {len(table)}, f"columns of unequal length after {exc!r}"
    with tempfile.TemporaryDirectory() as tmp:
        outcome(lambda: table.save(tmp))


def test_add_data_partial_row_regression() -> None:
    """Regression: a cell refused in column 2 left column 1 one value longer than the table."""
    table = Table(columns=["a", "b"], data=[[1, np.zeros(2)]])
    with pytest.raises(NonFiniteError, match="ndarray cells must be finite"):
        table.add_data(2, np.array([np.nan]))
    assert table.get_column("a") == [1] and len(table) == 1


# -- resource bounds --------------------------------------------------------------------------


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.parametrize("how", ["rows", "add_data", "add_column", "array", "dataframe"])
def test_oversized_string_cell_is_refused_before_encoding(
    how: str, monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    """The 1 GB-string case, scaled down: the limit is patched to 1 Mi characters and the cell is
    32 MiB, so the check (not an allocation) must be what stops it."""
    monkeypatch.setattr(Table, "MAX_CELL_CHARS", 2**20)
    big = "x" * (32 * 2**20)
    import pandas as pd

    frame = pd.DataFrame({"text": [big]})  # built before measuring: holds the same str object
    obj_array = np.array([[big]], dtype=object)
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError, match="MAX_CELL_CHARS"):
            if how == "rows":
                Table(columns=["text"], data=[["ok"], [big]]).save(assert_nothing_written)
            elif how == "add_data":
                t = Table(columns=["text"])
                t.add_data("ok")
                t.add_data(big)
            elif how == "add_column":
                Table(columns=["a"], data=[[1]]).add_column("text", [big])
            elif how == "array":
                Table(columns=["text"], data=obj_array)
            else:
                Table(dataframe=frame)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # pandas 3 keeps strings in its own (Arrow) buffers: turning the column into Python strings
    # costs one copy before any check can see it; every other path allocates nothing sizeable
    bound = (32 + 8) * 2**20 if how == "dataframe" else 8 * 2**20
    assert peak < bound, f"{peak / 2**20:.0f} MiB allocated: the cell was copied or encoded"


def test_default_limit_admits_large_but_sane_strings(assert_nothing_written: Path) -> None:
    assert Table.MAX_CELL_CHARS >= 2**24
    t = Table(columns=["text"], data=[["y" * 100_000]])
    assert len(t.get_column("text")[0]) == 100_000


def test_max_rows_limit_is_early_and_names_the_override(assert_nothing_written: Path) -> None:
    with pytest.raises(LimitExceededError, match=r"Table\.MAX_ROWS"):
        Table(columns=["a"], data=[[i] for i in range(Table.MAX_ROWS + 1)])


# -- damaged documents and inert content --------------------------------------------------------


def _saved(tmp: Path) -> dict:
    t = Table(columns=["a", "b"], data=[[1.5, "x"], [float("nan"), "y"]])
    return t.save(tmp, name="t")


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("columns"),
        lambda d: d.update(column_types={}),
        lambda d: d.update(data=[[1.0]]),
        lambda d: d.update(nrows=99),
        lambda d: d.update(data="rows"),
        lambda d: d.update(nonfinite={"zz": {"nan": [0]}}),
        lambda d: d.update(nonfinite={"a": {"nan": [99]}}),
        lambda d: d.update(column_types={"a": "timestamp", "b": "string"}),
    ],
)
def test_damaged_table_document_is_a_decode_error(damage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    m = _saved(tmp_path)
    path = tmp_path / m["path"]
    doc = _json.loads(path.read_bytes())
    damage(doc)
    path.write_bytes(_json.dumps(doc))
    with pytest.raises(DecodeError):
        Table.from_manifest(m, tmp_path)


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"null", b'{"columns": 5}'])
def test_garbage_table_file_is_a_decode_error(raw: bytes, tmp_path: Path) -> None:
    m = _saved(tmp_path)
    (tmp_path / m["path"]).write_bytes(raw)
    with pytest.raises(DecodeError):
        Table.from_manifest(m, tmp_path)


def test_cells_are_stored_inert(tmp_path: Path) -> None:
    """Strings that look like code, formulas, HTML or manifests come back as the same strings."""
    hostile = [
        "__import__('os').system('touch PWNED')",
        '=HYPERLINK("http://x")',
        "<script>alert(1)</script>",
        '{"_type": "image-file", "path": "../../etc/passwd", "sha256": "'
        + "0" * 64
        + '", "size": 1}',
        "${field:x}",
    ]
    t = Table(columns=["s"], data=[[h] for h in hostile])
    m = t.save(tmp_path, name="t")
    back = Table.from_manifest(m, tmp_path)
    assert back.get_column("s") == hostile
    assert back.column_types == {"s": "string"}
    assert not list(tmp_path.rglob("PWNED"))


@pytest.mark.parametrize(
    "path",
    ["../../outside.png", "/etc/passwd", "media/link.png"],
    ids=["dotdot", "absolute", "symlink"],
)
def test_hand_edited_media_cells_never_leave_the_folder(path: str, tmp_path: Path) -> None:
    """A table document edited to hold a media cell whose manifest points outside the folder
    (directly or through a symlink) is refused when read back; the outside file is never read."""
    from mediatypes import Image
    from mediatypes.errors import MediaError

    root = tmp_path / "root"
    m = Table(columns=["img"], data=[[Image(np.zeros((2, 2), np.uint8))]]).save(root, name="t")
    doc = _json.loads((root / m["path"]).read_bytes())
    cell = doc["data"][0][0]
    outside = tmp_path / "outside.png"
    outside.write_bytes((root / cell["path"]).read_bytes())  # same bytes, same hash
    (root / "media").mkdir(exist_ok=True)
    (root / "media" / "link.png").symlink_to(outside)
    cell["path"] = path
    (root / m["path"]).write_bytes(_json.dumps(doc))
    with pytest.raises(MediaError):
        Table.from_manifest(m, root)
