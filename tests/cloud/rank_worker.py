"""What each rank of the multi-process tests runs (importable by spawned children: kept light)."""

from __future__ import annotations

import os
import time
from typing import Any

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def where_kwargs(where: str) -> dict[str, Any]:
    """``init`` arguments for a run folder (``dir:<parent>``) or a URL."""
    if where.startswith("dir:"):
        return {"dir": where[4:]}
    return {"transport": where}


def log_rows(
    rank: int,
    world: int,
    where: str,
    steps: int,
    group: str | None = "shared",
    ready: Any = None,
) -> None:
    """Log ``steps`` rows as ``rank`` of ``world`` and finish. With ``ready`` (an Event): flush
    every 20 rows, set it after the first flush and keep logging until killed (60 s at most)."""
    import mediatypes as mt

    run = mt.init(
        id="shared-run",
        group=group,
        rank=rank,
        world_size=world,
        **where_kwargs(where),
        **OFF,
    )
    run.define_metric("acc", summary="max")
    step = 0
    deadline = time.monotonic() + 60
    while step < steps or (ready is not None and time.monotonic() < deadline):
        run.log({"acc": rank * 1000 + step, "loss": 1 / (step + 1)})
        step += 1
        if ready is not None and step % 20 == 0:
            run.flush()
            ready.set()
            time.sleep(0.005)
    run.finish()


def ddp_worker(rank: int, world: int, rendezvous: str, where: str, steps: int, group: Any) -> None:
    """One rank of a torch.distributed (gloo, CPU) job that logs through mediatypes."""
    import torch
    import torch.distributed as dist

    import mediatypes as mt

    dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank, world_size=world)
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world))
    try:
        run = mt.init(id="ddp-run", group=group, **where_kwargs(where), **OFF)  # ranks from env
        for step in range(steps):
            t = torch.tensor([float(rank + step)])
            dist.all_reduce(t)  # a real collective every step, as in training
            run.log({"local": rank + step, "global": t.item()})
        dist.barrier()
        run.finish()
    finally:
        dist.destroy_process_group()


def log_media(rank: int, world: int, wheres: list[str], steps: int) -> None:
    """As ``rank`` of ``world``, log the same rows into each run of ``wheres`` (a run folder and
    a URL): scalars every step (``loss`` differs per rank), an image whose colour is the rank every
    5 steps, a histogram every 10, system metrics; ``define_metric`` of ``val/*`` against an
    ``epoch`` step metric."""
    import numpy as np

    import mediatypes as mt

    for where in wheres:
        run = mt.init(
            id="ranked",
            group="shared",
            rank=rank,
            world_size=world,
            **where_kwargs(where),
            **{**OFF, "system_metrics": True},
            system_interval=0.05,
        )
        run.define_metric("val/*", step_metric="epoch")
        for step in range(steps):
            row: dict[str, Any] = {"loss": (rank + 1) * 10 + step, "lr": 0.1}
            if step % 5 == 0:
                pixels = np.zeros((16, 16, 3), np.uint8)
                pixels[..., rank % 3] = 60 + 60 * rank
                row["sample"] = mt.Image(pixels, caption=f"rank {rank} step {step}")
            if step % 10 == 9:
                row["epoch"] = step // 10
                row["val/acc"] = rank + step / 100
                row["weights"] = mt.Histogram(np.arange(50) + rank * 10.0)
            run.log(row)
        time.sleep(0.15)  # a few system samples
        run.finish()


def tee_rows(rank: int, world: int, root: str, logdir: str, steps: int) -> None:
    """As ``rank`` of ``world``, log into the run folder ``root/teed`` with the live TensorBoard
    tee (``tensorboard:logdir``), finish, and wait for this rank's follower."""
    import mediatypes as mt

    run = mt.init(
        dir=root,
        id="teed",
        group="shared",
        rank=rank,
        world_size=world,
        transport=f"tensorboard:{logdir}",
        **OFF,
    )
    for step in range(steps):
        run.log({"loss": rank * 100 + step})
    run.finish()
    run.transport.wait(timeout=60)
