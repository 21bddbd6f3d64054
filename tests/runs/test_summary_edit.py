"""Editing the summary of a finished run (``open_run(path).summary[...] = ...``)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("mediatypes.runs.run", reason="run layer not on this branch yet")

import mediatypes as mt
from mediatypes.errors import InvalidTypeError, RunError
from mediatypes.runs.reader import problems

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


def _finished_run(tmp_path: Path, name: str = "r") -> Path:
    with mt.init(dir=tmp_path, id=name, **OFF) as run:
        for i in range(5):
            run.log({"loss": 1 / (i + 1), "acc": i / 10})
    return tmp_path / name


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".summary.lock"
    }


def test_seeds_example_survives_reopen_and_validates(tmp_path: Path) -> None:
    root = _finished_run(tmp_path)
    history = (root / "history.jsonl").read_bytes()
    data = np.random.default_rng(0).random(1000)
    r = mt.open_run(root)
    r.summary["tensor"] = data
    r.summary.update()
    again = mt.open_run(root)
    stats = again.summary["tensor"]
    assert stats["shape"] == [1000] and stats["dtype"] == "float64"
    assert stats["min"] == data.min() and stats["max"] == data.max()
    assert stats["mean"] == pytest.approx(data.mean()) and stats["nan_count"] == 0
    np.testing.assert_array_equal(again.media("tensor"), data)  # the full tensor, from .npy
    assert again.summary["loss"] == 0.2  # the rest of the summary is kept
    assert (root / "history.jsonl").read_bytes() == history  # history untouched
    assert again.state == "finished"
    assert problems(root) == []  # schema-valid, referenced file present with its sha256


def test_update_media_tensors_nested_and_delete(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = _finished_run(tmp_path)
    r = mt.open_run(root)
    s = r.summary
    s.update({"hist": mt.Histogram(np.arange(10.0), num_bins=5), "val": {"f1": 0.5, "n": 3}})
    s["w"] = torch.ones(2, 3, dtype=torch.bfloat16, requires_grad=True)
    s["loss_scalar"] = torch.tensor(0.25, requires_grad=True)
    s["nan"] = float("nan")
    assert s.pop("acc") == 0.4
    del s["loss"]
    got = mt.open_run(root).summary
    assert got["hist"]["_type"] == "histogram" and got["hist"]["values"] == [2] * 5
    assert got["val/f1"] == 0.5 and got["val/n"] == 3
    assert got["w"]["dtype"] == "float32" and got["w"]["shape"] == [2, 3]
    assert got["loss_scalar"] == 0.25
    assert np.isnan(got["nan"])
    assert "acc" not in got and "loss" not in got
    assert dict(s) == dict(got)  # the object reflects what was written
    assert isinstance(mt.open_run(root).media("hist"), mt.Histogram)
    assert problems(root) == []


def test_bad_value_writes_nothing(tmp_path: Path) -> None:
    root = _finished_run(tmp_path)
    before = _files(root)
    with pytest.raises(InvalidTypeError, match=r"summary: `x` got"):
        mt.open_run(root).summary.update({"ok": np.ones(3), "x": object()})
    assert _files(root) == before


def test_running_run_is_refused(tmp_path: Path) -> None:
    run = mt.init(dir=tmp_path, id="live", **OFF)
    run.log({"loss": 1.0})
    run.flush()
    with pytest.raises(RunError, match="still running"):
        mt.open_run(tmp_path / "live").summary["x"] = 1
    run.finish()
    mt.open_run(tmp_path / "live").summary["x"] = 1
    assert mt.open_run(tmp_path / "live").summary["x"] == 1


def test_resume_keeps_edited_values(tmp_path: Path) -> None:
    root = _finished_run(tmp_path)
    mt.open_run(root).summary.update({"note": "edited", "arr": np.arange(4)})
    with mt.init(dir=tmp_path, id="r", resume="allow", **OFF) as run:
        run.log({"loss": 0.01})
    got = mt.open_run(root).summary
    assert got["note"] == "edited" and got["arr"]["shape"] == [4] and got["loss"] == 0.01


_READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import mediatypes as mt
    root, stop = Path(sys.argv[1]), Path(sys.argv[2])
    reads, bad, seen = 0, [], set()
    while not stop.exists() or reads < 50:
        try:
            raw = json.loads((root / "summary.json").read_bytes())  # must always parse
            s = mt.open_run(root).summary
            for doc in (raw, s):
                i = doc["i"]
                if doc["arr"]["min"] != i or doc["arr"]["max"] != i or doc["twin"] != i:
                    bad.append(f"torn at {i}: {doc['arr']['min']} {doc['twin']}")
            seen.add(i)
        except Exception as exc:
            bad.append(repr(exc))
        reads += 1
    print(json.dumps({"reads": reads, "bad": bad[:5], "nbad": len(bad), "seen": len(seen)}))
    """
)


def test_concurrent_reader_never_sees_a_half_written_summary(tmp_path: Path) -> None:
    root = _finished_run(tmp_path)
    mt.open_run(root).summary.update({"i": 0, "twin": 0, "arr": np.zeros(1000)})
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(root), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for i in range(1, 60):
            # a big summary (many keys) makes each write take long enough to overlap reads
            mt.open_run(root).summary.update(
                {"i": i, "twin": i, "arr": np.full(1000, float(i)), "pad": list(range(1000))}
            )
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    report = json.loads(out)
    assert report["nbad"] == 0, report["bad"]
    assert report["reads"] >= 50 and report["seen"] >= 2
    assert mt.open_run(root).summary["i"] == 59


def test_concurrent_editors_lose_no_update(tmp_path: Path) -> None:
    root = _finished_run(tmp_path)

    def edit(prefix: str) -> None:
        for i in range(20):
            mt.open_run(root).summary[f"{prefix}{i}"] = i

    threads = [threading.Thread(target=edit, args=(p,)) for p in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = mt.open_run(root).summary
    assert all(got[f"{p}{i}"] == i for p in "abc" for i in range(20))
    assert set(mt.open_run(root).meta["summary_explicit"]) >= {f"a{i}" for i in range(20)}


def test_define_metric_objective_is_the_seeds_name_for_goal(tmp_path: Path) -> None:
    with mt.init(dir=tmp_path, id="m", **OFF) as run:
        run.define_metric("loss", summary="best", objective="minimize")
        run.define_metric("acc", summary="best,last", objective="maximize")
        for loss, acc in ((0.5, 0.1), (0.2, 0.7), (0.4, 0.3)):
            run.log({"loss": loss, "acc": acc})
    got = mt.open_run(tmp_path / "m").summary
    assert got["loss"] == {"best": 0.2}
    assert got["acc"] == {"best": 0.7, "last": 0.3}
