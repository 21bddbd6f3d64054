from __future__ import annotations

import numpy as np
import pytest

from mediatypes import Histogram, schemas
from mediatypes.errors import (
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    MediaError,
    NonFiniteError,
)


def _manifest(h: Histogram) -> dict:
    m = h.to_manifest(store=None, key="h")  # type: ignore[arg-type]  # inline: no store needed
    schemas.validate(m)
    return m


@pytest.mark.parametrize("n", [1, 7, 64, 255, 256, 512])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.uint8])
def test_small_inputs_equal_numpy_exactly(n: int, dtype: type) -> None:
    x = (np.random.default_rng(n).standard_normal(5000) * 50).astype(dtype)
    h = Histogram(x, num_bins=n)
    values, edges = np.histogram(x, bins=n)
    assert h.values.tolist() == values.tolist()
    m = _manifest(h)
    assert m["bins"] == [float(e) for e in edges]
    assert m["count"] == 5000 and sum(m["values"]) == 5000
    assert m["min"] == float(x.min()) and m["max"] == float(x.max())


@pytest.mark.parametrize("n", [64, 300])
def test_large_fast_path_matches_numpy_up_to_edge_ulps(n: int) -> None:
    x = np.random.default_rng(1).standard_normal(3_000_000).astype(np.float32)
    h = Histogram(x, num_bins=n)
    values, edges = np.histogram(x, bins=n)
    assert np.array_equal(h.bins, edges)
    assert h.values.sum() == values.sum() == x.size
    # only values within one ULP of an inner edge may move to the neighbouring bin
    assert np.abs(h.values - values).sum() <= 2 * 20
    # integer-valued data never sits ambiguously near an edge: identical counts
    y = np.random.default_rng(2).integers(0, 640, 3_000_000).astype(np.float32)
    assert Histogram(y, num_bins=64).values.tolist() == np.histogram(y, bins=64)[0].tolist()


def test_nonfinite_counted_not_binned() -> None:
    x = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, np.nan, 3.0])
    m = _manifest(Histogram(x, num_bins=4))
    assert m["nonfinite"] == {"nan": 2, "posinf": 1, "neginf": 1}
    assert m["count"] == 3 and sum(m["values"]) == 3
    assert m["min"] == 1.0 and m["max"] == 3.0


def test_all_nonfinite_and_empty_do_not_crash() -> None:
    m = _manifest(Histogram([np.nan, np.nan]))
    assert m["count"] == 0 and m["min"] is None and m["nonfinite"]["nan"] == 2
    assert _manifest(Histogram([]))["count"] == 0


def test_constant_and_list_and_bool_inputs() -> None:
    m = _manifest(Histogram([5.0] * 10, num_bins=3))
    assert m["values"] == np.histogram([5.0] * 10, bins=3)[0].tolist()
    assert _manifest(Histogram([True, False, True], num_bins=2))["values"] == [1, 2]


def test_np_histogram_input_and_round_trip(tmp_path) -> None:
    data = np.random.default_rng(3).random(1000)
    values, edges = np.histogram(data, bins=10)
    h = Histogram(np_histogram=(values, edges))
    m = h.save(tmp_path)
    assert m["values"] == values.tolist() and m["bins"] == edges.tolist()
    assert m["source"] == "np_histogram" and m["count"] == 1000
    assert [p.name for p in tmp_path.iterdir()] == ["histogram.manifest.json"]
    back = Histogram.from_manifest(m, tmp_path)
    assert back.values.tolist() == values.tolist()
    dens, e2 = np.histogram(data, bins=5, density=True)
    md = _manifest(Histogram(np_histogram=(dens, e2)))
    assert "count" not in md and md["values"] == pytest.approx(dens.tolist())


def test_torch_tensor_matches_numpy() -> None:
    torch = pytest.importorskip("torch")
    t = torch.randn(4000, requires_grad=True)
    h = Histogram(t, num_bins=16)
    assert h.values.tolist() == np.histogram(t.detach().numpy(), bins=16)[0].tolist()


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({}, InvalidInputError, "exactly one"),
        ({"sequence": [1], "np_histogram": ([1], [0, 1])}, InvalidInputError, "both"),
        ({"sequence": [1, 2], "num_bins": 513}, LimitExceededError, "num_bins"),
        ({"sequence": [1, 2], "num_bins": 0}, InvalidInputError, "num_bins"),
        ({"sequence": [1, 2], "num_bins": 2.5}, InvalidTypeError, "num_bins"),
        ({"sequence": [1, 2], "num_bins": True}, InvalidTypeError, "num_bins"),
        ({"sequence": "abc"}, InvalidTypeError, "sequence"),
        ({"sequence": {"a": 1}}, InvalidTypeError, "sequence"),
        ({"sequence": ["a", "b"]}, InvalidTypeError, "sequence"),
        ({"sequence": [1 + 2j]}, InvalidTypeError, "sequence"),
        ({"sequence": [[1, 2], [3]]}, InvalidTypeError, "sequence"),
        ({"np_histogram": [1, 2, 3]}, InvalidTypeError, "np_histogram"),
        ({"np_histogram": ([1, 2], [0, 1])}, InvalidInputError, "len(edges)"),
        ({"np_histogram": ([1, 2], [0, 2, 1])}, InvalidInputError, "increasing"),
        ({"np_histogram": ([1, np.nan], [0, 1, 2])}, NonFiniteError, "finite"),
        ({"np_histogram": ([-1, 2], [0, 1, 2])}, InvalidInputError, ">= 0"),
        ({"np_histogram": (np.ones(513), np.arange(514))}, LimitExceededError, "512"),
        ({"np_histogram": (["a"], [0, 1])}, InvalidTypeError, "np_histogram"),
    ],
)
def test_bad_inputs(kwargs: dict, error: type, needle: str, assert_nothing_written) -> None:
    with pytest.raises(error, match=None) as info:
        Histogram(**kwargs).save(assert_nothing_written)
    assert isinstance(info.value, MediaError)
    assert needle in str(info.value)
