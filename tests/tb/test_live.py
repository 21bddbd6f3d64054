"""init(transport="tensorboard:LOGDIR"): the run directory as usual plus a live event file, and a
real `tensorboard` server reading it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest

import mediatypes as mt
from mediatypes.errors import TransportError
from mediatypes.runs.reader import problems
from mediatypes.tensorboard.events import TensorBoardWarning, event_files, read_events

from .helpers import OFF, accumulate, make_rich_run, plugin, values

REPO = Path(__file__).resolve().parents[2]


def test_tee_writes_the_run_directory_and_the_event_file(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = make_rich_run(tmp_path / "runs", transport=f"tensorboard:{tmp_path / 'tb'}")
    run.transport.wait(timeout=60)
    assert run.dir == tmp_path / "runs" / "rich"  # dir= and the tee's canonical folder agree
    assert problems(run.dir) == []
    skipped = [str(w.message) for w in caught if issubclass(w.category, TensorBoardWarning)]
    assert len(skipped) == 1 and "`page` is a html-file" in skipped[0]
    acc = accumulate(tmp_path / "tb" / "rich")
    rows = list(mt.open_run(run.dir).rows())
    ours = [
        (r["_step"], r["_timestamp"], float(np.float32(r["loss"]))) for r in rows if "loss" in r
    ][:-1]  # the late row is left out (see test_export)
    assert [(s, w, float(v)) for s, w, v in values(acc, "loss")] == ours
    for tag, kind in [("img", "images"), ("aud", "audio"), ("hist", "histograms"), ("tab", "text"),
                      ("pr/pos", "pr_curves"), ("pc_VERTEX", "mesh"), ("vid", "images")]:  # fmt: skip
        assert plugin(acc, tag) == kind
    assert "page" in run.transport.follower_log()  # the follower reports it too


def test_resume_appends_only_the_new_rows(tmp_path):
    tb = f"tensorboard:{tmp_path / 'tb'}"
    run = mt.init(dir=tmp_path, id="r", transport=tb, **OFF)
    for i in range(5):
        run.log({"x": float(i)})
    run.finish()
    run.transport.wait(timeout=60)
    run = mt.init(dir=tmp_path, id="r", transport=tb, resume="allow", **OFF)
    for i in range(5, 8):
        run.log({"x": float(i)})
    run.finish()
    run.transport.wait(timeout=60)
    assert len(event_files(tmp_path / "tb" / "r")) == 2
    got = values(accumulate(tmp_path / "tb" / "r"), "x")
    assert [(s, float(v)) for s, _, v in got] == [(i, float(i)) for i in range(8)]


def test_follower_completes_the_file_after_the_process_is_killed(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time, mediatypes as mt
        run = mt.init(dir={str(tmp_path)!r}, id="k", transport="tensorboard:{tmp_path / "tb"}",
                      console=False, system_metrics=False, git=False, packages=False)
        for i in range(100):
            run.log({{"x": i * 0.5}})
        run.flush()
        while run.transport.process is None:  # the follower starts one second into the run
            time.sleep(0.05)
        print("ready", flush=True)
        sys.stdin.read()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env)  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
    finally:
        child.kill()
        child.wait(10)
    from tensorboard.plugins.hparams import metadata as hp

    deadline = time.monotonic() + 60
    tags: list[str] = []
    while time.monotonic() < deadline and hp.SESSION_END_INFO_TAG not in tags:
        time.sleep(0.2)
        files = event_files(tmp_path / "tb" / "k")
        tags = [v.tag for f in files for e in read_events(f) for v in e.summary.value]
    assert hp.SESSION_END_INFO_TAG in tags
    acc = accumulate(tmp_path / "tb" / "k")
    assert [float(v) for _, _, v in values(acc, "x")] == [i * 0.5 for i in range(100)]
    end = hp.parse_session_end_info_plugin_data(
        acc.SummaryMetadata(hp.SESSION_END_INFO_TAG).plugin_data.content
    )
    assert end.status == 2  # STATUS_FAILURE: the run was killed


def test_unusable_logdir_is_a_transport_error_before_anything_is_written(tmp_path):
    (tmp_path / "tbfile").write_text("not a folder")
    with pytest.raises(TransportError, match="TensorBoard folder"):
        mt.init(
            dir=tmp_path / "runs", id="x", transport=f"tensorboard:{tmp_path / 'tbfile'}", **OFF
        )
    assert not (tmp_path / "runs" / "x" / "history.jsonl").exists()


def test_wait_reports_a_failed_follower(tmp_path):
    run = mt.init(dir=tmp_path, id="f", transport=f"tensorboard:{tmp_path / 'tb'}", **OFF)
    run.log({"x": 1.0})
    while run.transport.process is None:  # started one second into the run
        time.sleep(0.05)
    os.kill(run.transport.process.pid, signal.SIGKILL)
    run.finish()
    with pytest.raises(TransportError, match=r"follower failed.*mediatypes export tensorboard"):
        run.transport.wait(timeout=30)
    assert next(iter(mt.open_run(run.dir).rows()))["x"] == 1.0  # the run directory is intact


# ---- a real TensorBoard server -------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, body: dict | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_real_tensorboard_server_lists_every_plugin(tmp_path):
    with pytest.warns(TensorBoardWarning, match="`page` is a html-file"):
        run = make_rich_run(tmp_path / "runs", transport=f"tensorboard:{tmp_path / 'tb'}")
    run.transport.wait(timeout=60)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path / "tb"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        scalars: dict = {}
        while time.monotonic() < deadline and "rich" not in scalars:
            time.sleep(0.5)
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                scalars = _get(port, "/data/plugin/scalars/tags")  # type: ignore[assignment]
            except OSError:
                continue
        assert set(scalars["rich"]) == {"loss", "acc", "big", "flag", "nan", "inf"}
        listing = _get(port, "/data/plugins_listing")
        for name in (
            "scalars",
            "images",
            "audio",
            "histograms",
            "text",
            "pr_curves",
            "mesh",
            "hparams",
        ):
            assert listing[name]["enabled"], name
        assert set(_get(port, "/data/plugin/images/tags")["rich"]) == {
            "img",
            "img/mask/pred",
            "img/boxes/gt",
            "imgs",
            "vid",
            "pr",
        }
        assert _get(port, "/data/plugin/images/tags")["rich"]["imgs"]["samples"] == 2
        assert set(_get(port, "/data/plugin/audio/tags")["rich"]) == {"aud"}
        assert set(_get(port, "/data/plugin/histograms/tags")["rich"]) == {"hist"}
        assert set(_get(port, "/data/plugin/text/tags")["rich"]) == {"note", "tab", "pr/spec"}
        assert set(_get(port, "/data/plugin/pr_curves/tags")["rich"]) == {"pr/neg", "pr/pos"}
        assert set(_get(port, "/data/plugin/mesh/tags")["rich"]) == {"pc"}
        loss = _get(port, "/data/plugin/scalars/scalars?run=rich&tag=loss")
        rows = [r for r in mt.open_run(run.dir).rows() if "loss" in r][:-1]  # not the late row
        assert [(s, w, v) for w, s, v in loss] == [
            (r["_step"], r["_timestamp"], float(np.float32(r["loss"]))) for r in rows
        ]
        hist = _get(port, "/data/plugin/histograms/histograms?run=rich&tag=hist")
        m = mt.open_run(run.dir).history(keys=["hist"])[0]["hist"]
        assert [b[2] for b in hist[0][2]] == m["values"] and [b[0] for b in hist[0][2]] == m[
            "bins"
        ][:-1]
        exp = _get(port, "/data/plugin/hparams/experiment", {"experimentName": ""})
        names = {h["name"] for h in exp["hparamInfos"]}
        assert {"lr", "epochs", "opt/name", "opt/betas", "amp"} <= names
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # the data server TensorBoard started, if left


def test_tee_follows_system_metrics_too(tmp_path):
    run = mt.init(dir=tmp_path, id="s", transport=f"tensorboard:{tmp_path / 'tb'}",
                  console=False, git=False, packages=False, system_interval=0.05)  # fmt: skip
    for i in range(5):
        run.log({"x": float(i)})
        time.sleep(0.06)
    run.finish()
    run.transport.wait(timeout=60)
    samples = [
        json.loads(x) for x in mt.open_run(run.dir).read_bytes("files/system.jsonl").splitlines()
    ]
    got = values(accumulate(tmp_path / "tb" / "s"), "system/memory_percent")
    assert [(s, w) for s, w, _ in got] == [(i, x["_timestamp"]) for i, x in enumerate(samples)]
