"""Deterministic downsampling of chart series.

``minmax(xs, ys, limit)`` keeps at most ``limit`` points of a long series: the points are cut into
``limit // 2`` buckets of (nearly) equal size, in their logged order, and each bucket keeps the
points holding its smallest and its largest value (in their original order); the first and last
points are always kept. Spikes and dips therefore survive, which evenly spaced picking (what
``RunReader.history(samples=)`` does) would miss. Same input, same output.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LIMIT", "evenly", "minmax"]

LIMIT = 5000


def minmax(xs: np.ndarray, ys: np.ndarray, limit: int = LIMIT) -> np.ndarray:
    """Indices (sorted) of the points to keep; all of them when there are at most ``limit``."""
    n = len(ys)
    if n <= limit:
        return np.arange(n)
    buckets = max(1, (limit - 2) // 2)
    bucket = (np.arange(n, dtype=np.int64) * buckets) // n  # 0 .. buckets-1, in order
    # sort by (bucket, value): the first of each bucket is its min, the last its max
    order = np.lexsort((ys, bucket))
    starts = np.searchsorted(bucket[order], np.arange(buckets), side="left")
    ends = np.searchsorted(bucket[order], np.arange(buckets), side="right") - 1
    keep = np.concatenate([order[starts], order[ends], [0, n - 1]])
    return np.unique(keep)


def evenly(n: int, limit: int) -> np.ndarray:
    """``limit`` evenly spaced indices of ``range(n)`` (first and last kept), or all of them."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, limit)).astype(np.int64))
