#!/usr/bin/env python3
"""Image benchmarks (SPEC §8): W3 float 512x512x3 -> PNG, W2 200 images 256x256x3 via save().

Method: every figure is the median of N repetitions (wall clock, time.perf_counter), after one
warm-up. W3 times construction (validation + float scaling) plus encoding, i.e. everything but the
file write; "W3 save" adds the content-addressed write and the schema-validated manifest. W2 saves
200 random uint8 images into a fresh folder, sequentially and on a 2-thread pool (Pillow, numpy
and zlib release the GIL). The PNG level table compares our writer with Pillow's encoder.

    PYTHONPATH=. python bench/bench_image.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import PIL.Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import median_ms

from mediatypes.core.arrays import float_to_uint8
from mediatypes.image import Image, png_bytes


def smooth(h: int, w: int) -> np.ndarray:
    """A photo-like float image: gradients plus mild noise, in [0, 1]."""
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    noise = np.random.default_rng(1).normal(0, 0.02, (h, w, 3))
    return np.clip(np.stack([x, y, x * y], -1) + noise, 0, 1)


def w3(n: int) -> None:
    arr = np.random.default_rng(0).random((512, 512, 3))  # float64 in [0, 1], worst case: noise
    print("W3 float 512x512x3 in [0,1] -> PNG (target <= 25 ms)")
    print(
        f"  construct + encode (noise):   {median_ms(lambda: Image(arr).encode(), repeat=n, warmup=1):6.1f} ms"
    )
    sm = smooth(512, 512)
    print(
        f"  construct + encode (smooth):  {median_ms(lambda: Image(sm).encode(), repeat=n, warmup=1):6.1f} ms"
    )
    print(
        f"    of which float_to_uint8:    {median_ms(lambda: float_to_uint8(arr, 'd', 'b'), repeat=n, warmup=1):6.1f} ms"
    )
    u8 = float_to_uint8(arr, "d", "b")
    print(
        f"    of which PNG encode:        {median_ms(lambda: png_bytes(u8, 1), repeat=n, warmup=1):6.1f} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        i = iter(range(10**9))
        print(
            f"  W3 save (files + manifest):   "
            f"{median_ms(lambda: Image(arr).save(tmp, name=f'w3_{next(i)}'), repeat=n, warmup=1):6.1f} ms"
        )


def levels(n: int) -> None:
    print("PNG level trade-off, 512x512 RGB (median ms / bytes)")
    for name, img in (
        ("noise", np.random.default_rng(0).random((512, 512, 3))),
        ("smooth", smooth(512, 512)),
    ):
        u8 = float_to_uint8(img, "d", "b")
        pil = PIL.Image.fromarray(u8)
        for level in (1, 3, 6, 9):
            ours = median_ms(lambda lv=level, a=u8: png_bytes(a, lv), repeat=n, warmup=1)
            size = len(png_bytes(u8, level))

            def pillow(lv: int = level, im: PIL.Image.Image = pil) -> bytes:
                buf = io.BytesIO()
                im.save(buf, format="PNG", compress_level=lv)
                return buf.getvalue()

            theirs = median_ms(pillow, repeat=n, warmup=1)
            print(
                f"  {name:6s} level {level}: ours {ours:6.1f} ms {size:8d} B | "
                f"Pillow {theirs:6.1f} ms {len(pillow()):8d} B"
            )


def w2(repeats: int) -> None:
    rng = np.random.default_rng(2)
    images = [rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(200)]
    print("W2 200 images 256x256x3 uint8 via save() (target >= 250 images/s)")
    for workers in (1, 2):
        rates, blocked = [], []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                objs = [Image(a, caption=str(i)) for i, a in enumerate(images)]
                t1 = time.perf_counter()
                if workers == 1:
                    for i, o in enumerate(objs):
                        o.save(tmp, name=f"img{i}")
                else:
                    with ThreadPoolExecutor(workers) as pool:
                        list(
                            pool.map(
                                lambda io_: io_[1].save(tmp, name=f"img{io_[0]}"), enumerate(objs)
                            )
                        )
                t2 = time.perf_counter()
                assert len(os.listdir(tmp)) == 400
            rates.append(200 / (t2 - t0))
            blocked.append((t1 - t0) / 200 * 1000)
        print(
            f"  {workers} thread(s): {statistics.median(rates):6.0f} images/s "
            f"(construction {statistics.median(blocked):.3f} ms/image)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    n, repeats = (5, 2) if args.quick else (31, 7)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    w3(n)
    w2(repeats)
    levels(max(5, n // 3))


if __name__ == "__main__":
    main()
