"""Classification presets: pr_curve, roc_curve, confusion_matrix, computed in vectorised numpy.

The curves follow scikit-learn's definitions exactly (one-vs-rest per class): the scores of every
plotted class are sorted in one ``argsort`` call, true/false positive counts are cumulative sums
taken at each distinct threshold. ``roc_curve`` drops collinear intermediate points and starts at
``(0, 0)`` with threshold ``inf`` (scikit-learn's ``drop_intermediate=True``); ``pr_curve`` keeps
every threshold and ends at ``(recall 0, precision 1)`` (``drop_intermediate=False``).

Downsampling: a curve with more than ``max_points`` points keeps the points at indices
``round(linspace(0, m - 1, max_points))`` along the curve (first and last point always kept). The
default ``max_points`` is ``min(1000, Table.MAX_ROWS // number_of_curves)``. When it applies, the
method and the point counts before/after are recorded in ``spec.usermeta.mediatypes`` and in the
chart manifest's ``meta``. Classes whose curve is undefined (no positive sample; for ROC also no
negative sample) are left out with a warning and listed under ``skipped_classes``.
"""

from __future__ import annotations

import warnings
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

__all__ = [
    "ROC",
    "confusion_matrix",
    "plot_confusion_matrix",
    "pr_curve",
    "precision_recall",
    "roc_curve",
]

MAX_POINTS = 1000
DOWNSAMPLING = "uniform-index: points at round(linspace(0, m-1, max_points)) along each curve"


def _array(value: Any, param: str, owner: str) -> Any:
    import numpy as np

    if value is None:
        raise InvalidInputError(f"{owner}: `{param}` is required.")
    from mediatypes.core.arrays import is_tensor, tensor_to_numpy

    if is_tensor(value):
        value = tensor_to_numpy(value, param, owner)
    if isinstance(value, (str, bytes, dict, set)):
        raise InvalidTypeError(
            f"{owner}: `{param}` expects an array or list; got {describe(value)}."
        )
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ShapeError(f"{owner}: `{param}` is not a rectangular array: {exc}") from exc


def _names(labels: Any, k: int, param: str, owner: str) -> list[str]:
    if labels is None:
        return [str(i) for i in range(k)]
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        import numpy as np

        if not isinstance(labels, np.ndarray) or labels.ndim != 1:
            raise InvalidTypeError(
                f"{owner}: `{param}` expects a list of names; got {describe(labels)}."
            )
    names = [str(n) for n in labels]
    if len(names) != k:
        raise ShapeError(f"{owner}: `{param}` has {len(names)} names but there are {k} classes.")
    if len(set(names)) != len(names):
        raise InvalidInputError(f"{owner}: `{param}` must be unique; got {names}.")
    return names


def _class_ids(y: Any, names: list[str] | None, k: int, param: str, owner: str) -> Any:
    """Labels as int class ids in [0, k): ints are ids; strings are looked up in ``names``."""
    import numpy as np

    if y.ndim != 1:
        raise ShapeError(f"{owner}: `{param}` expects a 1-D array of labels; got {describe(y)}.")
    if y.dtype.kind in "US" or y.dtype == object:
        if names is None:
            raise InvalidTypeError(
                f"{owner}: `{param}` holds non-integer labels; pass class ids 0..{k - 1} or give "
                "the class names (`labels` / `class_names`) to map them."
            )
        lookup = {n: i for i, n in enumerate(names)}
        unknown = sorted({str(v) for v in y.tolist()} - set(lookup))
        if unknown:
            raise InvalidInputError(
                f"{owner}: `{param}` has labels {unknown[:5]} outside the class names {names}."
            )
        return np.array([lookup[str(v)] for v in y.tolist()], dtype=np.int64)
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or (y != np.round(y)).any():
            raise InvalidTypeError(
                f"{owner}: `{param}` expects integer class ids; got non-integer floats."
            )
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise InvalidTypeError(
            f"{owner}: `{param}` expects integer class ids; got dtype {y.dtype}."
        )
    if y.size and (int(y.min()) < 0 or int(y.max()) >= k):
        bad = sorted({int(v) for v in y[(y < 0) | (y >= k)][:5].tolist()})
        where = f"the class names {names}" if names is not None else f"the {k} classes 0..{k - 1}"
        raise InvalidInputError(f"{owner}: `{param}` has labels {bad} outside {where}.")
    return y.astype(np.int64, copy=False)


def _inputs(
    y_true: Any, y_probas: Any, labels: Any, owner: str
) -> tuple[Any, Any, list[str], bool]:
    import numpy as np

    y = _array(y_true, "y_true", owner)
    p = _array(y_probas, "y_probas", owner)
    if p.dtype.kind not in "iufb":
        raise InvalidTypeError(f"{owner}: `y_probas` expects numbers; got dtype {p.dtype}.")
    p = p.astype(np.float64, copy=False)
    binary = p.ndim == 1
    if binary:
        p = np.stack([1.0 - p, p], axis=1)  # a 1-D score is the positive class's (class 1)
    if p.ndim != 2 or p.shape[1] < 1:
        raise ShapeError(
            f"{owner}: `y_probas` expects shape (n_samples, n_classes) or (n_samples,); got {describe(y_probas)}."
        )
    if y.ndim != 1 or y.shape[0] != p.shape[0]:
        raise ShapeError(
            f"{owner}: `y_true` has {describe(y)} but `y_probas` has {p.shape[0]} rows; "
            "they need one label per row of scores."
        )
    if not np.isfinite(p).all():
        bad = int(np.count_nonzero(~np.isfinite(p)))
        raise NonFiniteError(
            f"{owner}: `y_probas` holds {bad} NaN/Inf score(s); scores must be finite."
        )
    k = p.shape[1]
    names = _names(labels, k, "labels", owner)
    ids = _class_ids(y, names if labels is not None else None, k, "y_true", owner)
    return ids, p, names, binary


def _selected(classes_to_plot: Any, names: list[str], binary: bool, owner: str) -> list[int]:
    if classes_to_plot is None:
        return [1] if binary else list(range(len(names)))
    items = [classes_to_plot] if isinstance(classes_to_plot, (str, int)) else list(classes_to_plot)
    out: list[int] = []
    for c in items:
        if isinstance(c, str) and c in names:
            out.append(names.index(c))
        elif isinstance(c, int) and not isinstance(c, bool) and 0 <= c < len(names):
            out.append(c)
        elif hasattr(c, "item") and isinstance(c.item(), int) and 0 <= c.item() < len(names):
            out.append(int(c.item()))
        else:
            raise InvalidInputError(
                f"{owner}: `classes_to_plot` has {c!r}, which is neither a class id 0..{len(names) - 1} "
                f"nor one of the names {names}."
            )
    return list(dict.fromkeys(out))


def _binary_curves(ids: Any, p: Any, classes: list[int]) -> list[tuple[Any, Any, Any]]:
    """Per class: (false positives, true positives, thresholds) at each distinct score, descending."""
    import numpy as np

    scores = np.ascontiguousarray(p[:, classes].T)  # (m, n)
    order = np.argsort(scores, axis=1)[:, ::-1]  # descending; tie order does not change the curve
    s = np.take_along_axis(scores, order, axis=1)
    hits = ids[order] == np.asarray(classes)[:, None]
    tps_all = np.cumsum(hits, axis=1)
    distinct = np.diff(s, axis=1) != 0
    n = scores.shape[1]
    out = []
    for r in range(len(classes)):
        idx = np.append(np.flatnonzero(distinct[r]), n - 1)
        tps = tps_all[r, idx]
        out.append((idx + 1 - tps, tps, s[r, idx]))
    return out


def roc_points(fps: Any, tps: Any, thresholds: Any) -> tuple[Any, Any, Any]:
    """(fpr, tpr, thresholds) as scikit-learn's ``roc_curve(..., drop_intermediate=True)``."""
    import numpy as np

    if len(fps) > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2) != 0, np.diff(tps, 2) != 0), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps = np.r_[0, fps]
    tps = np.r_[0, tps]
    thresholds = np.r_[np.inf, thresholds]
    return fps / fps[-1], tps / tps[-1], thresholds


def pr_points(fps: Any, tps: Any, thresholds: Any) -> tuple[Any, Any, Any]:
    """(precision, recall, thresholds) as scikit-learn's ``precision_recall_curve``."""
    import numpy as np

    predicted = tps + fps
    precision = np.zeros(len(tps), dtype=np.float64)
    np.divide(tps, predicted, out=precision, where=predicted != 0)
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def _downsample(m: int, cap: int) -> Any:
    import numpy as np

    return np.unique(np.round(np.linspace(0, m - 1, cap)).astype(np.int64))


def _curve_chart(
    kind: str,
    y_true: Any,
    y_probas: Any,
    labels: Any,
    classes_to_plot: Any,
    title: str | None,
    max_points: int | None,
    owner: str,
) -> Chart:
    import numpy as np

    ids, p, names, binary = _inputs(y_true, y_probas, labels, owner)
    classes = _selected(classes_to_plot, names, binary, owner)
    positives = np.bincount(ids, minlength=len(names))
    skipped = [
        c for c in classes if positives[c] == 0 or (kind == "roc" and positives[c] == len(ids))
    ]
    if skipped:
        why = "no positive sample" if kind == "pr" else "no positive or no negative sample"
        warnings.warn(
            f"{owner}: classes {[names[c] for c in skipped]} have {why}; their curve is undefined "
            "and left out (listed in the chart's meta as skipped_classes).",
            stacklevel=3,
        )
        classes = [c for c in classes if c not in skipped]
    if not classes:
        raise InvalidInputError(f"{owner}: no class has a defined curve (see the warning above).")
    cap = (
        max_points
        if max_points is not None
        else max(2, min(MAX_POINTS, Table.max_rows() // len(classes)))
    )
    if cap < 2:
        raise InvalidInputError(f"{owner}: `max_points` expects at least 2; got {cap}.")
    cols: dict[str, list[Any]] = {"class": [], "point": [], "x": [], "y": [], "threshold": []}
    counts: dict[str, list[int]] = {}
    for c, (fps, tps, thr) in zip(classes, _binary_curves(ids, p, classes), strict=False):
        if kind == "roc":
            x, y, t = roc_points(fps, tps, thr)
        else:
            y, x, t = pr_points(fps, tps, thr)
            t = np.r_[t, np.nan]  # the final (recall 0, precision 1) point has no threshold
        m = len(x)
        if m > cap:
            keep = _downsample(m, cap)
            x, y, t = x[keep], y[keep], t[keep]
            counts[names[c]] = [m, len(keep)]
        tl = t.tolist()
        if kind == "pr":
            tl[-1] = None  # the last point is always kept
        cols["class"].extend([names[c]] * len(x))
        cols["point"].extend(range(len(x)))
        cols["x"].extend(x.tolist())
        cols["y"].extend(y.tolist())
        cols["threshold"].extend(tl)
    xname, yname = ("fpr", "tpr") if kind == "roc" else ("recall", "precision")
    table = Table(columns=[])
    for name, values in (
        ("class", cols["class"]),
        ("point", cols["point"]),
        (xname, cols["x"]),
        (yname, cols["y"]),
        ("threshold", cols["threshold"]),
    ):
        table.add_column(name, values)
    meta: dict[str, Any] = {}
    if counts:
        meta["downsampling"] = {"method": DOWNSAMPLING, "max_points": cap, "points": counts}
    if skipped:
        meta["skipped_classes"] = [names[c] for c in skipped]
    fields = {"x": xname, "y": yname, "class": "class", "order": "point"}
    preset = "roc_curve" if kind == "roc" else "pr_curve"
    return make_chart(preset, table, fields, {"title": title}, owner=owner, meta=meta or None)


def pr_curve(
    y_true: Any,
    y_probas: Any,
    labels: Sequence[str] | None = None,
    classes_to_plot: Any = None,
    title: str | None = None,
    *,
    max_points: int | None = None,
) -> Chart:
    """Precision-recall curves, one per class (one-vs-rest).

    ``y_true``: class ids (or names, with ``labels``); ``y_probas``: scores of shape
    ``(n_samples, n_classes)``, or ``(n_samples,)`` for the positive class of a binary problem.

    >>> charts.pr_curve([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], labels=["cat", "dog"])  # doctest: +SKIP
    """
    return _curve_chart(
        "pr", y_true, y_probas, labels, classes_to_plot, title, max_points, "charts.pr_curve"
    )


def roc_curve(
    y_true: Any,
    y_probas: Any,
    labels: Sequence[str] | None = None,
    classes_to_plot: Any = None,
    title: str | None = None,
    *,
    max_points: int | None = None,
) -> Chart:
    """ROC curves, one per class (one-vs-rest); arguments as ``pr_curve``."""
    return _curve_chart(
        "roc", y_true, y_probas, labels, classes_to_plot, title, max_points, "charts.roc_curve"
    )


def confusion_matrix(
    probs: Any = None,
    y_true: Any = None,
    preds: Any = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Chart:
    """A confusion matrix from ``y_true`` and either ``preds`` (class ids) or ``probs`` (argmax).

    Without ``class_names`` the classes are the sorted labels seen in ``y_true`` and ``preds``
    (or ``0..k-1`` for ``probs`` of k columns).

    >>> charts.confusion_matrix(y_true=[0, 1, 1], preds=[0, 1, 0], class_names=["a", "b"])  # doctest: +SKIP
    """
    import numpy as np

    owner = "charts.confusion_matrix"
    if (probs is None) == (preds is None):
        raise InvalidInputError(
            f"{owner}: pass exactly one of `probs` (scores, shape (n, n_classes)) or `preds` "
            f"(predicted class ids); got {'both' if probs is not None else 'neither'}."
        )
    y = _array(y_true, "y_true", owner)
    if y.ndim != 1:
        raise ShapeError(f"{owner}: `y_true` expects a 1-D array of labels; got {describe(y)}.")
    if probs is not None:
        p = _array(probs, "probs", owner)
        if p.ndim != 2 or p.dtype.kind not in "iufb":
            raise ShapeError(
                f"{owner}: `probs` expects numbers of shape (n_samples, n_classes); got {describe(p)}."
            )
        if not np.isfinite(p.astype(np.float64)).all():
            raise NonFiniteError(f"{owner}: `probs` holds NaN/Inf; scores must be finite.")
        k = p.shape[1]
        if class_names is not None and len(class_names) != k:
            raise ShapeError(
                f"{owner}: `probs` has {k} columns but `class_names` has {len(class_names)} names."
            )
        pred_ids = np.argmax(p, axis=1)
        pred_src = "probs"
    else:
        pr = _array(preds, "preds", owner)
        if pr.ndim != 1:
            raise ShapeError(
                f"{owner}: `preds` expects a 1-D array of class ids; got {describe(pr)}."
            )
        pred_ids = pr
        pred_src = "preds"
        k = 0
    if len(pred_ids) != len(y):
        raise ShapeError(
            f"{owner}: `y_true` has {len(y)} labels but `{pred_src}` has {len(pred_ids)} predictions."
        )
    if class_names is not None:
        names = _names(class_names, len(class_names), "class_names", owner)
        t = _class_ids(y, names, len(names), "y_true", owner)
        q = _class_ids(np.asarray(pred_ids), names, len(names), "preds", owner)
    elif probs is not None:
        names = [str(i) for i in range(k)]
        t = _class_ids(y, None, k, "y_true", owner)
        q = pred_ids.astype(np.int64)
    else:
        try:
            seen = np.unique(np.concatenate([y, pred_ids])) if len(y) else np.array([])
        except TypeError as exc:  # None or a mix of numbers and strings cannot be sorted
            raise InvalidTypeError(
                f"{owner}: `y_true` and `preds` expect labels of one sortable kind (all numbers or "
                f"all strings); got {exc}."
            ) from exc
        names = [str(v) for v in seen.tolist()]
        t = np.searchsorted(seen, y)
        q = np.searchsorted(seen, pred_ids)
    n = len(names)
    if n == 0:
        raise InvalidInputError(f"{owner}: no labels given (`y_true` is empty).")
    counts = np.bincount(t * n + q, minlength=n * n).reshape(n, n)
    table = Table(columns=[])
    table.add_column("Actual", [a for a in names for _ in names])
    table.add_column("Predicted", names * n)
    table.add_column("nPredictions", counts.ravel())
    fields = {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"}
    return make_chart("confusion_matrix", table, fields, {"title": title}, owner=owner)


# ---------------------------------------------------------------------- older call forms
def ROC(
    y_true: Any, y_probas: Any, labels: Sequence[str] | None = None, classes_to_plot: Any = None
) -> Chart:
    """Older form ``plots.ROC(y_true, y_probas, labels)``; same as ``roc_curve``."""
    return roc_curve(y_true, y_probas, labels=labels, classes_to_plot=classes_to_plot)


def precision_recall(
    y_true: Any, y_probas: Any, labels: Sequence[str] | None = None, classes_to_plot: Any = None
) -> Chart:
    """Older form ``plots.precision_recall(y_true, y_probas, labels)``; same as ``pr_curve``."""
    return pr_curve(y_true, y_probas, labels=labels, classes_to_plot=classes_to_plot)


def plot_confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[str] | None = None) -> Chart:
    """Older form ``sklearn.plot_confusion_matrix(y_true, y_pred, labels)``: ``y_pred`` holds the
    predicted class ids, or (as the reference docs describe it) scores of shape (n, n_classes)."""
    pred = _array(y_pred, "y_pred", "charts.plot_confusion_matrix")
    if pred.ndim == 2:
        return confusion_matrix(y_true=y_true, probs=pred, class_names=labels)
    return confusion_matrix(y_true=y_true, preds=pred, class_names=labels)
