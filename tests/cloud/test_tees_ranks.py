"""The TensorBoard and MLflow tees with several processes: with group="shared" each rank's live
follower writes a TensorBoard run of its own (what `export` writes too); MLflow refuses the
combination; by default a rank above 0 gets a run that starts no follower and never contacts
MLflow."""

from __future__ import annotations

import multiprocessing as mp
import socket
import time
import warnings
from pathlib import Path

import pytest

import mediatypes as mt
from mediatypes.errors import InvalidInputError
from mediatypes.runs.history import RunWarning
from mediatypes.runs.ranks import DisabledRun
from mediatypes.runs.reader import problems

from . import rank_worker

WORLD = 3
STEPS = 25


def test_live_tensorboard_tee_writes_one_run_per_rank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helpers = pytest.importorskip("tests.tb.helpers")
    from tensorboard.plugins.hparams import metadata as hp

    from mediatypes.tensorboard.events import event_files

    monkeypatch.setenv("MEDIATYPES_GROUP_WAIT", "60")
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(
            target=rank_worker.tee_rows,
            args=(r, WORLD, str(tmp_path / "runs"), str(tmp_path / "tb"), STEPS),
        )
        for r in range(WORLD)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * WORLD
    run_dir = tmp_path / "runs" / "teed"
    assert problems(run_dir) == []
    assert sorted(p.name for p in (tmp_path / "tb" / "teed").iterdir()) == [
        f"rank-{r}" for r in range(WORLD)
    ]
    for r in range(WORLD):
        folder = tmp_path / "tb" / "teed" / f"rank-{r}"
        assert len(event_files(folder)) == 1
        acc = helpers.accumulate(folder)
        got = [(s, float(v)) for s, _, v in helpers.values(acc, "loss")]
        assert got == [(s, float(r * 100 + s)) for s in range(STEPS)], r  # each (rank, step) once
        assert "_rank" not in acc.Tags()["tensors"]
        end = hp.parse_session_end_info_plugin_data(
            acc.SummaryMetadata(hp.SESSION_END_INFO_TAG).plugin_data.content
        )
        assert end.status == 1  # STATUS_SUCCESS: this rank's own state ("finished")
    # export writes the same layout and values from the run folder
    from mediatypes.tensorboard.export import export_run

    report = export_run(run_dir, tmp_path / "exported")
    for r in range(WORLD):
        live = helpers.values(helpers.accumulate(tmp_path / "tb" / "teed" / f"rank-{r}"), "loss")
        again = helpers.values(helpers.accumulate(Path(report["ranks"][str(r)]).parent), "loss")
        assert [(s, w, float(v)) for s, w, v in live] == [(s, w, float(v)) for s, w, v in again]


def test_mlflow_tee_refuses_group_shared(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as err:
        mt.init(
            dir=tmp_path,
            id="x",
            group="shared",
            rank=0,
            world_size=2,
            transport="mlflow:sqlite:///" + str(tmp_path / "m.db"),
            **rank_worker.OFF,
        )
    message = str(err.value)
    assert "'mlflow:'" in message and "group='shared'" in message
    assert "default group" in message and "export tensorboard" in message
    assert not list(tmp_path.iterdir())  # nothing written


def test_tees_on_ranks_above_0_start_nothing_by_default(tmp_path: Path) -> None:
    """A listening socket stands in for the MLflow server: it must never see a connection."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        port = server.getsockname()[1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunWarning)  # "only rank 0 logs by default"
            for transport in (f"tensorboard:{tmp_path / 'tb'}", f"mlflow:http://127.0.0.1:{port}"):
                run = mt.init(
                    dir=tmp_path / "runs",
                    rank=1,
                    world_size=2,
                    transport=transport,
                    **rank_worker.OFF,
                )
                assert isinstance(run, DisabledRun) and run.transport is None
                run.log({"loss": 1.0})
                run.finish()
        time.sleep(0.2)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
    assert not list(tmp_path.iterdir())  # no run folder, no TensorBoard folder, no follower
