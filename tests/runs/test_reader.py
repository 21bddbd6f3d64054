"""open_run, history(keys, samples), partial lines, recover, resume, capture."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import mediatypes as mt
from mediatypes import _json, open_run
from mediatypes.errors import MediaFileNotFoundError, RunError, UnsafePathError
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import live_writer, problems, recover

from .helpers import OFF, Png, dir_run

ROOT = Path(__file__).resolve().parents[2]


def _make(path: Path, n: int = 100) -> None:
    run = dir_run(path, config={"lr": 0.01})
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch", hidden=True)
    for i in range(n):
        row = {"loss": 1.0 / (i + 1)}
        if i % 10 == 0:
            row.update({"epoch": i // 10, "val/acc": i / n})
        run.log(row)
    run.finish()


def test_history_keys_and_samples(tmp_path: Path) -> None:
    _make(tmp_path / "r")
    r = open_run(tmp_path / "r")
    assert r.config == {"lr": 0.01} and r.state == "finished"
    rows = r.history()
    assert len(rows) == 100 and [x["_step"] for x in rows] == list(range(100))
    assert "val/acc" not in rows[0]  # hidden from the default listing
    val = r.history(keys=["val/acc"])
    assert [x["_step"] for x in val] == list(range(0, 100, 10))
    assert set(val[3]) == {"_step", "_timestamp", "_runtime", "val/acc", "epoch"}
    assert r.keys() == ["loss", "epoch"] and "val/acc" in r.keys(hidden=True)
    a = r.history(keys=["loss"], samples=7)
    assert [x["_step"] for x in a] == [0, 17, 33, 50, 66, 83, 99]  # i*99/6 rounded half up
    assert a == r.history(keys=["loss"], samples=7)  # deterministic
    assert len(r.history(samples=1000)) == 100
    assert r.summary["loss"] == 0.01


def test_history_never_touches_media(tmp_path: Path, png_type: None) -> None:
    run = dir_run(tmp_path / "r")
    for i in range(5):
        run.log({"img": Png(np.full((4, 4, 3), i, np.uint8)), "i": i})
    run.finish()
    for f in (tmp_path / "r" / "media").rglob("*.png"):
        f.chmod(0)  # unreadable: any attempt to open it would fail
    try:
        rows = open_run(tmp_path / "r").history(keys=["i"])
        assert [x["i"] for x in rows] == list(range(5))
        assert open_run(tmp_path / "r").history()[2]["img"]["_type"] == "test-png"
    finally:
        for f in (tmp_path / "r" / "media").rglob("*.png"):
            f.chmod(0o644)


def test_partial_last_line_skipped_with_warning_then_recovered(tmp_path: Path) -> None:
    _make(tmp_path / "r", n=10)
    hist = tmp_path / "r" / "history.jsonl"
    meta = _json.loads((tmp_path / "r" / "run.json").read_bytes())
    meta.update(state="running", pid=2**22 + 12345, finished_at=None)  # a dead writer
    (tmp_path / "r" / "run.json").write_bytes(_json.dumps(meta))
    (tmp_path / "r" / "summary.json").unlink()
    with hist.open("ab") as fh:
        fh.write(b'{"loss": 0.5, "_st')
    (tmp_path / "r" / "media").mkdir()
    (tmp_path / "r" / "media" / ".tmp-abc.part").write_bytes(b"half")
    r = open_run(tmp_path / "r")
    with pytest.warns(RunWarning, match="incomplete"):
        assert len(r.history()) == 10
    assert r.summary["loss"] == 0.1  # rebuilt from history while summary.json is missing
    report = recover(tmp_path / "r")
    assert report["recovered"] and report["partial_bytes_dropped"] == len(b'{"loss": 0.5, "_st')
    assert report["temp_files_removed"] == 1
    r = open_run(tmp_path / "r")
    assert r.state == "crashed" and len(r.history()) == 10
    assert r.summary["loss"] == 0.1 and r.summary["_step"] == 9
    assert problems(tmp_path / "r") == []
    assert recover(tmp_path / "r")["recovered"] is False  # idempotent


def test_recover_refuses_a_live_writer(tmp_path: Path) -> None:
    run = dir_run(tmp_path / "r")
    run.log({"a": 1})
    meta = _json.loads((tmp_path / "r" / "run.json").read_bytes())
    meta["pid"] = os.getppid()  # alive, and not us
    (tmp_path / "r" / "run.json").write_bytes(_json.dumps(meta))
    with pytest.raises(RunError, match="still writing"):
        recover(tmp_path / "r")
    run.finish()
    (tmp_path / "r" / "run.json").write_bytes(_json.dumps(meta))  # "running", by a live process
    with pytest.raises(RunError, match="still being written by process"):
        mt.init(dir=tmp_path, id="r", resume="allow", **OFF)
    assert live_writer(meta) == os.getppid()
    assert live_writer({**meta, "pid": 2**22 + 7}) is None  # above Linux's pid_max: no process
    assert live_writer({**meta, "pid": os.getpid()}) is None  # this process is not "another"
    assert live_writer({**meta, "state": "finished"}) is None


def test_open_run_needs_a_run(tmp_path: Path) -> None:
    with pytest.raises(MediaFileNotFoundError, match=r"run\.json"):
        open_run(tmp_path)
    with pytest.raises(KeyError):
        _make(tmp_path / "r", 3)
        open_run(tmp_path / "r").media("loss")


def test_resume(tmp_path: Path) -> None:
    run = mt.init(dir=tmp_path, id="res", config={"a": 1}, **OFF)
    run.define_metric("loss", summary="min")
    run.log({"loss": 0.5})
    run.log({"loss": 0.2})
    run.summary["note"] = "first"
    run.finish()
    with pytest.raises(RunError, match="already exists"):
        mt.init(dir=tmp_path, id="res", **OFF)
    with pytest.raises(RunError, match="no run exists"):
        mt.init(dir=tmp_path, id="other", resume="must", **OFF)
    run = mt.init(dir=tmp_path, id="res", resume="allow", config={"b": 2}, **OFF)
    assert run.step == 2 and run.summary["loss"] == {"min": 0.2} and run.summary["note"] == "first"
    run.log({"loss": 0.7})
    run.finish()
    r = open_run(tmp_path / "res")
    assert [x["_step"] for x in r.history()] == [0, 1, 2]
    assert r.config == {"a": 1, "b": 2} and r.meta["resumed"] == 1
    assert r.summary["loss"] == {"min": 0.2} and r.summary["note"] == "first"
    assert problems(tmp_path / "res") == []


def test_capture_parts(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        import mediatypes as mt
        run = mt.init(dir={str(tmp_path)!r}, id="cap", system_interval=0.05)
        print("hello from stdout")
        print("hello from stderr", file=sys.stderr)
        run.log({{"a": 1}})
        time.sleep(0.3)
        run.finish()
        print("after finish")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, capture_output=True)
    root = tmp_path / "cap"
    log = (root / "files" / "output.log").read_text()
    assert "hello from stdout" in log and "hello from stderr" in log and "after finish" not in log
    meta = _json.loads((root / "run.json").read_bytes())
    assert meta["git"]["commit"] and len(meta["git"]["commit"]) == 40
    assert meta["command"]["python"] == ".".join(map(str, sys.version_info[:3]))
    reqs = (root / "files" / "requirements.txt").read_text()
    assert "numpy==" in reqs
    samples = [_json.loads(x) for x in (root / "files" / "system.jsonl").read_bytes().splitlines()]
    assert len(samples) >= 2 and all("cpu_percent" in s and "memory_percent" in s for s in samples)
    assert problems(root) == []


def test_capture_switched_off(tmp_path: Path) -> None:
    run = mt.init(dir=tmp_path, id="off", command=False, **OFF)
    print("not captured")
    run.finish()
    assert not (tmp_path / "off" / "files").exists()
    meta = _json.loads((tmp_path / "off" / "run.json").read_bytes())
    assert meta["git"] is None and meta["command"] is None


def test_uncaught_exception_and_atexit_finish_the_run(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import mediatypes as mt
        mt.init(dir={str(tmp_path)!r}, id=sys.argv[1], console=False, git=False,
                packages=False, system_metrics=False)
        mt.log({{"a": 1}})
        mt.log({{"b": 2}}, commit=False)
        if sys.argv[1] == "boom":
            raise RuntimeError("boom")
        """
    )
    for rid, rc, state in (("boom", 1, "failed"), ("clean", 0, "finished")):
        out = subprocess.run([sys.executable, "-c", code, rid], cwd=ROOT, capture_output=True)
        assert out.returncode == rc, out.stderr
        r = open_run(tmp_path / rid)
        assert r.state == state and r.meta["exit_code"] == rc
        assert [x.get("b") for x in r.history()] == [None, 2]


@pytest.mark.parametrize(
    ("ending", "rc"),
    [
        ("sys.exit(3)", 3),
        ("sys.exit(0)", 0),
        ("sys.exit()", 0),
        ("sys.exit('bad config')", 1),
        ("with run: sys.exit(0)", 0),
        ("with run: raise SystemExit(4)", 4),
        ("with run: raise KeyError('k')", 1),
    ],
)
def test_exit_status_is_recorded(tmp_path: Path, ending: str, rc: int) -> None:
    code = (
        textwrap.dedent(
            f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import mediatypes as mt
        run = mt.init(dir={str(tmp_path)!r}, id="r", console=False, git=False,
                      packages=False, system_metrics=False)
        mt.log({{"a": 1}})
        """
        )
        + ending
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert out.returncode == rc, out.stderr
    r = open_run(tmp_path / "r")
    assert r.meta["exit_code"] == rc
    assert r.state == ("finished" if rc == 0 else "failed")
    assert [x["a"] for x in r.history()] == [1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_exiting_does_not_finish_the_parents_run(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import json, os, sys
        sys.path.insert(0, {str(ROOT)!r})
        import mediatypes as mt
        run = mt.init(dir={str(tmp_path)!r}, id="r", console=False, git=False,
                      packages=False, system_metrics=False)
        mt.log({{"a": 1}})
        pid = os.fork()
        if pid == 0:
            sys.exit(5)  # the child ends through the interpreter's normal exit (atexit runs)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 5
        meta = json.load(open(os.path.join({str(tmp_path)!r}, "r", "run.json")))
        assert meta["state"] == "running" and meta["exit_code"] is None, meta
        mt.log({{"a": 2}})
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert out.returncode == 0, out.stderr
    r = open_run(tmp_path / "r")
    assert r.state == "finished" and r.meta["exit_code"] == 0
    assert [x["a"] for x in r.history()] == [1, 2]


def test_system_sample_without_psutil(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediatypes.runs.capture import installed_packages, sample_system

    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil -> ImportError: use /proc
    prev: list = []
    first = sample_system(prev)
    second = sample_system(prev)
    assert 0 <= first["memory_percent"] <= 100 and "cpu_percent" not in first
    assert 0 <= second["cpu_percent"] <= 100 and 0 <= second["disk_percent"] <= 100
    pkgs = installed_packages()
    names = [p.split("==")[0] for p in pkgs]
    assert names == sorted(names) and any(p.startswith("numpy==") for p in pkgs)


def test_recover_keeps_a_complete_row_missing_only_its_newline(tmp_path: Path) -> None:
    _make(tmp_path / "r", n=3)
    meta = _json.loads((tmp_path / "r" / "run.json").read_bytes())
    meta.update(state="running", pid=2**22 + 12345)
    (tmp_path / "r" / "run.json").write_bytes(_json.dumps(meta))
    with (tmp_path / "r" / "history.jsonl").open("ab") as fh:
        fh.write(b'{"_step": 3, "_timestamp": 1.0, "_runtime": 0.5, "loss": 0.01}')
    assert len(open_run(tmp_path / "r").history()) == 4
    report = recover(tmp_path / "r")
    assert report["partial_bytes_dropped"] == 0
    assert (tmp_path / "r" / "history.jsonl").read_bytes().endswith(b"0.01}\n")
    assert open_run(tmp_path / "r").summary["loss"] == 0.01
    assert problems(tmp_path / "r") == []


def test_read_bytes_reads_inside_the_run_only(tmp_path: Path) -> None:
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        run.log({"img": mt.Image(np.zeros((4, 4, 3), np.uint8))})
    r = open_run(tmp_path / "r")
    rel = r.history(keys=["img"])[0]["img"]["path"]
    assert r.read_bytes(rel) == (tmp_path / "r" / rel).read_bytes()
    assert r.exists(rel) and r.exists("run.json") and not r.exists("media")
    (tmp_path / "secret.txt").write_text("x")
    with pytest.raises(UnsafePathError):
        r.read_bytes("../secret.txt")
    assert not r.exists("../secret.txt")
    with pytest.raises(MediaFileNotFoundError, match=r"no file 'media/nope\.png'"):
        r.read_bytes("media/nope.png")
