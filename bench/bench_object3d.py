#!/usr/bin/env python3
"""Object3D: a 1,000,000-point cloud → binary PLY (and the alternatives we measured against).

Method: median (and min) wall time of N runs with ``time.perf_counter``; each run builds a fresh
``Object3D`` (validation + copy) and encodes it (``encode()``: the PLY bytes), then separately the
full ``save()`` into a temp folder (sha256 + atomic write + manifest + schema validation).
Alternatives: trimesh's own PLY and GLB exporters for the same xyz + rgb cloud.

    PYTHONPATH=. python bench/bench_object3d.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import mediatypes as mt

N = 1_000_000


def timeit(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm-up (imports, allocator)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3, min(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    xyz32 = rng.normal(size=(N, 3)).astype(np.float32)
    xyz64 = xyz32.astype(np.float64)
    rgb = rng.integers(0, 256, (N, 3))
    cat = rng.integers(1, 15, (N, 1))
    clouds = {
        "xyz float32 (N×3)": xyz32,
        "xyz float64 (N×3)": xyz64,
        "xyz + rgb float64 (N×6)": np.column_stack([xyz64, rgb]),
        "xyz + category float64 (N×4)": np.column_stack([xyz64, cat]),
        # colours that need work: fractions (intensity * 255) round half up; out of range clip
        "xyz + fractional rgb (N×6)": np.column_stack([xyz64, rng.random((N, 3)) * 255]),
        "xyz + rgb, 14% clipped (N×6)": np.column_stack([xyz64, rng.integers(-20, 276, (N, 3))]),
    }
    print(f"Object3D, {N:,} points, {args.runs} runs, median / min in ms")
    warnings.simplefilter("ignore")  # the clipped cloud warns once per Object3D
    for name, pts in clouds.items():
        med, lo = timeit(lambda pts=pts: mt.Object3D(pts).encode(), args.runs)
        size = len(mt.Object3D(pts).encode()[0].data)  # type: ignore[union-attr,arg-type]
        print(
            f"  construct + encode PLY  {name:30s} {med:8.1f} / {lo:8.1f}   ({size / 1e6:.1f} MB)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("xyz float32 (N×3)", "xyz + rgb float64 (N×6)"):
            pts = clouds[name]
            med, lo = timeit(lambda pts=pts: mt.Object3D(pts).save(tmp), args.runs)
            print(f"  full save() to disk     {name:30s} {med:8.1f} / {lo:8.1f}")

    import trimesh

    pc = trimesh.PointCloud(xyz64, colors=rgb.astype(np.uint8))
    runs = max(3, args.runs // 3)
    med, lo = timeit(lambda: pc.export(file_type="ply"), runs)
    print(f"  alternative: trimesh PLY export (xyz + rgb)            {med:8.1f} / {lo:8.1f}")
    med, lo = timeit(lambda: pc.export(file_type="glb"), runs)
    print(f"  alternative: trimesh GLB export (xyz + rgb)            {med:8.1f} / {lo:8.1f}")


if __name__ == "__main__":
    main()
