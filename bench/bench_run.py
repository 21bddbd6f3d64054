"""Run-layer benchmarks (SPEC §8): W1 scalar log rate, W2 image logging, W9 memory for 1M rows.

    PYTHONPATH=. python bench/bench_run.py [w1|w2|w9 ...] [--reps N]

W1: 20k ``log({"loss", "acc"})`` + ``finish()``, calls/s end to end (median of reps).
W2: 200 images 256×256×3 uint8, one per step, + finish: images/s end to end, and the time the
    caller is blocked inside ``log()`` per image (median and max over the 200 calls).
W9: 1M scalar rows logged: RSS growth (max RSS sampled while logging, minus RSS before init).
Capture (console, git, packages, system metrics) is off except where noted, so the figures are
the logging path itself; ``--capture`` turns the defaults back on for W1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

import mediatypes as mt

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def _image_cls() -> Any:
    """mediatypes.Image when it exists, else a minimal PNG Loggable (Pillow, compress_level 1)."""
    try:
        return mt.Image  # type: ignore[attr-defined]
    except AttributeError:
        import io

        from PIL import Image as PILImage

        from mediatypes.core.media import Media, Payload

        class PngLoggable(Media):
            _type = "image-file"

            def __init__(self, data: np.ndarray) -> None:
                self.data = np.array(data, copy=True)

            def _encode(self) -> Any:
                buf = io.BytesIO()
                PILImage.fromarray(self.data).save(buf, format="PNG", compress_level=1)
                h, w = self.data.shape[:2]
                return Payload("png", buf.getvalue()), {"format": "png", "width": w, "height": h}

        return PngLoggable


def w1(tmp: Path, reps: int, capture: bool) -> None:
    n = 20_000
    rates = []
    for r in range(reps):
        opts = {} if capture else OFF
        run = mt.init(dir=tmp, id=f"w1-{r}", **opts)
        t0 = time.perf_counter()
        for i in range(n):
            run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-5})
        run.finish()
        rates.append(n / (time.perf_counter() - t0))
    print(
        f"W1 {'(capture on) ' if capture else ''}20k log+finish: median {statistics.median(rates):,.0f} "
        f"calls/s ({1e6 / statistics.median(rates):.2f} µs/call), min {min(rates):,.0f}, "
        f"max {max(rates):,.0f} over {reps} runs"
    )


def w2(tmp: Path, reps: int, content: str = "noise") -> None:
    """Interleaved with a bare 2-thread pool writing the same images through a DirectoryStore
    (no run layer), so the run layer's overhead is visible even on a loaded machine."""
    from concurrent.futures import ThreadPoolExecutor

    from mediatypes.core.store import DirectoryStore

    image = _image_cls()
    rng = np.random.default_rng(2)
    base = rng.integers(0, 256, (200, 256, 256, 3), dtype=np.uint8)  # noise: the worst case
    if content == "smooth":  # gradients + mild noise: cheaper to compress, like many real images
        y, x = np.mgrid[0:256, 0:256]
        grad = np.stack([x, y, (x + y) // 2], -1)
        base = np.clip(grad[None] + base // 16, 0, 255).astype(np.uint8)
    rates, bare, blocked_mean, blocked_med, blocked_max = [], [], [], [], []
    for r in range(reps):
        frames = [image(base[i]) for i in range(200)]
        store = DirectoryStore(tmp / f"bare-{r}")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda a, s=store: a[1].to_manifest(s, f"img{a[0]}"), enumerate(frames)))
        bare.append(200 / (time.perf_counter() - t0))

        frames = [image(base[i]) for i in range(200)]  # fresh objects: no cached encoding
        run = mt.init(dir=tmp, id=f"w2-{r}", **OFF)
        blocked = []
        t0 = time.perf_counter()
        for i, f in enumerate(frames):
            a = time.perf_counter()
            run.log({"img": f, "i": i})
            blocked.append(time.perf_counter() - a)
        run.finish()
        rates.append(200 / (time.perf_counter() - t0))
        blocked_mean.append(statistics.mean(blocked))
        blocked_med.append(statistics.median(blocked))
        blocked_max.append(max(blocked))
    print(
        f"W2 200 {content} images ({image.__module__}.{image.__name__}) log+finish: median "
        f"{statistics.median(rates):,.0f} images/s (min {min(rates):,.0f}, max {max(rates):,.0f}); "
        f"bare 2-thread to_manifest pool, same images, interleaved: median "
        f"{statistics.median(bare):,.0f} images/s; caller blocked per log(): mean "
        f"{statistics.median(blocked_mean) * 1e3:.3f} ms, median "
        f"{statistics.median(blocked_med) * 1e3:.3f} ms, worst call "
        f"{max(blocked_max) * 1e3:.2f} ms over {reps} runs"
    )


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def w9(tmp: Path) -> None:
    n = 1_000_000
    before = _rss_mb()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _rss_mb())

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    run = mt.init(dir=tmp, id="w9", **OFF)
    t0 = time.perf_counter()
    for i in range(n):
        run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-6, "lr": 0.001})
    run.finish()
    dt = time.perf_counter() - t0
    stop.set()
    t.join()
    peak[0] = max(peak[0], _rss_mb())
    size = (tmp / "w9" / "history.jsonl").stat().st_size
    print(
        f"W9 1M rows: RSS growth {peak[0] - before:.1f} MB (before {before:.0f} MB, peak "
        f"{peak[0]:.0f} MB), {n / dt:,.0f} rows/s, history.jsonl {size / 2**20:.0f} MiB"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("which", nargs="*", default=["w1", "w2", "w9"])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--capture", action="store_true")
    ap.add_argument("--content", choices=["noise", "smooth"], default="noise")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
        if "w1" in args.which:
            w1(tmp, args.reps, args.capture)
        if "w2" in args.which:
            w2(tmp, args.reps, args.content)
        if "w9" in args.which:
            w9(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
