"""plot_table / register_preset placeholders, basic presets' arguments and line_series broadcasting."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import charts
from charts import custom
from mediatypes import _json
from mediatypes.errors import (
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    MediaFileNotFoundError,
    ShapeError,
)
from mediatypes.table import Table

TEMPLATE = {
    "title": "${string:title:Heights}",
    "mark": "line",
    "encoding": {
        "x": {"field": "${field:x}", "type": "quantitative", "title": "${string:xlabel}"},
        "y": {"field": "${field:value}", "type": "quantitative"},
    },
}


@pytest.fixture
def table() -> Table:
    return Table(columns=["step", "height", "who"], data=[[i, i * 1.5, "a"] for i in range(5)])


@pytest.fixture(autouse=True)
def _clean_registry() -> Any:
    saved = dict(custom._registered)
    yield
    custom._registered.clear()
    custom._registered.update(saved)


def test_plot_table_with_a_builtin_preset(table: Table) -> None:
    chart = charts.plot_table("line", table, {"x": "step", "y": "height"}, {"title": "T"})
    assert chart.spec["encoding"]["x"]["field"] == "step"
    assert chart.spec["title"] == "T"
    assert chart.spec["data"]["values"][2] == {"step": 2, "height": 3.0}
    same = charts.line(table, "step", "height", title="T")
    assert same.to_json() == chart.to_json()


def test_plot_table_with_a_dict_and_reference_keywords(table: Table) -> None:
    chart = charts.plot_table(
        vega_spec_name=TEMPLATE,
        data_table=table,
        fields={"x": "step", "value": "height"},
        string_fields={"xlabel": "step"},
    )
    spec = chart.spec
    assert spec["title"] == "Heights"  # the default after the colon
    assert spec["encoding"]["x"]["title"] == "step"
    assert chart.preset is None
    assert "${" not in _json.dumps(spec).decode()


def test_register_preset_from_dict_and_file(table: Table, tmp_path: Path) -> None:
    charts.register_preset("me/heights", TEMPLATE)
    chart = charts.plot_table(
        "me/heights", table, {"x": "step", "value": "height"}, {"xlabel": "s"}
    )
    assert chart.preset == "me/heights" and "me/heights" in charts.preset_names()
    path = tmp_path / "p.json"
    path.write_bytes(_json.dumps(TEMPLATE))
    charts.register_preset("me/from_file", path)
    again = charts.plot_table(
        "me/from_file", table, {"x": "step", "value": "height"}, {"xlabel": "s"}
    )
    assert again.spec["encoding"] == chart.spec["encoding"]
    m = again.save(tmp_path / "out")
    assert m["preset"] == "me/from_file" and m["string_fields"] == {"xlabel": "s"}


def test_register_preset_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="built-in preset"):
        charts.register_preset("line", TEMPLATE)
    with pytest.raises(MediaFileNotFoundError):
        charts.register_preset("x", tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        charts.register_preset("x", tmp_path / "bad.json")
    with pytest.raises(InvalidTypeError, match="expects a Vega-Lite spec"):
        charts.register_preset("x", [1, 2])  # type: ignore[arg-type]


def test_placeholder_errors(table: Table) -> None:
    with pytest.raises(InvalidInputError, match="unknown preset 'nope'"):
        charts.plot_table("nope", table, {})
    with pytest.raises(InvalidInputError, match=r"`fields` lacks \['y'\]"):
        charts.plot_table("line", table, {"x": "step"})
    with pytest.raises(InvalidInputError, match=r"unknown field\(s\) \['z'\]"):
        charts.plot_table("line", table, {"x": "step", "y": "height", "z": "who"})
    with pytest.raises(InvalidInputError, match=r"maps to unknown column 'heigth'; the table has"):
        charts.plot_table("line", table, {"x": "step", "y": "heigth"})
    with pytest.raises(InvalidInputError, match=r"unknown string field\(s\) \['subtitle'\]"):
        charts.plot_table("line", table, {"x": "step", "y": "height"}, {"subtitle": "s"})
    with pytest.raises(InvalidInputError, match=r"`string_fields` lacks \['xlabel'\]"):
        charts.plot_table(TEMPLATE, table, {"x": "step", "value": "height"})


@pytest.mark.parametrize(
    "call",
    [
        lambda t: charts.line(t, "step", "nope"),
        lambda t: charts.scatter(t, "nope", "height"),
        lambda t: charts.bar(t, "nope", "height"),
        lambda t: charts.histogram(t, "nope"),
        lambda t: charts.line(t, "step", "height", stroke="nope"),
    ],
)
def test_unknown_columns(call: Any, table: Table) -> None:
    with pytest.raises(InvalidInputError, match="unknown column 'nope'"):
        call(table)


@pytest.mark.parametrize(
    "call",
    [
        lambda: charts.line([[1, 2]], "x", "y"),
        lambda: charts.scatter({"x": [1]}, "x", "y"),
        lambda: charts.bar(None, "x", "y"),
        lambda: charts.histogram(np.zeros(3), "x"),
        lambda: charts.plot_table("line", [[1, 2]], {"x": "x", "y": "y"}),
    ],
)
def test_non_table_argument(call: Any) -> None:
    with pytest.raises(InvalidTypeError, match=r"expects a mediatypes\.Table"):
        call()


def series(chart: Any) -> dict[str, list[tuple[Any, Any]]]:
    out: dict[str, list[tuple[Any, Any]]] = {}
    for _, (x, key, y) in chart.table.iterrows():
        out.setdefault(key, []).append((x, y))
    return out


def test_line_series_shared_xs() -> None:
    chart = charts.line_series([0, 1, 2], [[10, 20, 30], [1, 2, 3]], keys=["a", "b"], xname="epoch")
    assert series(chart) == {"a": [(0, 10), (1, 20), (2, 30)], "b": [(0, 1), (1, 2), (2, 3)]}
    assert chart.spec["encoding"]["x"]["title"] == "epoch"


def test_line_series_xs_per_series_of_different_lengths() -> None:
    chart = charts.line_series([[0, 1], [5, 6, 7]], [[1, 2], [3, 4, 5]])
    assert series(chart) == {"key_0": [(0, 1), (1, 2)], "key_1": [(5, 3), (6, 4), (7, 5)]}


def test_line_series_arrays_and_single_series() -> None:
    ys = np.arange(6).reshape(2, 3)
    chart = charts.line_series(np.array([1.0, 2.0, 3.0]), ys)
    assert series(chart)["key_1"] == [(1.0, 3), (2.0, 4), (3.0, 5)]
    one = charts.line_series([0, 1], [5, 6], keys=["only"])
    assert series(one) == {"only": [(0, 5), (1, 6)]}


def test_line_series_bad_inputs() -> None:
    with pytest.raises(ShapeError, match="series 1 has 2 y values but its xs has 3"):
        charts.line_series([0, 1, 2], [[1, 2, 3], [1, 2]])
    with pytest.raises(ShapeError, match="`xs` holds 3 sequences but `ys` holds 2 series"):
        charts.line_series([[0], [1], [2]], [[1], [2]])
    with pytest.raises(ShapeError, match="`keys` has 1 names but `ys` holds 2 series"):
        charts.line_series([0], [[1], [2]], keys=["a"])
    with pytest.raises(InvalidInputError, match="unique"):
        charts.line_series([0], [[1], [2]], keys=["a", "a"])
    with pytest.raises(InvalidTypeError, match="`xs` expects a list"):
        charts.line_series(5, [[1]])
    with pytest.raises(LimitExceededError, match=r"Table\.MAX_ROWS"):
        charts.line_series(list(range(6000)), [list(range(6000))] * 2)


def test_heatmap_rows_are_y_labels_every_cell() -> None:
    """A 3×2 matrix over 2 x labels and 3 y labels: ``m[j][i]`` is the cell (x_i, y_j), as in
    the reference SDK and numpy/matplotlib ``imshow``."""
    xs, ys = ["a", "b"], ["u", "v", "w"]
    m = np.array([[11, 12], [13, 14], [15, 16]])
    chart = charts.heatmap(xs, ys, m)
    cells = [(c["x"], c["y"], c["value"]) for c in chart.spec["data"]["values"]]
    expected = [(xs[i], ys[j], int(m[j][i])) for j in range(3) for i in range(2)]
    assert cells == expected
    assert len(set((x, y) for x, y, _ in cells)) == 6  # every cell exactly once
    assert [r for _, r in chart.table.iterrows()] == [list(c) for c in expected]
    # the older form and nested lists follow the same orientation
    assert charts.HeatMap(xs, ys, m).to_json() == chart.to_json()
    assert charts.heatmap(xs, ys, m.tolist()).to_json() == chart.to_json()
    # a square matrix cannot be checked for orientation: its rows are taken as y labels too
    square = charts.heatmap(["a", "b"], ["u", "v"], [[1, 2], [3, 4]]).spec["data"]["values"]
    assert {(c["x"], c["y"]): c["value"] for c in square}[("a", "v")] == 3


def test_heatmap_renders_rows_top_to_bottom_and_columns_left_to_right() -> None:
    m = np.array([[11, 12], [13, 14], [15, 16]])
    svg = charts.heatmap(["a", "b"], ["u", "v", "w"], m, show_text=True).to_svg()
    pos = {
        int(v): (float(x), float(y))
        for v, x, y in re.findall(
            r'aria-label="x: \w; y: \w; value: (\d+)"[^>]*transform="translate\(([\d.]+),([\d.]+)\)"',
            svg,
        )
    }
    assert sorted(pos) == [11, 12, 13, 14, 15, 16]
    for j in range(3):
        for i in range(2):
            x, y = pos[int(m[j][i])]
            if i:  # column i is right of column i - 1, in the same row
                assert x > pos[int(m[j][i - 1])][0] and y == pos[int(m[j][i - 1])][1]
            if j:  # row j is below row j - 1, in the same column
                assert y > pos[int(m[j - 1][i])][1] and x == pos[int(m[j - 1][i])][0]


def test_heatmap_transposed_or_wrong_shapes() -> None:
    m = np.arange(6).reshape(3, 2)  # rows = x labels: the transpose of what is expected
    with pytest.raises(ShapeError) as err:
        charts.heatmap(["a", "b", "c"], ["u", "v"], m)
    msg = str(err.value)
    assert "expects shape (len(y_labels), len(x_labels)) = (2, 3)" in msg
    assert "got numpy.ndarray of shape (3, 2)" in msg and "`matrix_values.T`" in msg
    assert charts.heatmap(["a", "b", "c"], ["u", "v"], m.T).table.get_column("value") == list(
        m.T.ravel()
    )
    with pytest.raises(ShapeError, match=r"= \(2, 3\) \(rows are y labels") as err:
        charts.HeatMap(["a", "b", "c"], ["u", "v"], np.zeros((2, 2)))
    assert ".T" not in str(err.value)  # not the transpose: no misleading hint
    with pytest.raises(InvalidInputError, match="unique"):
        charts.heatmap(["a", "a"], ["u", "v", "w"], m)
