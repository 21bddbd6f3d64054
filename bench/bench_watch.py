"""Cost of ``run.watch(model)`` between logging steps, and of one logging step.

Method: a CPU training step (forward, backward, SGD step) of an MLP, timed in blocks of STEPS
steps, alternating blocks without watch and with watch (``log="all"`` and a ``log_freq`` larger
than the run, so only the per-pass counter runs after the first pass); the overhead is the median
over BLOCKS pairs of (watched - plain) / plain. Alternating pairs cancels drift from other load on
the machine. One torch thread. The logging step cost is the median time of the end-of-backward
callback (histograms of every gradient and parameter, logged with commit=False).

Run: ``PYTHONPATH=. python bench/bench_watch.py``
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from typing import Any

import torch

import mediatypes as mt

STEPS = 200
BLOCKS = 25
OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def mlp(sizes: list[int]) -> torch.nn.Module:
    layers: list[torch.nn.Module] = []
    for a, b in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def block(model: torch.nn.Module, opt: torch.optim.Optimizer, x: Any, y: Any) -> float:
    t0 = time.perf_counter()
    for _ in range(STEPS):
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (time.perf_counter() - t0) / STEPS


def measure(name: str, sizes: list[int], batch: int) -> None:
    torch.manual_seed(0)
    model = mlp(sizes)
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, sizes[0]), torch.randn(batch, sizes[-1])
    with tempfile.TemporaryDirectory() as d, mt.init(dir=d, id="bench", **OFF) as run:
        block(model, opt, x, y)  # warm up
        plain, watched, ratios = [], [], []
        for _ in range(BLOCKS):
            a = block(model, opt, x, y)
            w = run.watch(model, log="all", log_freq=10**9)
            b = block(model, opt, x, y)
            run.unwatch(model)
            plain.append(a)
            watched.append(b)
            ratios.append((b - a) / a)
        # one logging step: time the end-of-backward callback alone
        w = run.watch(model, log="all", log_freq=1)
        block(model, opt, x, y)  # first pass picks the sentinel
        costs = []
        for _ in range(30):
            t0 = time.perf_counter()
            w._log()
            costs.append(time.perf_counter() - t0)
            run.log({"step": 1})
        run.unwatch(model)
    print(
        f"{name}: {len(sizes) - 1} linear layers, {nparams:,} params, batch {batch}: "
        f"step {statistics.median(plain) * 1e6:.0f} us plain, "
        f"{statistics.median(watched) * 1e6:.0f} us watched; "
        f"overhead median {statistics.median(ratios) * 100:+.2f} % "
        f"(IQR {statistics.quantiles(ratios, n=4)[0] * 100:+.2f} .. "
        f"{statistics.quantiles(ratios, n=4)[2] * 100:+.2f} %); "
        f"logging step {statistics.median(costs) * 1e3:.2f} ms "
        f"({2 * len(list(model.parameters()))} histograms)"
    )


def hook_cost() -> None:
    """The absolute per-pass cost: backward of a one-parameter graph with and without the hook."""
    p = torch.nn.Parameter(torch.ones(4))
    model = torch.nn.Module()
    model.register_parameter("p", p)

    def passes(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            (p * 2.0).sum().backward()
        return (time.perf_counter() - t0) / n

    with tempfile.TemporaryDirectory() as d, mt.init(dir=d, id="hook", **OFF) as run:
        passes(1000)
        diffs = []
        for _ in range(BLOCKS):
            a = passes(2000)
            run.watch(model, log="all", log_freq=10**9)
            b = passes(2000)
            run.unwatch(model)
            diffs.append(b - a)
    print(
        f"hook: one backward of a 1-parameter graph costs {a * 1e6:.1f} us; the watch counter "
        f"adds {statistics.median(diffs) * 1e6:.2f} us per backward pass (median of {BLOCKS})"
    )


def main() -> None:
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread, {BLOCKS} alternating block pairs of {STEPS} steps")
    hook_cost()
    measure("tiny", [8, 32, 16, 2], 32)
    measure("small", [64, 256, 256, 10], 64)
    measure("medium", [256, 1024, 1024, 1024, 10], 128)


if __name__ == "__main__":
    main()
