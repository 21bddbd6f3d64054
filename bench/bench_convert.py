"""Bulk conversion: 1,000 images (RGB, half PNG files, half .npy arrays) through the real
``mediatypes convert`` command, ``--jobs 1`` vs ``--jobs 2`` (target: ≥ 1.7× faster with 2 jobs).

Images are 256×256 by default, the image of SPEC §8's standard workload W2; ``--size 128`` gives
thumbnails, where the command's fixed start-up (~0.15 s: interpreter, numpy and the media module,
once, before the workers fork) is a larger share of the work.

Method: each repetition runs ``python -m mediatypes convert IN --to OUT --jobs N --json`` in a fresh
process into a new output folder (nothing is deleted until the end), alternating 1 and 2 jobs so
machine load hits both alike.
Reported: median wall time of the whole command (interpreter start included) and the median of
the conversion phase the command reports itself (``seconds`` in its JSON), the speed-up of the
medians, and the median of the speed-ups within each round (a round runs both back to back, so
this one is the least sensitive to the VM's minute-to-minute speed, which drifts by up to 2×).

    python bench/bench_convert.py [--n 1000] [--size 256] [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mediatypes import _json  # noqa: E402


def make_inputs(folder: Path, n: int, size: int) -> None:
    import PIL.Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(n):
        # smooth gradients plus noise: compresses like a photo, not like pure noise
        base = np.stack([(xx + i) % 256, (yy * 2 + i) % 256, (xx + yy) % 256], -1)
        px = (base + rng.integers(0, 24, (size, size, 3))).clip(0, 255).astype(np.uint8)
        sub = folder / f"batch{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 2:
            np.save(sub / f"img{i:04d}.npy", px)
        else:
            PIL.Image.fromarray(px).save(sub / f"img{i:04d}.png", compress_level=1)


def cpu_pressure() -> float:
    """Share of the last 10 s in which some task waited for a CPU (Linux PSI), or -1."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return float(line.split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        return -1.0


def convert(src: Path, out: Path, jobs: int) -> tuple[float, float, float]:
    """(wall s, conversion phase s, CPU s of the command and its workers) of one run."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "mediatypes", "convert", str(src), "--to", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--jobs", str(jobs), "--json"], capture_output=True, env=env, check=False
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = _json.loads(proc.stdout)
    if proc.returncode != 0 or report["failed"]:
        raise SystemExit(f"convert failed: {proc.stderr.decode()[-2000:]}")
    return wall, float(report["seconds"]), cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--size", type=int, default=256, help="image side in pixels")
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_convert_"))
    try:
        src = tmp / "in"
        make_inputs(src, args.n, args.size)
        convert(src, tmp / "warmup", 2)  # warm the page cache and .pyc files
        results: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
        pressure = []
        for r in range(args.repeat):
            for jobs in (1, 2) if r % 2 == 0 else (2, 1):
                # a fresh folder per run; deleting 2,000 files between runs would leave the
                # kernel busy (journal, discard) during the next run
                out = tmp / f"out-{r}-{jobs}"
                pressure.append(cpu_pressure())
                results[jobs].append(convert(src, out, jobs))
        load = os.getloadavg()
        med = {
            j: [statistics.median(x[k] for x in v) for k in range(3)] for j, v in results.items()
        }
        best = {j: min(w for w, _, _ in v) for j, v in results.items()}
        rounds = [a[0] / b[0] for a, b in zip(results[1], results[2], strict=True)]
        print(
            f"bulk convert, {args.n} images {args.size}x{args.size} (half .png, half .npy), "
            f"{args.repeat} reps"
        )
        for j in (1, 2):
            walls = ", ".join(f"{w:.2f}" for w, _, _ in results[j])
            print(
                f"  --jobs {j}: wall median {med[j][0]:.3f} s (runs: {walls}); conversion phase "
                f"median {med[j][1]:.3f} s; CPU (command + workers) median {med[j][2]:.2f} s"
            )
        print(
            f"  speed-up 1 -> 2 jobs: wall {med[1][0] / med[2][0]:.2f}x (medians), "
            f"{best[1] / best[2]:.2f}x (fastest runs), conversion phase "
            f"{med[1][1] / med[2][1]:.2f}x (target >= 1.7x)"
        )
        print(
            f"  speed-up within each round: median {statistics.median(rounds):.2f}x "
            f"(rounds: {', '.join(f'{r:.2f}' for r in rounds)})"
        )
        print(
            f"  machine: load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; CPU pressure "
            f"(PSI some avg10, %) before each run: {' '.join(f'{p:.0f}' for p in pressure)}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
