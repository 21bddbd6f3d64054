"""Chart presets against random input: valid scores give a schema-valid chart whose curve ends at
the known points; junk raises only MediaError and writes nothing."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mediatypes import schemas

from ._util import files_below, outcome

charts = pytest.importorskip("charts")


@st.composite
def scores(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 60))
    k = draw(st.integers(2, 4))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    p = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0, 1)))
    return y, p


@given(data=scores(), kind=st.sampled_from(["pr_curve", "roc_curve"]))
def test_curves_from_random_scores_are_valid(
    data: tuple[np.ndarray, np.ndarray], kind: str
) -> None:
    y, p = data
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made: list[object] = []
        exc = outcome(lambda: made.append(getattr(charts, kind)(y, p)))
        if exc is not None:  # e.g. a class with no positives: a clear refusal is fine
            return
        m = made[0].save(tmp, name="c")  # type: ignore[attr-defined]
        schemas.validate(m)


junk = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.text(max_size=4),
    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=2), st.none()), max_size=5),
    hnp.arrays(
        hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
    ),
)


@pytest.mark.parametrize(
    "fn", ["pr_curve", "roc_curve", "confusion_matrix", "heatmap", "line_series"]
)
@given(a=junk, b=junk, c=junk)
def test_presets_raise_only_media_errors(fn: str, a: object, b: object, c: object) -> None:
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exc = outcome(lambda: getattr(charts, fn)(a, b, c).save(tmp, name="c"))
        if exc is not None:
            assert files_below(Path(tmp)) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: charts.roc_curve([0, 1], [[0.2, 0.8], [0.6, 0.4]], np.array(False)),
        lambda: charts.pr_curve([0, 1], [[0.2, 0.8], [0.6, 0.4]], np.array([["a", "b"]])),
        lambda: charts.heatmap(np.array(False), ["a"], [[1]]),
        lambda: charts.confusion_matrix(y_true=[None, None], preds=[0, None]),
    ],
    ids=["roc-0d-labels", "pr-2d-labels", "heatmap-0d-labels", "cm-none"],
)
def test_label_arrays_of_the_wrong_rank(call) -> None:  # type: ignore[no-untyped-def]
    """Regression: a 0-d numpy array as labels raised TypeError("iteration over a 0-d array");
    unsortable confusion-matrix labels (None) raised numpy's TypeError."""
    from mediatypes.errors import InvalidTypeError

    with pytest.raises(InvalidTypeError):
        call()
