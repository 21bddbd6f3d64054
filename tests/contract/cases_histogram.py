from __future__ import annotations

from pathlib import Path

import numpy as np

from mediatypes import Histogram

from .case import Case


def _check(manifest: dict, root: Path) -> None:
    data = np.random.default_rng(0).standard_normal(10_000)
    values, edges = np.histogram(data, bins=32)
    assert manifest["values"] == values.tolist()
    assert manifest["bins"] == edges.tolist()


def _check_np(manifest: dict, root: Path) -> None:
    assert manifest["values"] == [1, 2, 3] and manifest["bins"] == [0.0, 1.0, 2.0, 3.0]


CASES = [
    Case(
        "histogram-sequence",
        lambda: Histogram(np.random.default_rng(0).standard_normal(10_000), num_bins=32),
        _check,
    ),
    Case("histogram-np", lambda: Histogram(np_histogram=([1, 2, 3], [0, 1, 2, 3])), _check_np),
]
