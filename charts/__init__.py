"""charts: Vega-Lite chart presets for mediatypes (self-contained specs that render offline).

Every name is imported lazily on first use, so ``import charts`` stays fast.

>>> import charts, mediatypes as mt
>>> table = mt.Table(columns=["x", "y"], data=[[0, 1.0], [1, 0.5]])
>>> charts.line(table, "x", "y", title="loss").save("out")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> "module:attribute"
_LAZY: dict[str, str] = {
    "Chart": "charts.chart:Chart",
    "HeatMap": "charts.heatmaps:HeatMap",
    "ROC": "charts.classification:ROC",
    "bar": "charts.basic:bar",
    "confusion_matrix": "charts.classification:confusion_matrix",
    "heatmap": "charts.heatmaps:heatmap",
    "histogram": "charts.basic:histogram",
    "line": "charts.basic:line",
    "line_series": "charts.basic:line_series",
    "plot_confusion_matrix": "charts.classification:plot_confusion_matrix",
    "plot_table": "charts.custom:plot_table",
    "pr_curve": "charts.classification:pr_curve",
    "precision_recall": "charts.classification:precision_recall",
    "preset_names": "charts.custom:preset_names",
    "register_preset": "charts.custom:register_preset",
    "roc_curve": "charts.classification:roc_curve",
    "scatter": "charts.basic:scatter",
}

# Plain sorted() order (tests/test_public_api.py), not ruff's isort-style order for ALL-CAPS names.
__all__ = [  # noqa: RUF022
    "Chart",
    "HeatMap",
    "ROC",
    "bar",
    "confusion_matrix",
    "heatmap",
    "histogram",
    "line",
    "line_series",
    "plot_confusion_matrix",
    "plot_table",
    "pr_curve",
    "precision_recall",
    "preset_names",
    "register_preset",
    "roc_curve",
    "scatter",
]

if TYPE_CHECKING:  # pragma: no cover
    from .basic import bar, histogram, line, line_series, scatter
    from .chart import Chart
    from .classification import (
        ROC,
        confusion_matrix,
        plot_confusion_matrix,
        pr_curve,
        precision_recall,
        roc_curve,
    )
    from .custom import plot_table, preset_names, register_preset
    from .heatmaps import HeatMap, heatmap


def __getattr__(name: str) -> Any:
    ref = _LAZY.get(name)
    if ref is None:
        raise AttributeError(f"module 'charts' has no attribute {name!r}")
    module, _, attr = ref.partition(":")
    loaded = importlib.import_module(module)
    value = getattr(loaded, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
