"""Basic presets: line, scatter, bar, histogram (from a Table) and line_series (from lists).

``line_series`` broadcasting rules:

* ``ys`` is a list of series (a list of lists or a 2-D array); a flat list of numbers is one series;
* ``xs`` is either one sequence shared by every series (each series must have ``len(xs)`` points)
  or one sequence per series (as many as there are series, each as long as its series);
* ``keys`` names the series (default ``key_0``, ``key_1``, …) and must have one name per series.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mediatypes.errors import InvalidInputError, InvalidTypeError, ShapeError, describe
from mediatypes.table import Table

from .chart import Chart
from .custom import make_chart

__all__ = ["bar", "histogram", "line", "line_series", "scatter"]


def line(table: Table, x: str, y: str, stroke: str | None = None, title: str = "") -> Chart:
    """Points ``(x, y)`` joined in x order; one line per value of ``stroke`` when given.

    >>> charts.line(mt.Table(columns=["x", "y"], data=[[0, 1], [1, 3]]), "x", "y")  # doctest: +SKIP
    """
    if stroke is None:
        return make_chart("line", table, {"x": x, "y": y}, {"title": title}, owner="charts.line")
    fields = {"x": x, "y": y, "stroke": stroke}
    return make_chart("line_stroke", table, fields, {"title": title}, owner="charts.line")


def scatter(table: Table, x: str, y: str, title: str = "") -> Chart:
    """A point per row at ``(x, y)``."""
    return make_chart("scatter", table, {"x": x, "y": y}, {"title": title}, owner="charts.scatter")


def bar(table: Table, label: str, value: str, title: str = "") -> Chart:
    """One horizontal bar per row: ``label`` on the y axis, ``value`` as its length."""
    fields = {"label": label, "value": value}
    return make_chart("bar", table, fields, {"title": title}, owner="charts.bar")


def histogram(table: Table, value: str, title: str = "") -> Chart:
    """The distribution of column ``value`` in up to 64 bins (binned by Vega-Lite when rendered)."""
    return make_chart(
        "histogram", table, {"value": value}, {"title": title}, owner="charts.histogram"
    )


def _numbers(value: Any, param: str) -> list[Any]:
    import numpy as np

    from mediatypes.core.arrays import untensor

    arr = untensor(value)  # torch tensor -> numpy
    if isinstance(arr, np.ndarray):
        if arr.ndim != 1:
            raise ShapeError(
                f"charts.line_series: `{param}` expects 1-D values; got {describe(arr)}."
            )
        return arr.tolist()
    if isinstance(arr, Sequence) and not isinstance(arr, (str, bytes)):
        if any(t.__module__.startswith("torch") for t in set(map(type, arr))):
            return [untensor(v) for v in arr]  # 0-d tensors -> numbers
        return list(arr)
    raise InvalidTypeError(
        f"charts.line_series: `{param}` expects a list or 1-D array of numbers; got {describe(value)}."
    )


def _is_nested(value: Any) -> bool:
    import numpy as np

    from mediatypes.core.arrays import untensor

    value = untensor(value)
    if isinstance(value, np.ndarray):
        return value.ndim == 2
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) > 0:
        first = untensor(value[0])
        return isinstance(first, np.ndarray) or (
            isinstance(first, Sequence) and not isinstance(first, (str, bytes))
        )
    return False


def line_series(
    xs: Any, ys: Any, keys: Sequence[str] | None = None, title: str = "", xname: str = "x"
) -> Chart:
    """Several lines on shared axes (see the module docstring for how ``xs`` broadcasts).

    >>> charts.line_series([0, 1, 2], [[1, 2, 3], [3, 2, 1]], keys=["a", "b"])  # doctest: +SKIP
    """
    owner = "charts.line_series"
    series = (
        [_numbers(y, f"ys[{i}]") for i, y in enumerate(ys)]
        if _is_nested(ys)
        else [_numbers(ys, "ys")]
    )
    if not series:
        raise ShapeError(f"{owner}: `ys` expects at least one series; got an empty list.")
    if _is_nested(xs):
        xlists = [_numbers(x, f"xs[{i}]") for i, x in enumerate(xs)]
        if len(xlists) != len(series):
            raise ShapeError(
                f"{owner}: `xs` holds {len(xlists)} sequences but `ys` holds {len(series)} series; "
                "pass one xs per series, or a single xs shared by all."
            )
    else:
        shared = _numbers(xs, "xs")
        xlists = [shared] * len(series)
    for i, (x, y) in enumerate(zip(xlists, series, strict=False)):
        if len(x) != len(y):
            raise ShapeError(
                f"{owner}: series {i} has {len(y)} y values but its xs has {len(x)}; "
                "each point needs an x and a y."
            )
    if keys is None:
        names = [f"key_{i}" for i in range(len(series))]
    else:
        if isinstance(keys, str) or not isinstance(keys, Sequence):
            raise InvalidTypeError(f"{owner}: `keys` expects a list of str; got {describe(keys)}.")
        names = [str(k) for k in keys]
        if len(names) != len(series):
            raise ShapeError(
                f"{owner}: `keys` has {len(names)} names but `ys` holds {len(series)} series."
            )
        if len(set(names)) != len(names):
            raise InvalidInputError(f"{owner}: `keys` must be unique; got {names}.")
    steps: list[Any] = []
    vals: list[Any] = []
    line_keys: list[str] = []
    for name, x, y in zip(names, xlists, series, strict=False):
        steps.extend(x)
        vals.extend(y)
        line_keys.extend([name] * len(y))
    table = Table(columns=[])
    table.add_column("step", steps)
    table.add_column("lineKey", line_keys)
    table.add_column("lineVal", vals)
    fields = {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"}
    return make_chart("line_series", table, fields, {"title": title, "xname": xname}, owner=owner)
