#!/usr/bin/env python3
"""W5: Table of 100k rows x 5 columns (int, float, str, float, bool), construct + write.

Measures what ``log`` + ``finish`` will do for a table: build the Table (from a list of rows, and
from a pandas DataFrame) and write it through a DirectoryStore (``to_manifest``: canonical
.table.json + manifest). Inputs are built once outside the timing; each repetition writes under a
fresh key into a temp folder. Prints the median and min of N repetitions.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
import polars as pl

from mediatypes.core.store import DirectoryStore
from mediatypes.table import Table

N_ROWS = 100_000
REPS = 15


def inputs() -> tuple[list[list[object]], pd.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(0)
    ints = rng.integers(0, 1_000_000, N_ROWS)
    f1, f2 = rng.random(N_ROWS), rng.normal(size=N_ROWS)
    strs = [f"sample-{i}" for i in range(N_ROWS)]
    flags = rng.random(N_ROWS) > 0.5
    rows = [
        list(r)
        for r in zip(ints.tolist(), f1.tolist(), strs, f2.tolist(), flags.tolist(), strict=False)
    ]
    cols = {"id": ints, "score": f1, "name": strs, "delta": f2, "ok": flags}
    return rows, pd.DataFrame(cols), pl.DataFrame(cols)


def bench(label: str, make, root: Path) -> None:  # type: ignore[no-untyped-def]
    store = DirectoryStore(root)
    times = []
    for i in range(REPS):
        t0 = time.perf_counter()
        manifest = make().to_manifest(store, f"{label}-{i}")
        times.append(time.perf_counter() - t0)
    ms = [t * 1000 for t in times]
    print(
        f"W5 {label:<10} median {statistics.median(ms):6.1f} ms  min {min(ms):6.1f} ms  "
        f"({REPS} runs; file {manifest['size'] / 1e6:.1f} MB)"
    )


def main() -> None:
    Table.MAX_ROWS = N_ROWS  # the benchmark raises the limit explicitly, as users must
    rows, df, pldf = inputs()
    columns = ["id", "score", "name", "delta", "ok"]
    with tempfile.TemporaryDirectory() as tmp:
        bench("rows", lambda: Table(columns=columns, data=rows), Path(tmp))
        bench("pandas", lambda: Table(dataframe=df), Path(tmp))
        bench("polars", lambda: Table(dataframe=pldf), Path(tmp))


if __name__ == "__main__":
    main()
