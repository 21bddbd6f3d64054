"""TensorBoard export throughput and the cost of the live ``tensorboard:`` tee to the caller.

    PYTHONPATH=. python bench/bench_tensorboard.py [export] [tee] [--reps N]

export: a run of 100k scalar rows ({"loss", "acc"}) + 1,000 images 128×128×3 (built once, not
        timed), then ``export_run`` to a fresh logdir: median wall time of reps (target < 5 s).
tee:    W1 (20k ``log({"loss","acc"})`` + finish) and W2 (200 images 256×256×3, one per step,
        + finish), each timed from after ``init`` to the end of ``finish()`` (as bench_run does),
        plain directory transport and ``transport="tensorboard:..."`` interleaved rep by rep;
        median overhead (target ≤ 10 %). ``init`` and the time until
        the follower has written everything (``run.transport.wait()``) are reported apart.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import mediatypes as mt
from mediatypes.tensorboard.export import export_run

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def export(tmp: Path, reps: int) -> None:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (50, 128, 128, 3), dtype=np.uint8)
    run = mt.init(dir=tmp, id="big", **OFF)
    for i in range(100_000):
        row: dict[str, Any] = {"loss": 1.0 / (i + 1), "acc": i * 1e-5}
        if i % 100 == 0:
            row["img"] = mt.Image(np.roll(images[(i // 100) % 50], i // 100, axis=0))
        run.log(row)
    run.finish()
    times = []
    for r in range(reps):
        t0 = time.perf_counter()
        report = export_run(run.dir, tmp / f"tb-{r}")
        times.append(time.perf_counter() - t0)
    size = Path(report["event_file"]).stat().st_size
    print(
        f"export 100k scalar rows + 1,000 images 128x128: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}) over {reps} runs; {report['events']:,} "
        f"events, event file {size / 2**20:.0f} MiB; target < 5 s"
    )


def _w1(run: Any) -> None:
    for i in range(20_000):
        run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-5})
    run.finish()


def tee(tmp: Path, reps: int) -> None:
    rng = np.random.default_rng(2)
    base = rng.integers(0, 256, (200, 256, 256, 3), dtype=np.uint8)

    def w2(run: Any) -> None:
        for i in range(200):
            run.log({"img": mt.Image(base[i]), "i": i})
        run.finish()

    for name, work in (("W1", _w1), ("W2", w2)):
        plain, teed, inits, waits = [], [], [], []
        for r in range(reps):
            for mode in ("dir", "tb"):
                kw = {"transport": f"tensorboard:{tmp / 'tb'}"} if mode == "tb" else {}
                a = time.perf_counter()
                run = mt.init(dir=tmp, id=f"{name}-{mode}-{r}", **kw, **OFF)
                t0 = time.perf_counter()
                work(run)
                dt = time.perf_counter() - t0
                if mode == "tb":
                    teed.append(dt)
                    inits.append(t0 - a)
                    w0 = time.perf_counter()
                    run.transport.wait()
                    waits.append(time.perf_counter() - w0)
                else:
                    plain.append(dt)
        p, t = statistics.median(plain), statistics.median(teed)
        pairs = sorted(b / a - 1 for a, b in zip(plain, teed, strict=True))
        print(
            f"{name} log+finish: directory median {p * 1e3:.1f} ms, with tensorboard tee "
            f"{t * 1e3:.1f} ms: overhead {100 * (t / p - 1):+.1f} % (per-rep pairs: median "
            f"{100 * statistics.median(pairs):+.1f} %, range {100 * pairs[0]:+.0f}..{100 * pairs[-1]:+.0f} %) "
            f"over {reps} interleaved reps; init with the tee median "
            f"{statistics.median(inits) * 1e3:.1f} ms; follower done "
            f"{statistics.median(waits):.2f} s after finish (median); target overhead <= 10 %"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="*", default=["export", "tee"])
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-tb-"))
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
        if "export" in args.which:
            export(tmp, max(3, args.reps // 3))
        if "tee" in args.which:
            tee(tmp, args.reps)
        print(f"load after: {os.getloadavg()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
