"""init(transport="mlflow:URI"), read back by MlflowClient from a sqlite store and from a real
`mlflow server` on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import mediatypes as mt
from mediatypes.errors import TransportError
from mediatypes.runs.reader import problems

pytest.importorskip("mlflow")
pytest.importorskip("sqlalchemy")
from mlflow.tracking import MlflowClient

from mediatypes.transports.mlflow import MLflowWarning

OFF = dict(console=False, system_metrics=False, git=False, packages=False)
# MLflow's own sqlite store uses an SQLAlchemy option that SQLAlchemy 2.1 deprecates: not ours
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A sqlite tracking store with an experiment whose artifacts go to a temp folder."""
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(uri)
    client.create_experiment("proj", artifact_location=(root / "artifacts").as_uri())
    (root / "afile").write_text("a file, not a folder")
    client.create_experiment("broken", artifact_location=(root / "afile" / "sub").as_uri())
    return uri, client, root


def _artifacts(client, run_id, path=None):
    for f in client.list_artifacts(run_id, path):
        if f.is_dir:
            yield from _artifacts(client, run_id, f.path)
        else:
            yield f.path


def test_params_metrics_artifacts_summary_and_status(store, tmp_path):
    uri, client, _ = store
    config = {"lr": 0.01, "opt": {"name": "adam", "betas": [0.9, 0.99]}, "long": "x" * 7000}
    with pytest.warns(MLflowWarning, match="longer than MLflow's 6000"):
        run = mt.init(
            dir=tmp_path, id="r1", project="proj", transport=f"mlflow:{uri}", config=config, **OFF
        )
        for i in range(2500):  # three log_batch calls of at most 1000 metrics
            run.log({"loss": 1.0 / (i + 1), "ok": i % 2 == 0})
        img = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
        run.log({"img": mt.Image(img), "hist": mt.Histogram(np.arange(10.0)), "nan": float("nan"),
                 "tab": mt.Table(columns=["pic"], data=[[mt.Image(255 - img)]])})  # fmt: skip
        run.summary["best"] = 0.5
        run.finish()
    assert problems(run.dir) == []
    mrun = client.get_run(run.transport.run_id)
    assert mrun.info.status == "FINISHED" and mrun.info.run_name == "r1"
    assert mrun.data.tags["mediatypes.run_id"] == "r1"
    params = mrun.data.params
    assert (
        params["lr"] == "0.01"
        and params["opt/name"] == "adam"
        and params["opt/betas"] == "[0.9, 0.99]"
    )
    assert len(params["long"]) == 6000 and params["long"].endswith("…")
    rows = [r for r in mt.open_run(run.dir).rows() if "loss" in r]
    history = client.get_metric_history(mrun.info.run_id, "loss")
    assert [(m.step, m.timestamp, m.value) for m in history] == [
        (r["_step"], int(r["_timestamp"] * 1000), r["loss"]) for r in rows
    ]
    assert [m.value for m in client.get_metric_history(mrun.info.run_id, "ok")][:3] == [
        1.0,
        0.0,
        1.0,
    ]
    assert mrun.data.metrics["best"] == 0.5  # summary-only numbers become a final metric
    assert json.loads(mrun.data.tags["summary/loss"]) == rows[-1]["loss"]
    paths = set(_artifacts(client, mrun.info.run_id))
    manifest = mt.open_run(run.dir).history(keys=["img"])[0]["img"]
    assert {manifest["path"], "media/img_step2500.manifest.json", "media/hist_step2500.manifest.json",
            "run.json", "summary.json"} <= paths  # fmt: skip
    table = mt.open_run(run.dir).history(keys=["tab"])[0]["tab"]
    cell = json.loads(mt.open_run(run.dir).read_bytes(table["path"]))["data"][0][0]
    assert {table["path"], cell["path"]} <= paths  # a table's media cells are uploaded too
    local = Path(
        client.download_artifacts(mrun.info.run_id, manifest["path"], str(tmp_path / "dl"))
    )
    assert local.read_bytes() == mt.open_run(run.dir).read_bytes(manifest["path"])
    beside = client.download_artifacts(
        mrun.info.run_id, "media/img_step2500.manifest.json", str(tmp_path / "dl")
    )
    assert json.loads(Path(beside).read_text()) == manifest


@pytest.mark.parametrize(("code", "status"), [(1, "FAILED"), (130, "KILLED")])
def test_exit_status_becomes_the_run_status(store, tmp_path, code, status):
    uri, client, _ = store
    run = mt.init(dir=tmp_path, id=f"s{code}", project="proj", transport=f"mlflow:{uri}", **OFF)
    run.log({"x": 1})
    run.finish(exit_code=code)
    assert client.get_run(run.transport.run_id).info.status == status


def test_resume_continues_the_same_mlflow_run(store, tmp_path):
    uri, client, _ = store
    for i in range(2):
        changed = pytest.warns(MLflowWarning, match="changed after it was logged")
        with changed if i else contextlib.nullcontext():
            run = mt.init(
                dir=tmp_path, id="res", project="proj", transport=f"mlflow:{uri}", resume="allow",
                config={"lr": 0.1 * (i + 1), f"new{i}": i}, **OFF,
            )  # fmt: skip
            run.log({"x": float(i)})
            run.finish()
    assert [m.step for m in client.get_metric_history(run.transport.run_id, "x")] == [0, 1]
    params = client.get_run(run.transport.run_id).data.params
    assert params == {"lr": "0.1", "new0": "0", "new1": "1"}  # the first lr stays, new keys come


def test_failing_artifact_upload_is_raised_at_finish_and_the_run_directory_survives(
    store, tmp_path
):
    uri, _, _ = store
    run = mt.init(dir=tmp_path, id="art", project="broken", transport=f"mlflow:{uri}", **OFF)
    with pytest.warns(MLflowWarning, match="failed"):
        run.log({"img": mt.Image(np.zeros((4, 4, 3), np.uint8))})
        for i in range(10):
            run.log({"x": float(i)})
        with pytest.raises(
            TransportError, match=r"MLflow at .*failed: .*run directory .* is complete"
        ):
            run.finish()
    assert problems(run.dir) == []
    assert [r["x"] for r in mt.open_run(run.dir).rows() if "x" in r] == [
        float(i) for i in range(10)
    ]
    assert mt.open_run(run.dir).state == "finished"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_fails_init_promptly(tmp_path):
    uri = f"http://127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    with pytest.raises(TransportError, match=f"cannot reach the MLflow tracking server '{uri}'"):
        mt.init(dir=tmp_path, id="u", transport=f"mlflow:{uri}", **OFF)
    assert time.monotonic() - t0 < 10
    assert not (tmp_path / "u").exists()  # nothing was written


def test_real_mlflow_server(tmp_path):
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--artifacts-destination", str(tmp_path / "server-artifacts")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (
                server.stderr.read().decode()[-2000:] if server.stderr else ""
            )
            assert time.monotonic() < deadline, "mlflow server did not start"
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{uri}/health", timeout=2):
                break
            time.sleep(0.5)
        run = mt.init(
            dir=tmp_path,
            id="srv",
            project="served",
            transport=f"mlflow:{uri}",
            config={"lr": 0.1},
            **OFF,
        )
        for i in range(1200):
            run.log({"loss": 1.0 / (i + 1)})
        run.log({"img": mt.Image(np.full((4, 4, 3), 7, np.uint8))})
        run.finish()
        client = MlflowClient(uri)
        mrun = client.get_run(run.transport.run_id)
        assert mrun.info.status == "FINISHED" and mrun.data.params == {"lr": "0.1"}
        assert len(client.get_metric_history(mrun.info.run_id, "loss")) == 1200
        manifest = mt.open_run(run.dir).history(keys=["img"])[0]["img"]
        got = client.download_artifacts(mrun.info.run_id, manifest["path"], str(tmp_path / "dl"))
        assert Path(got).read_bytes() == mt.open_run(run.dir).read_bytes(manifest["path"])

        # the server goes away mid-run: finish() raises, the run directory has everything
        run = mt.init(dir=tmp_path, id="gone", project="served", transport=f"mlflow:{uri}", **OFF)
        run.log({"x": 1.0})
        run.flush()
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
        with pytest.warns(MLflowWarning, match="failed"):
            for i in range(2, 5):
                run.log({"x": float(i)})
            with pytest.raises(TransportError, match="MLflow"):
                run.finish()
        assert [r["x"] for r in mt.open_run(run.dir).rows()] == [1.0, 2.0, 3.0, 4.0]
        assert problems(run.dir) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
