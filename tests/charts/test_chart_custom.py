"""plot_table / register_preset placeholders, basic presets' arguments and line_series broadcasting."""

from __future__ import annotations

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


def test_heatmap_shape_and_alias() -> None:
    m = np.arange(6).reshape(2, 3)
    chart = charts.heatmap(["a", "b"], ["u", "v", "w"], m)
    assert [r for _, r in chart.table.iterrows()][5] == ["b", "w", 5]
    assert charts.HeatMap(["a", "b"], ["u", "v", "w"], m).to_json() == chart.to_json()
    with pytest.raises(
        ShapeError, match=r"expects shape \(len\(x_labels\), len\(y_labels\)\) = \(3, 2\)"
    ):
        charts.heatmap(["a", "b", "c"], ["u", "v"], m)
    with pytest.raises(InvalidInputError, match="unique"):
        charts.heatmap(["a", "a"], ["u", "v", "w"], m)
