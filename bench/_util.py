"""Tiny timing helpers shared by the bench scripts (median of repeated runs)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_ms(fn: Callable[[], Any], repeat: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def report(name: str, value: float, unit: str, target: str) -> None:
    print(f"{name:<48} {value:10.2f} {unit:<10} target {target}")
