"""Faults on S3 (moto's real server): the server paused or stopped mid-run, a process killed
between segments. Committed segments stay readable, errors are clear ``TransportError``s, no row
is lost or duplicated, nothing is corrupted. Single failing requests (segments, media, summary,
run.json) through a fault-injecting proxy: ``test_s3_proxy.py``."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import mediatypes as mt
from mediatypes import _json
from mediatypes.errors import TransportError
from mediatypes.runs.reader import iter_rows, problems, recover
from mediatypes.transports.object_store import ObjectStoreTransport
from tests.cli.helpers import REPO, cli_json
from tests.runs.helpers import OFF

from .conftest import FAST_FAIL, MotoServer


def _transport(server: MotoServer, name: str, **kwargs: Any) -> ObjectStoreTransport:
    options = {**FAST_FAIL, "endpoint_url": server.endpoint, "skip_instance_cache": True}
    kwargs = {"retries": 0, "backoff": 0.05, "cooldown": 0.2, "timeout": 2.0, **kwargs}
    return ObjectStoreTransport(f"s3://test/{name}", storage_options=options, **kwargs)


def _steps(rows: Any) -> list[int]:
    return [row["_step"] for row in rows]


def _spill_dir(message: str) -> Path:
    """The spill folder the message names (a copy of what was not stored)."""
    word = next(w for w in message.split() if "/spill/" in w)
    return Path(word.rstrip(".,;`"))


def _spilled_steps(spill: Path) -> list[int]:
    steps: list[int] = []
    for seg in sorted((spill / "history" / "0").glob("*.jsonl")):
        steps += _steps(iter_rows(seg.read_bytes()))
    return steps


def test_a_paused_server_delays_rows_and_loses_none(fault_s3: MotoServer, tmp_path: Path) -> None:
    tr = _transport(fault_s3, "paused", segment_rows=20, segment_seconds=0.05)
    run = mt.init(transport=tr, **OFF)
    for i in range(40):
        run.log({"x": i})
    run.flush()  # two segments committed
    fault_s3.signal(signal.SIGSTOP)
    t0 = time.monotonic()
    for i in range(40, 1040):  # log() never waits for the network
        run.log({"x": i})
    assert time.monotonic() - t0 < 1.0
    with pytest.raises(TransportError) as info:  # the forced segment write fails
        run.flush()
    text = str(info.value)
    assert "s3://test/paused/history/0/00000002.jsonl" in text, text
    assert "no answer within 2 s" in text, text
    spill = _spill_dir(text)
    assert spill == tmp_path / "spill" / "s3" / "test" / "paused"
    spilled = _spilled_steps(spill)
    assert spilled == list(range(40, 1040))  # every row not stored yet has a local copy
    fault_s3.signal(signal.SIGCONT)
    for i in range(1040, 1100):
        try:
            run.log({"x": i})
        except TransportError:  # a failure of the background thread, reported once
            run.log({"x": i})
    run.finish()
    r = mt.open_run(tr.files)
    assert _steps(r.rows()) == list(range(1100)) and [row["x"] for row in r.rows()] == list(
        range(1100)
    )
    assert r.state == "finished" and problems(tr.files) == []
    assert _spilled_steps(spill) == []  # each copy goes once its object is stored


def test_a_stopped_server_raises_at_log_and_finish_and_keeps_the_rows(
    fault_s3: MotoServer,
) -> None:
    tr = _transport(fault_s3, "stopped", segment_rows=10, segment_seconds=0.02)
    run = mt.init(transport=tr, **OFF)
    for i in range(30):
        run.log({"x": i})
    run.flush()
    committed = _steps(mt.open_run(tr.files).rows())
    assert committed == list(range(30))
    fault_s3.stop()
    raised: TransportError | None = None
    deadline = time.monotonic() + 30
    i = 30
    while raised is None and time.monotonic() < deadline:
        try:
            run.log({"x": i})
            i += 1
        except TransportError as exc:  # the background segment write failed
            raised = exc
        time.sleep(0.002)
    assert raised is not None, "no TransportError at log() after the server stopped"
    assert "s3://test/stopped/" in str(raised) and "Could not connect" in str(raised)
    with pytest.raises(TransportError) as info:
        run.finish()
    text = str(info.value)
    assert "s3://test/stopped/" in text and "Could not connect" in text
    # nothing lost: every row the store did not take is in the local copy, exactly once
    spill = _spill_dir(text)
    assert committed + _spilled_steps(spill) == list(range(i))
    meta = _json.loads((spill / "run.json").read_bytes())  # the final state is there too
    assert meta["state"] == "finished"


def test_a_process_killed_between_segments_leaves_a_readable_recoverable_run(
    bucket: str, tmp_path: Path
) -> None:
    url = f"s3://{bucket}/killed"
    code = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
import mediatypes as mt
from mediatypes.transports.object_store import ObjectStoreTransport
tr = ObjectStoreTransport({url!r}, segment_rows=25, segment_seconds=3600)
run = mt.init(transport=tr, console=False, system_metrics=False, git=False, packages=False)
run.define_metric("loss", summary="min")
i = 0
while True:
    run.log({{"loss": 1 / (i + 1), "i": i}})
    i += 1
    if i % 25 == 0:
        run.flush()
        print(i, flush=True)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout is not None
    while int(proc.stdout.readline() or 0) < 100:
        assert proc.poll() is None, "the logging child died"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    r = mt.open_run(url)
    assert r.state == "running"
    steps = _steps(r.rows())
    assert len(steps) >= 100 and len(steps) % 25 == 0 and steps == list(range(len(steps)))
    assert problems(url) == []
    before = {rel: r.read_bytes(rel) for rel in r.files.listing("history")}
    report = recover(url)
    assert report["recovered"] and report["state"] == "crashed"
    after = mt.open_run(url)
    assert after.state == "crashed" and after.summary["loss"] == {"min": 1 / len(steps)}
    assert {rel: after.read_bytes(rel) for rel in after.files.listing("history")} == before
    code_, report = cli_json("validate", url)
    assert code_ == 0 and report["checked"]["rows"] == len(steps), report
