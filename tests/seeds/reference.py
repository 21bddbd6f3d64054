"""The reference SDK's names mapped onto ``mediatypes`` and ``charts``, so that its documented
examples run as written with only their import changed::

    import wandb                                  # the reference
    from tests.seeds import reference as wandb    # the same code on mediatypes

Only what the seed documents' chart and Object3D examples use is mapped; the run itself is started
by the test (``mediatypes.init``), as a user's script would have done with ``wandb.init``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import charts
import mediatypes as mt

log = mt.log
Table = mt.Table
Object3D = mt.Object3D
plot_table = charts.plot_table

# ``wandb.plot.*``: the chart presets
plot = SimpleNamespace(
    bar=charts.bar,
    confusion_matrix=charts.confusion_matrix,
    histogram=charts.histogram,
    line=charts.line,
    line_series=charts.line_series,
    pr_curve=charts.pr_curve,
    roc_curve=charts.roc_curve,
    scatter=charts.scatter,
)

# ``wandb.plots.*``: the older call forms
plots = SimpleNamespace(
    HeatMap=charts.HeatMap,
    ROC=charts.ROC,
    precision_recall=charts.precision_recall,
)


def _plot_confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None) -> None:
    # the reference's sklearn plots log themselves (key "confusion_matrix") and return nothing
    mt.log({"confusion_matrix": charts.plot_confusion_matrix(y_true, y_pred, labels)})


sklearn = SimpleNamespace(plot_confusion_matrix=_plot_confusion_matrix)
