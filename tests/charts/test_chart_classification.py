"""PR / ROC curves equal scikit-learn's; confusion matrices equal a counted one; bad input errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics

import charts
from mediatypes.errors import InvalidInputError, InvalidTypeError, NonFiniteError, ShapeError
from mediatypes.table import Table


def problem(n: int = 400, k: int = 4, seed: int = 0, ties: bool = False) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + np.eye(k)[y]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if ties:
        p = np.round(p, 1)  # many equal scores: thresholds must group them like scikit-learn
    return y, p


def curve(chart: Any, name: str, x: str, y: str) -> tuple[Any, Any, Any]:
    t = chart.table
    rows = [r for _, r in t.iterrows() if r[0] == name]
    cols = t.columns
    xs = np.array([r[cols.index(x)] for r in rows], dtype=float)
    ys = np.array([r[cols.index(y)] for r in rows], dtype=float)
    th = np.array(
        [np.nan if r[cols.index("threshold")] is None else r[cols.index("threshold")] for r in rows]
    )
    return xs, ys, th


@pytest.mark.parametrize("ties", [False, True])
def test_roc_points_equal_scikit_learn(ties: bool) -> None:
    y, p = problem(ties=ties)
    chart = charts.roc_curve(y, p, labels=["a", "b", "c", "d"])
    for c, name in enumerate("abcd"):
        fpr, tpr, thr = metrics.roc_curve(y == c, p[:, c])
        ours = curve(chart, name, "fpr", "tpr")
        np.testing.assert_array_equal(ours[0], fpr)
        np.testing.assert_array_equal(ours[1], tpr)
        np.testing.assert_array_equal(ours[2], thr)


@pytest.mark.parametrize("ties", [False, True])
def test_pr_points_equal_scikit_learn(ties: bool) -> None:
    y, p = problem(ties=ties, seed=3)
    chart = charts.pr_curve(y, p)
    for c in range(4):
        precision, recall, thr = metrics.precision_recall_curve(y == c, p[:, c])
        rec, prec, th = curve(chart, str(c), "recall", "precision")
        np.testing.assert_array_equal(prec, precision)
        np.testing.assert_array_equal(rec, recall)
        np.testing.assert_array_equal(th[:-1], thr)
        assert np.isnan(th[-1])  # the (recall 0, precision 1) end point has no threshold


def test_binary_scores_and_class_selection() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = np.clip(y * 0.3 + rng.random(300) * 0.7, 0, 1)
    chart = charts.roc_curve(y, s)
    fpr, tpr, _ = metrics.roc_curve(y, s)
    assert chart.table.get_column("class") == ["1"] * len(fpr)
    np.testing.assert_array_equal(chart.table.get_column("tpr", convert_to="numpy"), tpr)
    y4, p4 = problem()
    chart = charts.pr_curve(y4, p4, labels=["a", "b", "c", "d"], classes_to_plot=["b", 3])
    assert list(dict.fromkeys(chart.table.get_column("class"))) == ["b", "d"]


def test_string_labels_are_mapped_through_labels() -> None:
    y, p = problem(k=3)
    names = np.array(["cat", "dog", "bird"])
    a = charts.roc_curve(names[y], p, labels=list(names))
    b = charts.roc_curve(y, p, labels=list(names))
    assert a.table.data == b.table.data


def test_large_input_is_downsampled_deterministically_and_recorded() -> None:
    y, p = problem(n=20_000, k=3, seed=5)
    chart = charts.roc_curve(y, p, max_points=200)
    meta = chart.meta["downsampling"]
    assert meta["max_points"] == 200 and "linspace" in meta["method"]
    fpr, tpr, _ = metrics.roc_curve(y == 0, p[:, 0])
    assert meta["points"]["0"] == [len(fpr), 200]
    ours = curve(chart, "0", "fpr", "tpr")
    keep = np.unique(np.round(np.linspace(0, len(fpr) - 1, 200)).astype(int))
    np.testing.assert_array_equal(ours[0], fpr[keep])
    np.testing.assert_array_equal(ours[1], tpr[keep])
    assert (ours[0][0], ours[1][0], ours[0][-1], ours[1][-1]) == (0.0, 0.0, 1.0, 1.0)
    assert chart.spec["usermeta"]["mediatypes"]["downsampling"] == meta
    assert charts.roc_curve(y, p, max_points=200).to_json() == chart.to_json()


def test_default_cap_respects_table_max_rows() -> None:
    y, p = problem(n=30_000, k=12, seed=2)
    chart = charts.pr_curve(y, p)
    assert chart.table.nrows <= Table.MAX_ROWS
    assert chart.meta["downsampling"]["max_points"] == Table.MAX_ROWS // 12


def test_class_without_positives_is_skipped_with_a_warning() -> None:
    y, p = problem(k=3)
    y = np.where(y == 2, 0, y)
    with pytest.warns(UserWarning, match=r"classes \['2'\] have no positive"):
        chart = charts.pr_curve(y, p)
    assert chart.meta["skipped_classes"] == ["2"]
    assert "2" not in chart.table.get_column("class")


@pytest.mark.parametrize("fn", [charts.pr_curve, charts.roc_curve])
def test_curve_bad_inputs(fn: Any) -> None:
    y, p = problem(k=3)
    with pytest.raises(ShapeError, match="one label per row"):
        fn(y[:-1], p)
    with pytest.raises(ShapeError, match=r"expects shape \(n_samples, n_classes\)"):
        fn(y, p[:, :, None])
    bad = p.copy()
    bad[3, 1] = np.nan
    with pytest.raises(NonFiniteError, match="NaN/Inf"):
        fn(y, bad)
    with pytest.raises(InvalidInputError, match=r"labels \[3\] outside"):
        fn(np.r_[y[:-1], 3], p)
    with pytest.raises(ShapeError, match="has 2 names but there are 3 classes"):
        fn(y, p, labels=["a", "b"])
    with pytest.raises(InvalidInputError, match="classes_to_plot"):
        fn(y, p, classes_to_plot=["zebra"])
    with pytest.raises(InvalidTypeError, match="non-integer labels"):
        fn(np.array(["a"] * len(y)), p)
    with pytest.raises(InvalidInputError, match=r"labels \['zebra'\] outside the class names"):
        fn(np.array(["zebra"] * len(y)), p, labels=["a", "b", "c"])


def counted(t: Any, q: Any, n: int) -> Any:
    m = np.zeros((n, n), dtype=int)
    for a, b in zip(t, q, strict=False):
        m[a, b] += 1
    return m


def matrix(chart: Any, names: list[str]) -> Any:
    m = np.zeros((len(names), len(names)), dtype=int)
    for _, (a, b, count) in chart.table.iterrows():
        m[names.index(a), names.index(b)] = count
    return m


def test_confusion_matrix_from_predictions_with_class_names() -> None:
    rng = np.random.default_rng(4)
    t, q = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    names = ["cat", "dog", "bird"]
    chart = charts.confusion_matrix(y_true=t, preds=q, class_names=names)
    np.testing.assert_array_equal(matrix(chart, names), counted(t, q, 3))
    assert chart.table.nrows == 9


def test_confusion_matrix_from_probabilities_without_names() -> None:
    y, p = problem(k=4, seed=9)
    chart = charts.confusion_matrix(probs=p, y_true=y)
    np.testing.assert_array_equal(matrix(chart, ["0", "1", "2", "3"]), counted(y, p.argmax(1), 4))
    named = charts.confusion_matrix(probs=p, y_true=y, class_names=["a", "b", "c", "d"])
    np.testing.assert_array_equal(matrix(named, ["a", "b", "c", "d"]), counted(y, p.argmax(1), 4))


def test_confusion_matrix_without_names_uses_the_labels_seen() -> None:
    chart = charts.confusion_matrix(y_true=[5, 7, 7, 9], preds=[5, 7, 9, 9])
    names = ["5", "7", "9"]
    assert matrix(chart, names).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    old = charts.plot_confusion_matrix([5, 7, 7, 9], [5, 7, 9, 9])
    assert old.table.data == chart.table.data
    # the reference docs call y_pred "predicted probabilities": (n, n_classes) scores are argmaxed
    scores = np.eye(3)[[0, 1, 2, 2]] * 0.8 + 0.05
    by_scores = charts.plot_confusion_matrix([0, 1, 1, 2], scores, labels=["a", "b", "c"])
    assert matrix(by_scores, ["a", "b", "c"]).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_confusion_matrix_bad_inputs() -> None:
    y, p = problem(k=3)
    with pytest.raises(InvalidInputError, match=r"exactly one of `probs`.*got both"):
        charts.confusion_matrix(probs=p, y_true=y, preds=y)
    with pytest.raises(InvalidInputError, match="got neither"):
        charts.confusion_matrix(y_true=y)
    with pytest.raises(ShapeError, match="has 400 labels but `preds` has 399"):
        charts.confusion_matrix(y_true=y, preds=y[:-1])
    with pytest.raises(InvalidInputError, match=r"labels \[3\] outside the class names"):
        charts.confusion_matrix(y_true=np.r_[y, 3], preds=np.r_[y, 0], class_names=["a", "b", "c"])
    with pytest.raises(ShapeError, match="`probs` has 3 columns but `class_names` has 2"):
        charts.confusion_matrix(probs=p, y_true=y, class_names=["a", "b"])
    with pytest.raises(
        ShapeError, match=r"`probs` expects numbers of shape \(n_samples, n_classes\)"
    ):
        charts.confusion_matrix(probs=p[:, 0], y_true=y)
    bad = p.copy()
    bad[0, 0] = np.inf
    with pytest.raises(NonFiniteError):
        charts.confusion_matrix(probs=bad, y_true=y)


def test_older_call_forms_are_aliases() -> None:
    y, p = problem(k=3)
    assert (
        charts.ROC(y, p, ["a", "b", "c"]).to_json()
        == charts.roc_curve(y, p, labels=["a", "b", "c"]).to_json()
    )
    assert charts.precision_recall(y, p).to_json() == charts.pr_curve(y, p).to_json()
