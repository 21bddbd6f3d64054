"""Histogram: counts over equal-width bins, stored inline in the manifest (no file).

Encoding (schema version 1): ``{"_type": "histogram", "values": counts, "bins": edges,
"count", "min", "max", "nonfinite": {"nan", "posinf", "neginf"}, "source"}`` with
``len(bins) == len(values) + 1``. NaN and ±Inf are never binned and never crash: they are counted
in ``nonfinite``. Binning is numpy's: ``num_bins`` equal-width bins over ``[min, max]`` of the
finite values, the last bin closed. Up to ``EXACT_LIMIT`` values the counts are exactly
``np.histogram``'s; above it a blocked, two-thread path (for W4 speed) uses numpy's float formula
for the bin index but skips its ±1-ULP edge correction, so a value within one float ULP of an inner
edge may be counted in the neighbouring bin. Totals, edges, min and max stay exact.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np

from .core.arrays import is_tensor, tensor_to_numpy
from .core.media import Encoded, Media
from .errors import (
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    NonFiniteError,
    describe,
)

__all__ = ["Histogram"]

_BLOCK = 1 << 18
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mediatypes-hist")
    return _POOL


def _count_block(
    a: np.ndarray, lo: np.floating[Any], denom: np.floating[Any], n: int
) -> np.ndarray:
    """Counts of ``a`` in ``n`` bins with numpy's index formula; PIL's C histogram does the counting."""
    from PIL import Image as PILImage

    counts = np.zeros(257 if n <= 255 else n + 1, dtype=np.int64)
    f = np.empty(min(_BLOCK, len(a)), dtype=a.dtype)
    q = np.empty(len(f), dtype=np.uint8 if n <= 255 else np.intp)
    for start in range(0, len(a), _BLOCK):
        block = a[start : start + _BLOCK]
        m = len(block)
        fb, qb = f[:m], q[:m]
        np.subtract(block, lo, out=fb)
        fb /= denom
        fb *= n
        qb[...] = fb  # truncation toward zero; fb >= 0
        if n <= 255:
            img = PILImage.frombuffer("L", (m, 1), qb, "raw", "L", 0, 1)
            counts[:256] += np.asarray(img.histogram(), dtype=np.int64)
        else:
            counts += np.bincount(qb, minlength=n + 1)[: n + 1]
    out = counts[: n + 1].copy()
    out[n - 1] += out[n]  # the maximum itself belongs to the last (closed) bin
    return out[:n]


def _fast_counts(a: np.ndarray, lo: np.floating[Any], hi: np.floating[Any], n: int) -> np.ndarray:
    denom = hi - lo
    half = len(a) // 2
    parts = [a[:half], a[half:]]
    futures = [_pool().submit(_count_block, p, lo, denom, n) for p in parts]
    return sum((f.result() for f in futures), np.zeros(n, dtype=np.int64))


def _finite_edges(edges: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0))


def _numpy_counts(a: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.histogram(a, n)``; where the data's own float type cannot hold distinct finite edges
    (a float16 range that overflows, a float32 range finer than its precision), the same in float64."""
    lo, hi = float(a.min()), float(a.max())
    if not np.isfinite(hi - lo):  # numpy would index with garbage (IndexError) past this point
        raise LimitExceededError(
            f"Histogram: the values span [{lo!r}, {hi!r}], a range wider than float64 can hold; "
            "rescale the data or pass your own binning with np_histogram=."
        )
    for data in (a, a.astype(np.float64)):
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                values, edges = np.histogram(data, bins=n)
            except ValueError:  # "Too many bins for data range"
                continue
        if _finite_edges(edges):
            return values, edges
    if lo == hi:  # numpy's ±0.5 vanishes at this magnitude: widen by a relative step instead
        with np.errstate(over="ignore", invalid="ignore"):
            edges = np.linspace(lo - abs(lo) * 2.0**-20, hi + abs(hi) * 2.0**-20, n + 1)
        if _finite_edges(edges):
            return np.histogram(a.astype(np.float64), bins=edges)[0], edges
    raise LimitExceededError(
        f"Histogram: the values span [{lo!r}, {hi!r}], a range {n} float64 bins cannot cover; "
        "rescale the data, use fewer bins, or pass your own binning with np_histogram=."
    )


class Histogram(Media):
    """A histogram of values, or of a precomputed ``np.histogram`` result.

    >>> Histogram(np.random.randn(1000), num_bins=32).values.shape  # doctest: +SKIP
    (32,)
    """

    _type: ClassVar[str] = "histogram"
    SCHEMA_VERSION: ClassVar[int] = 1
    MAX_BINS: ClassVar[int] = 512
    EXACT_LIMIT: ClassVar[int] = 1 << 20

    values: np.ndarray
    bins: np.ndarray

    def __init__(
        self,
        sequence: Any = None,
        np_histogram: Any = None,
        num_bins: int = 64,
    ) -> None:
        self.nonfinite = {"nan": 0, "posinf": 0, "neginf": 0}
        if (sequence is None) == (np_histogram is None):
            raise InvalidInputError(
                "Histogram expects exactly one of `sequence` or `np_histogram`; got "
                + ("both." if sequence is not None else "neither.")
            )
        if np_histogram is not None:
            self._from_np_histogram(np_histogram)
        else:
            self._from_sequence(sequence, self._check_bins(num_bins))

    # -- construction -------------------------------------------------------------------------
    def _check_bins(self, num_bins: Any) -> int:
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)):
            raise InvalidTypeError(
                f"Histogram: `num_bins` expects an int; got {describe(num_bins)}."
            )
        if num_bins < 1:
            raise InvalidInputError(
                f"Histogram: `num_bins` expects 1 to {self.MAX_BINS}; got {num_bins}."
            )
        if num_bins > self.MAX_BINS:
            raise LimitExceededError(
                f"Histogram: `num_bins` is at most {self.MAX_BINS}; got {num_bins}. "
                "Use fewer bins or pass your own binning with np_histogram=."
            )
        return int(num_bins)

    def _from_sequence(self, sequence: Any, n: int) -> None:
        if is_tensor(sequence):
            sequence = tensor_to_numpy(sequence, "sequence", "Histogram")
        if isinstance(sequence, (str, bytes, dict)) or sequence is None:
            raise InvalidTypeError(
                f"Histogram: `sequence` expects numbers (array, tensor, list); got {describe(sequence)}."
            )
        try:
            a = np.asarray(sequence)
        except (ValueError, TypeError) as exc:
            raise InvalidTypeError(
                f"Histogram: `sequence` expects numbers (array, tensor, list); got {describe(sequence)} ({exc})."
            ) from exc
        if a.dtype.kind == "b":
            a = a.astype(np.uint8)
        if a.dtype.kind not in "iuf":
            raise InvalidTypeError(
                f"Histogram: `sequence` expects real numbers; got values of dtype {a.dtype}."
            )
        a = a.ravel()
        if a.dtype.kind == "f" and a.size:
            lo, hi = a.min(), a.max()
            if not (np.isfinite(lo) and np.isfinite(hi)):
                nan = np.isnan(a)
                self.nonfinite = {
                    "nan": int(np.count_nonzero(nan)),
                    "posinf": int(np.count_nonzero(a == np.inf)),
                    "neginf": int(np.count_nonzero(a == -np.inf)),
                }
                a = a[np.isfinite(a)]
        self.count = int(a.size)
        if a.size == 0:
            self.values = np.zeros(n, dtype=np.int64)
            self.bins = np.linspace(0.0, 1.0, n + 1)
            self.min = self.max = None
            return
        lo, hi = a.min(), a.max()
        self.min, self.max = float(lo), float(hi)
        fast = a.size > self.EXACT_LIMIT and a.dtype in (np.float32, np.float64) and lo != hi
        if fast:
            with np.errstate(over="ignore", invalid="ignore"):
                edges = np.linspace(lo, hi, n + 1, endpoint=True, dtype=np.result_type(lo, hi, a))
            fast = _finite_edges(edges)  # else the range overflows its dtype: exact path below
        if fast:
            self.values = _fast_counts(a, lo, hi, n)
            self.bins = edges
        else:
            self.values, self.bins = _numpy_counts(a, n)
        self.source = "sequence"

    def _from_np_histogram(self, pair: Any) -> None:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidTypeError(
                "Histogram: `np_histogram` expects the (values, bin_edges) pair returned by "
                f"np.histogram; got {describe(pair)}."
            )
        try:
            values, edges = (
                np.asarray(tensor_to_numpy(p, "np_histogram", "Histogram") if is_tensor(p) else p)
                for p in (pair[0], pair[1])
            )
            if values.dtype.kind not in "biuf" or edges.dtype.kind not in "biuf":
                # complex would lose its imaginary part, strings would parse: refuse both
                raise TypeError(f"got dtypes {values.dtype} and {edges.dtype}")
            values, edges = values.astype(np.float64), edges.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidTypeError(
                f"Histogram: `np_histogram` expects two real-valued numeric sequences ({exc})."
            ) from exc
        if values.ndim != 1 or edges.ndim != 1 or len(edges) != len(values) + 1 or len(values) == 0:
            raise InvalidInputError(
                "Histogram: `np_histogram` expects 1-D values and edges with len(edges) == "
                f"len(values) + 1; got {values.shape} values and {edges.shape} edges."
            )
        if len(values) > self.MAX_BINS:
            raise LimitExceededError(
                f"Histogram: `np_histogram` has {len(values)} bins; at most {self.MAX_BINS} are supported."
            )
        if not (np.all(np.isfinite(values)) and np.all(np.isfinite(edges))):
            raise NonFiniteError(
                "Histogram: `np_histogram` expects finite values and edges; got NaN/Inf."
            )
        if np.any(values < 0):
            raise InvalidInputError("Histogram: `np_histogram` values (counts) must be >= 0.")
        if np.any(np.diff(edges) <= 0):
            raise InvalidInputError("Histogram: `np_histogram` edges must be strictly increasing.")
        # counts beyond 2**53 are not exact integers in float64: keep them as the floats given
        integral = bool(np.all(values == np.round(values)) and values.max() <= 2.0**53)
        self.values = values.astype(np.int64) if integral else values
        self.bins = edges
        self.count = (
            int(self.values.sum()) if integral else None
        )  # int64: exact (512 × 2**53 < 2**63)
        self.min, self.max = float(edges[0]), float(edges[-1])
        self.source = "np_histogram"

    # -- encoding -----------------------------------------------------------------------------
    def _encode(self) -> Encoded:
        fields: dict[str, Any] = {
            "values": self.values.tolist(),
            "bins": [float(b) for b in self.bins],
            "min": self.min,
            "max": self.max,
            "nonfinite": dict(self.nonfinite),
            "source": self.source,
        }
        if self.count is not None:
            fields["count"] = self.count
        return None, fields

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Histogram:
        h = cls(np_histogram=(manifest["values"], manifest["bins"]))
        h.nonfinite = dict(manifest.get("nonfinite", h.nonfinite))
        h.min, h.max = manifest.get("min"), manifest.get("max")
        h.count = manifest.get("count")
        h.source = manifest.get("source", "np_histogram")
        return h

    def __repr__(self) -> str:
        return f"<Histogram bins={len(self.values)} count={self.count}>"

    count: int | None
    min: float | None
    max: float | None
    source: str = "sequence"
