"""Heatmap preset: a matrix of values over named x and y labels, optionally with the values as text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mediatypes.errors import (
    InvalidInputError,
    InvalidTypeError,
    NonFiniteError,
    ShapeError,
    describe,
)
from mediatypes.table import Table

from .chart import Chart
from .custom import make_chart

__all__ = ["HeatMap", "heatmap"]


def _labels(value: Any, param: str) -> list[str]:
    # a 0-d numpy array has __len__ but cannot be iterated
    if (
        isinstance(value, (str, bytes))
        or not hasattr(value, "__len__")
        or getattr(value, "ndim", 1) == 0
    ):
        raise InvalidTypeError(
            f"charts.heatmap: `{param}` expects a list of labels; got {describe(value)}."
        )
    names = [str(v) for v in value]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"charts.heatmap: `{param}` must be unique; got {names}.")
    return names


def heatmap(
    x_labels: Sequence[Any],
    y_labels: Sequence[Any],
    matrix_values: Any,
    show_text: bool = False,
    title: str | None = None,
) -> Chart:
    """A heatmap: ``matrix_values[j][i]`` is the cell at ``x_labels[i]``, ``y_labels[j]``.

    Rows are y labels (top to bottom), columns are x labels (left to right): shape
    ``(len(y_labels), len(x_labels))``, as numpy/matplotlib ``imshow`` and the reference SDK.
    A square matrix cannot be checked for orientation; pass ``matrix.T`` if yours has x rows.

    >>> charts.heatmap(["a", "b", "c"], ["u", "v"], np.arange(6).reshape(2, 3), show_text=True)  # doctest: +SKIP
    """
    import numpy as np

    xs = _labels(x_labels, "x_labels")
    ys = _labels(y_labels, "y_labels")
    if hasattr(matrix_values, "detach"):
        matrix_values = matrix_values.detach().cpu().numpy()
    try:
        m = np.asarray(matrix_values)
    except ValueError as exc:
        raise ShapeError(
            f"charts.heatmap: `matrix_values` is not a rectangular array: {exc}"
        ) from exc
    if m.dtype.kind not in "iufb":
        raise InvalidTypeError(
            f"charts.heatmap: `matrix_values` expects numbers; got {describe(m)}."
        )
    expected = (len(ys), len(xs))
    if m.shape != expected:
        hint = (
            " That is the transpose (rows = x labels): pass `matrix_values.T`."
            if m.shape == expected[::-1]
            else ""
        )
        raise ShapeError(
            f"charts.heatmap: `matrix_values` expects shape (len(y_labels), len(x_labels)) = "
            f"{expected} (rows are y labels, columns are x labels); got {describe(m)}.{hint}"
        )
    if m.dtype.kind == "f" and not np.isfinite(m).all():
        raise NonFiniteError(
            "charts.heatmap: `matrix_values` holds NaN/Inf; values must be finite."
        )
    # row-major: the first row lists every x in order, so Vega-Lite's data-order axes (sort: null)
    # show x_labels left to right and y_labels top to bottom, like imshow
    table = Table(columns=[])
    table.add_column("x", xs * len(ys))
    table.add_column("y", [y for y in ys for _ in xs])
    table.add_column("value", m.astype(np.float64 if m.dtype.kind == "f" else np.int64).ravel())
    preset = "heatmap_text" if show_text else "heatmap"
    fields = {"x": "x", "y": "y", "value": "value"}
    return make_chart(preset, table, fields, {"title": title}, owner="charts.heatmap")


def HeatMap(
    x_labels: Sequence[Any], y_labels: Sequence[Any], matrix_values: Any, show_text: bool = False
) -> Chart:
    """Older form ``plots.HeatMap(x_labels, y_labels, matrix_values, show_text=False)``; same
    orientation as ``heatmap`` (rows are y labels)."""
    return heatmap(x_labels, y_labels, matrix_values, show_text=show_text)
