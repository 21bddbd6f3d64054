"""W1 and W2 on the S3 transport (moto's server on 127.0.0.1) against the directory transport.

    PYTHONPATH=. python bench/bench_cloud.py [--reps N] [--latency MS] [--workers N]

W1: 20k ``log({"loss", "acc"})`` + ``finish()``, calls/s end to end.
W2: 200 images 256×256×3 uint8 (noise), one per step, + finish: images/s end to end, and the time
    the caller is blocked inside ``log()`` per image.
Each repetition runs the directory transport and the S3 transport back to back (interleaved), so
the ratio is fair on a loaded machine. moto is a Python server on the same 2 cores: the S3 figures
include its CPU time, which a real object store would not take from the training process.
``--latency MS`` puts the tests' fault proxy (``tests/cloud/faultproxy.py``) between s3fs and moto,
delaying every request by MS milliseconds (a store that is not on this machine); ``--workers N``
sets ``media_workers`` of the S3 runs (default 2, as for the folder).
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

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from _moto import moto_server, new_bucket

from tests.cloud.faultproxy import FaultProxy

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def w1(where: dict[str, Any]) -> float:
    n = 20_000
    run = mt.init(**where, **OFF)
    t0 = time.perf_counter()
    for i in range(n):
        run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-5})
    run.finish()
    return n / (time.perf_counter() - t0)


def w2(where: dict[str, Any], base: np.ndarray) -> tuple[float, float]:
    frames = [mt.Image(base[i]) for i in range(len(base))]
    run = mt.init(**where, **OFF)
    blocked = []
    t0 = time.perf_counter()
    for i, f in enumerate(frames):
        a = time.perf_counter()
        run.log({"img": f, "i": i})
        blocked.append(time.perf_counter() - a)
    run.finish()
    return len(frames) / (time.perf_counter() - t0), statistics.mean(blocked)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--latency", type=float, default=0.0, help="ms added to every S3 request")
    ap.add_argument("--workers", type=int, default=None, help="media_workers of the S3 runs")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cloud-"))
    base = np.random.default_rng(2).integers(0, 256, (200, 256, 256, 3), dtype=np.uint8)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
    try:
        with moto_server() as endpoint:
            bucket = new_bucket(endpoint)
            s3: dict[str, Any] = {"media_workers": args.workers} if args.workers else {}
            proxy = None
            if args.latency:
                proxy = FaultProxy(endpoint, latency=args.latency / 1e3).start()
                s3["storage_options"] = {"endpoint_url": proxy.endpoint}
                print(f"every S3 request delayed by {args.latency:g} ms (proxy)")
            res: dict[str, list[float]] = {k: [] for k in ("w1d", "w1s", "w2d", "w2s", "bd", "bs")}
            for r in range(args.reps):
                res["w1d"].append(w1({"dir": tmp, "id": f"w1-{r}"}))
                res["w1s"].append(w1({"transport": f"s3://{bucket}/w1-{r}", **s3}))
                rate, blocked = w2({"dir": tmp, "id": f"w2-{r}"}, base)
                res["w2d"].append(rate)
                res["bd"].append(blocked)
                rate, blocked = w2({"transport": f"s3://{bucket}/w2-{r}", **s3}, base)
                res["w2s"].append(rate)
                res["bs"].append(blocked)
            med = {k: statistics.median(v) for k, v in res.items()}
            print(
                f"W1 20k log+finish: directory {med['w1d']:,.0f} calls/s, S3 (moto) "
                f"{med['w1s']:,.0f} calls/s, ratio S3/dir {med['w1s'] / med['w1d']:.2f} "
                f"(S3 runs: min {min(res['w1s']):,.0f}, max {max(res['w1s']):,.0f})"
            )
            print(
                f"W2 200 images log+finish: directory {med['w2d']:,.0f} images/s, S3 (moto) "
                f"{med['w2s']:,.0f} images/s, ratio S3/dir {med['w2s'] / med['w2d']:.2f}; caller "
                f"blocked per log(): directory {med['bd'] * 1e3:.3f} ms, S3 {med['bs'] * 1e3:.3f} "
                f"ms (medians of {args.reps} interleaved runs)"
            )
            if proxy is not None:
                proxy.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
