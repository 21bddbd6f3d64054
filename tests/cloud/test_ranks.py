"""Several real processes, one run: plain multiprocessing and torch.distributed (gloo, CPU), on a
run folder and on S3 (moto's server). Every (rank, step) row exactly once; a SIGKILLed rank leaves
the others' rows intact and the run readable."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import warnings
from pathlib import Path
from typing import Any

import pytest

import mediatypes as mt
from mediatypes.errors import InvalidInputError
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import problems
from tests.cli.helpers import cli_json

from . import rank_worker

WORLD = 4


@pytest.fixture(params=["dir", "s3"])
def where(request: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """(the ``where`` a worker gets, what ``open_run`` takes) for a run folder or an S3 run."""
    monkeypatch.setenv("MEDIATYPES_GROUP_WAIT", "30")
    if request.param == "dir":
        return f"dir:{tmp_path}", tmp_path / "shared-run"
    bucket = request.getfixturevalue("bucket")
    url = f"s3://{bucket}/team/shared-run"
    return url, url


def _start(target: Any, args_of: Any) -> list[Any]:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=target, args=args_of(r)) for r in range(WORLD)]
    for p in procs:
        p.start()
    return procs


def _check_exactly_once(rows: list[dict[str, Any]], steps: dict[int, int]) -> None:
    seen = [(row["_rank"], row["_step"]) for row in rows]
    expected = [(r, s) for r, n in steps.items() for s in range(n)]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    # merged by (step, rank)
    assert [(s, r) for r, s in seen] == sorted((s, r) for r, s in seen)
    for row in rows:
        assert row["acc"] == row["_rank"] * 1000 + row["_step"]


def test_four_processes_log_into_one_run(where: tuple[str, Any]) -> None:
    spec, location = where
    procs = _start(rank_worker.log_rows, lambda r: (r, WORLD, spec, 150))
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    r = mt.open_run(location)
    rows = list(r.rows())
    _check_exactly_once(rows, dict.fromkeys(range(WORLD), 150))
    assert r.state == "finished"
    assert r.meta["group"] == {
        "mode": "shared",
        "world_size": WORLD,
        "finished_ranks": [0, 1, 2, 3],
        "missing_ranks": [],
    }
    assert r.summary["acc"] == {"max": 3149}  # over every rank's rows, not only rank 0's
    assert r.keys() == ["acc", "loss"]
    assert all(set(h) >= {"_rank", "_step", "loss"} for h in r.history(keys=["loss"]))
    assert problems(location) == []
    code, report = cli_json("validate", str(location))
    assert code == 0 and report["checked"]["rows"] == WORLD * 150, report
    code, info = cli_json("info", str(location))
    assert info["rank_rows"] == {str(k): 150 for k in range(WORLD)}


def test_a_killed_rank_leaves_the_others_intact(where: tuple[str, Any]) -> None:
    spec, location = where
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    procs = [
        ctx.Process(
            target=rank_worker.log_rows,
            args=(r, WORLD, spec, 100),
            kwargs={"ready": ready} if r == 2 else {},
        )
        for r in range(WORLD)
    ]
    for p in procs:
        p.start()
    assert ready.wait(60), "rank 2 never flushed"
    os.kill(procs[2].pid, signal.SIGKILL)
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, -signal.SIGKILL, 0]
    r = mt.open_run(location)
    rows = list(r.rows())
    killed = [row["_step"] for row in rows if row["_rank"] == 2]
    assert len(killed) >= 20 and killed == list(range(len(killed)))  # a committed prefix
    _check_exactly_once(rows, {0: 100, 1: 100, 2: len(killed), 3: 100})
    assert r.meta["group"]["finished_ranks"] == [0, 1, 3]
    state = mt.open_run(location).read_bytes("ranks/2.json")
    assert b'"crashed"' in state  # rank 0 saw the process gone and said so
    assert problems(location) == []


@pytest.mark.parametrize("group", ["shared", None])
def test_torch_distributed_gloo(where: tuple[str, Any], tmp_path: Path, group: Any) -> None:
    torch_mp = pytest.importorskip("torch.multiprocessing")
    spec, location = where
    spec = spec.replace("shared-run", "ddp-run")
    location = tmp_path / "ddp-run" if spec.startswith("dir:") else spec
    torch_mp.spawn(
        rank_worker.ddp_worker,
        args=(WORLD, str(tmp_path / "rendezvous"), spec, 40, group),
        nprocs=WORLD,
        join=True,
    )
    r = mt.open_run(location)
    rows = list(r.rows())
    total = sum(range(WORLD))
    if group == "shared":
        assert sorted((row["_rank"], row["_step"]) for row in rows) == [
            (k, s) for k in range(WORLD) for s in range(40)
        ]
        for row in rows:  # every rank saw the same all_reduce result
            assert row["global"] == total + WORLD * row["_step"]
            assert row["local"] == row["_rank"] + row["_step"]
        assert r.meta["group"]["finished_ranks"] == [0, 1, 2, 3]
    else:
        assert [row["_step"] for row in rows] == list(range(40))
        assert all("_rank" not in row and row["local"] == row["_step"] for row in rows)
        assert "group" not in r.meta
        assert r.files.listing("ranks") == []
    assert problems(location) == []


def test_non_zero_ranks_do_nothing_by_default(tmp_path: Path) -> None:
    with pytest.warns(RunWarning, match="rank 2 of 4"):
        run = mt.init(dir=tmp_path, rank=2, world_size=4, **rank_worker.OFF)
    assert run.disabled and mt.run is run
    run.log({"x": 1})
    mt.log({"x": 2})
    run.summary["x"] = 3
    run.define_metric("x", summary="max")
    run.finish()
    assert list(tmp_path.iterdir()) == []  # nothing written
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per process
        mt.init(dir=tmp_path, rank=1, world_size=4, **rank_worker.OFF).finish()


def test_bad_rank_settings_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInputError, match="0 <= rank < world_size"):
        mt.init(dir=tmp_path, rank=4, world_size=4)
    with pytest.raises(InvalidInputError, match="`group`"):
        mt.init(dir=tmp_path, group="all")
    monkeypatch.delenv("MEDIATYPES_RUN_ID", raising=False)
    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    with pytest.raises(InvalidInputError, match="same run id on every rank"):
        mt.init(dir=tmp_path, group="shared", rank=0, world_size=2)
    monkeypatch.setenv("RANK", "x")
    with pytest.raises(InvalidInputError, match="RANK expects an integer"):
        mt.init(dir=tmp_path)
    monkeypatch.delenv("RANK")
    with pytest.raises(InvalidInputError, match="cannot"):
        mt.init(transport="memory:", group="shared", id="m", rank=0, world_size=2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scheme", ["dir", "file"])
def test_reader_accessors_on_a_shared_run(tmp_path: Path, scheme: str) -> None:
    """Two ranks in one process (Run objects side by side): every RunReader accessor works on
    the merged run, media included."""
    import numpy as np

    from mediatypes.runs.run import Run
    from mediatypes.transports import DirectoryTransport
    from mediatypes.transports.object_store import ObjectStoreTransport

    def transport() -> Any:
        if scheme == "dir":
            return DirectoryTransport(tmp_path / "run")
        return ObjectStoreTransport(f"file://{tmp_path}/run")

    runs = [Run(transport(), id="two", rank=r, world_size=2, **rank_worker.OFF) for r in (1, 0)]
    for step in range(3):
        for run in runs:
            img = np.full((4, 4, 3), 10 * step + run._rank, np.uint8)
            run.log({"img": mt.Image(img), "v": step})
    with pytest.warns(RunWarning, match="rank 1 does not write the summary"):
        runs[0].summary["ignored"] = 1
    runs[1].summary["best"] = 2
    for run in runs:  # rank 1 first, then rank 0 (which waits for it)
        run.finish()
    r = mt.open_run(tmp_path / "run")
    assert [(row["_step"], row["_rank"]) for row in r.rows()] == [
        (s, k) for s in range(3) for k in (0, 1)
    ]
    assert r.keys() == ["img", "v"]
    assert np.asarray(r.media("img").to_pil())[0, 0, 0] == 21  # last: step 2, rank 1
    assert np.asarray(r.media("img", step=1).to_pil())[0, 0, 0] == 11
    assert r.summary["best"] == 2 and "ignored" not in r.summary
    assert r.exists("ranks/1.json") and b'"finished"' in r.read_bytes("ranks/1.json")
    assert problems(tmp_path / "run") == []
