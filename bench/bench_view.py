"""Viewer benchmark (issue 14): a run of 100k scalar rows (2 keys) and 1,000 images.

    PYTHONPATH=. python bench/bench_view.py [--reps N]

* generation: ``mediatypes.view.build`` into a fresh folder (assets copied, the Vega bundle read
  from the user cache) and a rebuild of an existing site (nothing changed: nothing rewritten);
  median of reps, wall time in this process.
* opening: headless Chromium (``mediatypes.view.headless``) loads the page from file:// and the
  page script records ``performance.now()`` (milliseconds since navigation start) when the first
  view is drawn (``body[data-ready]``); median of reps, each a fresh navigation, for the Charts
  tab (the default) and the Media tab (1,000 images behind one step slider).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import mediatypes as mt
from mediatypes.view import build

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import report

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def make_run(root: Path) -> Path:
    rng = np.random.default_rng(0)
    with mt.init(dir=str(root), **OFF) as run:
        for i in range(100_000):
            row: dict[str, Any] = {
                "loss": float(np.exp(-i / 20000) + rng.normal(0, 0.01)),
                "acc": i / 1e5,
            }
            if i % 100 == 0:
                row["samples"] = mt.Image(
                    rng.integers(0, 255, (64, 64, 3), dtype=np.uint8), caption=f"step {i}"
                )
            run.log(row)
    return Path(run.dir)


def median_s(fn: Any, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def open_ms(index: Path, tab: str, reps: int) -> float:
    from selenium.webdriver.support.ui import WebDriverWait

    from mediatypes.view.headless import browser

    with browser() as drv:
        drv.get(index.as_uri() + f"#{tab}")  # warm-up: the browser's own start-up is not counted
        times = []
        for _ in range(reps):
            drv.get("about:blank")
            drv.get(index.as_uri() + f"#{tab}")
            WebDriverWait(drv, 30).until(
                lambda d: d.execute_script("return document.body.dataset.ready")
            )
            times.append(float(drv.execute_script("return document.body.dataset.readyMs")))
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        run = make_run(root / "runs")
        print(f"(run written in {time.perf_counter() - t0:.1f} s: 100k rows, 1,000 images)")
        build(run, root / "warm" / "index.html")  # fills the user's bundle cache if empty
        n = iter(range(1000))
        fresh = median_s(lambda: build(run, root / f"site{next(n)}" / "index.html"), args.reps)
        report("view: generate a fresh site (100k rows, 1k media)", fresh * 1e3, "ms", "< 1000 ms")
        index = build(run).index
        again = median_s(lambda: build(run), args.reps)
        report("view: rebuild an unchanged site", again * 1e3, "ms", "< 1000 ms")
        size = sum(p.stat().st_size for p in index.parent.rglob("*") if p.is_file())
        page = index.stat().st_size
        print(f"(page {page / 1e6:.2f} MB, site with assets {size / 1e6:.2f} MB)")
        from mediatypes.view.headless import find_browser

        if find_browser() is None:
            print(
                "opening: skipped (no chromium/chromedriver: apt-get install chromium chromium-driver)"
            )
            return
        for tab in ("charts", "media"):
            report(
                f"view: open in headless Chromium ({tab} tab)",
                open_ms(index, tab, args.reps),
                "ms",
                "< 2000 ms",
            )
        shutil.rmtree(run / "view", ignore_errors=True)


if __name__ == "__main__":
    main()
