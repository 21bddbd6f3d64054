#!/usr/bin/env python3
"""W8: pr_curve + roc_curve for 100k samples x 10 classes, together.

Each repetition builds both charts (curves in numpy, downsampled to <= 1000 points per class,
Table + inline Vega-Lite spec) and writes them through a DirectoryStore (spec .vl.json + table),
which is what logging them does. Prints the median and min of N repetitions, plus the compute-only
time (charts built, nothing written) and the time to render one chart to SVG (informative).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import charts
from mediatypes.core.store import DirectoryStore

N, K, REPS = 100_000, 10, 15


def main() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, K, N)
    logits = rng.normal(size=(N, K)) + np.eye(K)[y]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    charts.pr_curve(y[:100], p[:100])  # warm-up: imports
    with tempfile.TemporaryDirectory() as tmp:
        store = DirectoryStore(tmp)
        full, compute = [], []
        for i in range(REPS):
            t0 = time.perf_counter()
            a, b = charts.pr_curve(y, p), charts.roc_curve(y, p)
            t1 = time.perf_counter()
            a.to_manifest(store, f"pr-{i}")
            b.to_manifest(store, f"roc-{i}")
            t2 = time.perf_counter()
            compute.append((t1 - t0) * 1000)
            full.append((t2 - t0) * 1000)
    print(
        f"W8 pr+roc build+write median {statistics.median(full):6.1f} ms  min {min(full):6.1f} ms ({REPS} runs)"
    )
    print(
        f"W8 pr+roc build only     median {statistics.median(compute):6.1f} ms  min {min(compute):6.1f} ms"
    )
    t0 = time.perf_counter()
    a.to_svg()
    print(
        f"render pr_curve ({a.table.nrows} points) to SVG: {(time.perf_counter() - t0) * 1000:.0f} ms (first call, one run)"
    )


if __name__ == "__main__":
    main()
