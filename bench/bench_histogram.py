"""W4: Histogram of 1e7 float32 values, 64 bins (target <= 20 ms). Compared with np.histogram."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import median_ms, report

import mediatypes as mt


def main() -> None:
    x = np.random.default_rng(0).standard_normal(10_000_000).astype(np.float32)
    report(
        "W4 Histogram(1e7 float32, 64 bins) + manifest",
        median_ms(lambda: mt.Histogram(x).to_manifest(None, "h")),
        "ms",
        "<= 20 ms",
    )  # type: ignore[arg-type]
    report(
        "   reference: np.histogram(x, 64)",
        median_ms(lambda: np.histogram(x, 64), repeat=7),
        "ms",
        "-",
    )


if __name__ == "__main__":
    main()
