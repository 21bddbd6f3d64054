"""Histogram property tests: any real-valued input gives numpy's counts exactly, a schema-valid
manifest and a lossless round trip; any bad input raises only a MediaError and writes nothing."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mediatypes import Histogram, _json, schemas
from mediatypes.errors import InvalidTypeError, LimitExceededError

from ._util import files_below, outcome

real_dtypes = st.one_of(
    hnp.integer_dtypes(endianness="="),
    hnp.unsigned_integer_dtypes(endianness="="),
    hnp.floating_dtypes(endianness="="),
    hnp.boolean_dtypes(),
)
arrays = real_dtypes.flatmap(
    lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, max_side=30))
)
bins = st.integers(1, 512)


def _saved(h: Histogram) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        m = h.save(tmp, name="h")
        on_disk = _json.loads((Path(tmp) / "h.manifest.json").read_bytes())
    assert on_disk == m
    schemas.validate(m)
    return m


def _numpy_reference(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """numpy's own histogram, when it succeeds with finite, increasing edges."""
    for data in (x, x.astype(np.float64)):
        with np.errstate(all="ignore"):
            try:
                values, edges = np.histogram(data, bins=n)
            except (ValueError, IndexError):  # numpy's own failures on extreme ranges
                continue
        if np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0):
            return values, edges
    return None


@given(a=arrays, n=bins)
def test_any_real_array_is_binned_like_numpy_or_refused_clearly(a: np.ndarray, n: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning means a silently wrong edge
        made: list[Histogram] = []
        exc = outcome(lambda: made.append(Histogram(a, num_bins=n)))
    flat = a.ravel()
    finite = flat[np.isfinite(flat)] if flat.dtype.kind == "f" else flat
    if exc is not None:
        # only an honest refusal: finite values whose range no float64 bins can cover
        assert isinstance(exc, LimitExceededError), exc
        assert _numpy_reference(finite, n) is None
        return
    h = made[0]
    m = _saved(h)
    assert m["count"] == finite.size == sum(m["values"])
    if flat.dtype.kind == "f":
        assert m["nonfinite"]["nan"] == int(np.isnan(flat).sum())
        assert m["nonfinite"]["posinf"] == int((flat == np.inf).sum())
        assert m["nonfinite"]["neginf"] == int((flat == -np.inf).sum())
    if finite.size:
        assert m["min"] == float(finite.min()) and m["max"] == float(finite.max())
        assert m["bins"][0] <= m["min"] and m["bins"][-1] >= m["max"]
        ref = _numpy_reference(finite.astype(np.uint8) if finite.dtype.kind == "b" else finite, n)
        if ref is not None:  # where numpy itself can bin the data, the result is numpy's
            assert m["values"] == ref[0].tolist() and m["bins"] == ref[1].tolist()
    assert bool(np.all(np.diff(m["bins"]) > 0))
    back = Histogram.from_manifest(m, ".")
    assert back.values.tolist() == m["values"] and back.count == m["count"]


counts = hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(0, 1e300))


@given(values=counts, data=st.data())
def test_np_histogram_pairs_never_corrupt_counts(values: np.ndarray, data: st.DataObject) -> None:
    n = len(values)
    edges = np.sort(
        data.draw(hnp.arrays(np.float64, n + 1, elements=st.floats(-1e6, 1e6), unique=True))
    )
    made: list[Histogram] = []
    exc = outcome(lambda: made.append(Histogram(np_histogram=(values, edges))))
    assert exc is None, exc
    m = _saved(made[0])
    # counts are kept exactly: as integers when they are exact integers, else as the floats given
    assert [float(v) for v in m["values"]] == values.tolist()
    if "count" in m:
        assert m["count"] == int(sum(int(v) for v in values))


junk = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.lists(
        st.one_of(st.none(), st.text(max_size=2), st.lists(st.integers(), max_size=3)), max_size=4
    ),
    st.complex_numbers(),
    st.builds(object),
    hnp.arrays(hnp.complex_number_dtypes(), 3),
    hnp.arrays(st.sampled_from([np.dtype("U3"), np.dtype("M8[s]"), np.dtype("O")]), 2),
)
bad_bins = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=513),
    st.floats(),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)


@given(seq=junk, n=st.one_of(bins, bad_bins))
def test_junk_sequences_raise_only_media_errors(seq: object, n: object) -> None:
    exc = outcome(lambda: Histogram(seq, num_bins=n))  # type: ignore[arg-type]
    assume(exc is not None)  # e.g. [] with a valid n is a valid (empty) histogram


@given(pair=st.one_of(junk, st.tuples(junk, junk), st.tuples(counts, counts)))
def test_junk_np_histogram_raises_only_media_errors(pair: object) -> None:
    outcome(lambda: Histogram(np_histogram=pair))


@given(n=bad_bins)
def test_bad_num_bins_is_refused(n: object) -> None:
    assert outcome(lambda: Histogram([1, 2, 3], num_bins=n)) is not None  # type: ignore[arg-type]


junk_manifests = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(
    m=st.one_of(
        junk_manifests,
        st.fixed_dictionaries(
            {"_type": st.just("histogram")},
            optional={"values": junk_manifests, "bins": junk_manifests},
        ),
    )
)
def test_loading_junk_manifests_raises_only_media_errors(m: object) -> None:
    from mediatypes import _registry

    with tempfile.TemporaryDirectory() as tmp:
        outcome(lambda: _registry.load(m, tmp))  # type: ignore[arg-type]
        assert files_below(Path(tmp)) == []


# -- regressions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x",
    [
        np.array([-65504, 65504], np.float16),  # range overflows float16
        np.array([0, 1e-45], np.float32),  # range too small for float32 bins
        np.array([-3e38, 3e38], np.float32),
    ],
)
def test_extreme_ranges_are_binned_in_float64(x: np.ndarray) -> None:
    """Regression: these raised numpy's bare ValueError ("Too many bins for data range")."""
    m = _saved(Histogram(x, num_bins=64))
    assert m["count"] == 2 and m["values"][0] == 1 and m["values"][-1] == 1


def test_fast_path_with_an_overflowing_float32_range() -> None:
    """Regression: bins became [nan, inf, …] and every value landed in bin 0, silently."""
    x = np.concatenate([np.full(1 << 21, -3e38, np.float32), [np.float32(3e38)]])
    m = _saved(Histogram(x, num_bins=8))
    assert m["values"][0] == 1 << 21 and m["values"][-1] == 1 and sum(m["values"]) == x.size


@pytest.mark.parametrize(
    "x", [[-1e308, 1e308], [1.76074835e300, -1.79769312e308]], ids=["symmetric", "fuzz-found"]
)
def test_range_wider_than_float64_is_a_clear_error(x: list[float]) -> None:
    """Regression (found by `make fuzz`): numpy raised IndexError for the second range, 1 bin."""
    for n in (1, 64):
        with pytest.raises(LimitExceededError, match="range"):
            Histogram(np.array(x), num_bins=n)


@pytest.mark.parametrize("counts_", [[1e308, 1e308], [1e19], [2.0**63]])
def test_huge_np_histogram_counts_are_kept(counts_: list[float]) -> None:
    """Regression: counts above int64 were cast to garbage (negative) or raised OverflowError."""
    edges = np.arange(len(counts_) + 1, dtype=np.float64)
    m = _saved(Histogram(np_histogram=(np.array(counts_), edges)))
    assert m["values"] == counts_


@pytest.mark.parametrize(
    "pair",
    [
        (np.array([1 + 2j, 3]), [0, 1, 2]),
        (["1", "2"], [0, 1, 2]),
        ([1, 2], np.array(["0", "1", "2"])),
    ],
)
def test_np_histogram_refuses_complex_and_strings(pair: tuple) -> None:
    """Regression: complex counts were cast to real (imaginary part dropped with a warning) and
    numeric strings were parsed as numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidTypeError, match="real-valued"):
            Histogram(np_histogram=pair)
