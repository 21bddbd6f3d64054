"""4 processes logging into one run (group="shared"): rows/s in total, folder and S3 (moto).

    PYTHONPATH=. python bench/bench_ranks.py [--rows N] [--reps N]

Each rank logs N rows of ``{"loss", "acc"}`` and finishes; the figure is 4·N divided by the wall
time from the start signal to the last rank's finish (process start-up and imports excluded:
every rank waits at a barrier after ``init``). One process doing the same 4·N rows is the
reference. On this 2-core machine 4 writers share 2 cores, so the total cannot scale 4×.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _moto import moto_server, new_bucket

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def rank_main(rank: int, world: int, where: dict[str, Any], rows: int, barrier: Any) -> None:
    import mediatypes as mt

    run = mt.init(id="bench", group="shared", rank=rank, world_size=world, **where, **OFF)
    barrier.wait()
    for i in range(rows):
        run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-6})
    run.finish()


def shared(where: dict[str, Any], rows: int, world: int = 4) -> float:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(world + 1)
    procs = [
        ctx.Process(target=rank_main, args=(r, world, where, rows, barrier)) for r in range(world)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    return world * rows / (time.perf_counter() - t0)


def single(where: dict[str, Any], rows: int) -> float:
    import mediatypes as mt

    run = mt.init(id="bench-single", **where, **OFF)
    t0 = time.perf_counter()
    for i in range(rows):
        run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-6})
    run.finish()
    return rows / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-ranks-"))
    os.environ["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    try:
        with moto_server() as endpoint:
            bucket = new_bucket(endpoint)
            out: dict[str, list[float]] = {"dir4": [], "s34": [], "dir1": [], "s31": []}
            for r in range(args.reps):
                d = tmp / f"rep{r}"
                out["dir4"].append(shared({"dir": d}, args.rows))
                out["s34"].append(shared({"transport": f"s3://{bucket}/rep{r}"}, args.rows))
                out["dir1"].append(single({"dir": d}, 4 * args.rows))
                out["s31"].append(single({"transport": f"s3://{bucket}/single{r}"}, 4 * args.rows))
            med = {k: statistics.median(v) for k, v in out.items()}
            n = 4 * args.rows
            print(
                f"4 ranks x {args.rows:,} rows: folder {med['dir4']:,.0f} rows/s total, S3 (moto) "
                f"{med['s34']:,.0f} rows/s total; one process, {n:,} rows: folder "
                f"{med['dir1']:,.0f} rows/s, S3 {med['s31']:,.0f} rows/s (medians of {args.reps})"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
