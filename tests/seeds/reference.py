"""The reference SDK's names mapped onto ``mediatypes`` and ``charts``, so that its documented
examples run as written with only their import changed::

    import wandb                                  # the reference
    from tests.seeds import reference as wandb    # the same code on mediatypes

Every name the seed documents' examples use is mapped here, and nothing more. ``wandb.run`` and
``wandb.summary`` are the *current* run and its summary at the moment they are read, as in the
reference. ``init`` is ``mediatypes.init`` with the defaults a test sets in ``INIT_DEFAULTS``
(where the run folder goes, capture off); arguments the example passes win over them.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import charts
import mediatypes as mt

# where a test wants the runs that an example's own ``wandb.init(...)`` starts (``dir``, capture
# flags); set by the tests, emptied after each one
INIT_DEFAULTS: dict[str, Any] = {}


def init(*args: Any, **kwargs: Any) -> mt.Run:
    return mt.init(*args, **{**INIT_DEFAULTS, **kwargs})


log = mt.log
finish = mt.finish
define_metric = mt.define_metric
watch = mt.watch
Run = mt.Run

Audio = mt.Audio
Histogram = mt.Histogram
Html = mt.Html
Image = mt.Image
Molecule = mt.Molecule
Object3D = mt.Object3D
Table = mt.Table
Video = mt.Video
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


def __getattr__(name: str) -> Any:
    # ``wandb.run`` / ``wandb.summary``: read at each access, like ``mediatypes.run``
    if name in ("run", "summary"):
        return getattr(mt, name)
    raise AttributeError(f"the reference shim has no {name!r}")
