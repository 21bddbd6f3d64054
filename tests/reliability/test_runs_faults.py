"""The run layer under faults: transports that raise, a full disk, a read-only folder, SIGKILL
and SIGTERM while logging media and summary values. What was committed stays readable, errors
surface as TransportError, and ``finish()`` always completes."""

from __future__ import annotations

import hashlib
import signal
import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mediatypes.errors import MediaError, RunError, TransportError
from tests.runs.helpers import signal_logging_child

from ._util import REPO, time_limit

pytest.importorskip("mediatypes.runs")
pytest.importorskip("mediatypes.transports")

import mediatypes as mt
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import problems, recover
from mediatypes.transports.memory import MemoryTransport

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)


class FlakyTransport(MemoryTransport):
    """An in-memory transport whose row appends (or media writes) start failing after ``ok`` calls."""

    def __init__(self, ok: int, where: str = "rows") -> None:
        super().__init__()
        self.ok = ok
        self.where = where
        self.calls = 0

    def append_rows(self, data: bytes) -> None:
        if self.where == "rows":
            self.calls += 1
            if self.calls > self.ok:
                raise TransportError("FlakyTransport: the remote went away (test)")
        super().append_rows(data)

    def media_store(self) -> Any:
        store = super().media_store()
        if self.where != "media":
            return store
        outer = self

        class Failing:
            def __getattr__(self, name: str) -> Any:
                return getattr(store, name)

            def put(self, key: str, data: bytes, ext: str) -> Any:
                outer.calls += 1
                if outer.calls > outer.ok:
                    raise TransportError("FlakyTransport: media upload failed (test)")
                return store.put(key, data, ext)

        return Failing()


def _rows(transport: MemoryTransport) -> list[dict[str, Any]]:
    from mediatypes.runs.reader import iter_rows

    return list(iter_rows(transport.read("history.jsonl") or b""))


@pytest.mark.parametrize("where", ["rows", "media"])
def test_a_raising_transport_is_reported_and_finish_completes(where: str) -> None:
    transport = FlakyTransport(ok=3, where=where)
    run = mt.init(transport=transport, **OFF)
    errors: list[BaseException] = []
    with time_limit(30):
        for i in range(40):
            try:
                row: dict[str, Any] = {"i": i}
                if where == "media":
                    row["img"] = mt.Image(np.full((4, 4), i, np.uint8))
                run.log(row)
                if i % 10 == 0:
                    run.flush()
            except MediaError as exc:
                errors.append(exc)
        try:
            run.finish()
        except MediaError as exc:
            errors.append(exc)
    assert run.finished
    assert errors, "the failing transport was never reported"
    assert all(isinstance(e, (TransportError,)) or "Transport" in str(e) for e in errors), errors
    kept = [r["i"] for r in _rows(transport)]
    assert kept == sorted(kept) and len(kept) >= (3 if where == "rows" else 1)
    with pytest.raises(RunError, match="is finished"):  # a finished run refuses more rows
        run.log({"i": 99})


def test_disk_full_during_a_run(small_fs: Path) -> None:
    """A 1 MiB tmpfs fills up with incompressible images: the run reports TransportError, finish()
    returns within its time budget, and everything committed before stays readable."""
    run = mt.init(dir=small_fs, id="full", **OFF)
    rng = np.random.default_rng(0)
    errors: list[BaseException] = []
    with time_limit(60):
        for i in range(40):
            try:
                run.log(
                    {"i": i, "img": mt.Image(rng.integers(0, 256, (128, 128, 3), dtype=np.uint8))}
                )
                run.flush()
            except MediaError as exc:
                errors.append(exc)
        try:
            run.finish()
        except MediaError as exc:
            errors.append(exc)
    assert errors and all(isinstance(e, MediaError) for e in errors)
    assert any("No space left" in str(e) or isinstance(e, TransportError) for e in errors), errors
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunWarning)
        reader = mt.open_run(small_fs / "full")
        rows = reader.history()
    for row in rows:  # every row that made it names a complete file
        ref = row.get("img")
        if isinstance(ref, dict) and "path" in ref:
            data = (small_fs / "full" / ref["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == ref["sha256"]
    assert not list((small_fs / "full").rglob(".tmp-*"))


def test_read_only_folder(readonly_fs: Path) -> None:
    with pytest.raises(MediaError):
        mt.init(dir=readonly_fs / "existing", id="r", **OFF)
    assert not any(readonly_fs.rglob("*.json"))


@pytest.mark.parametrize(
    "bad",
    [
        "a\x00b",
        "..",
        ".",
        "",
        "x/y",
        "\ud800",
    ],
)
def test_hostile_run_ids(bad: str, tmp_path: Path) -> None:
    with pytest.raises(MediaError):
        mt.init(dir=tmp_path, id=bad, **OFF)
    assert [p.name for p in tmp_path.iterdir()] == []


# -- kills ------------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    import mediatypes as mt
    run = mt.init(transport="dir:" + sys.argv[1], console=False, git=False, packages=False,
                  system_metrics=False)
    run.define_metric("loss", summary="min")
    rng = np.random.default_rng(int(sys.argv[3]))
    print("ready", flush=True)
    i = 0
    while True:
        row = {"i": i, "loss": 1.0 / (i + 1)}
        if i % 2 == 0:
            row["img"] = mt.Image(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
        if i % 5 == 0:
            row["hist"] = mt.Histogram(rng.standard_normal(100))
        if i % 7 == 0:
            row["table"] = mt.Table(columns=["a", "b"], data=[[i, "x"], [i + 1, "y"]])
            run.summary["best"] = {"i": i, "weights": np.arange(i % 11, dtype=np.float32)}
        run.log(row)
        print(i, flush=True)
        i += 1
        time.sleep(0.002)
    """
)


MARGIN = 1.0


def _kill_trial(tmp: Path, seed: int, sig: int, delay: float) -> tuple[Path, set[int]]:
    path = tmp / f"run-{seed}"
    seen, at = signal_logging_child(CHILD, [str(path), str(REPO), str(seed)], REPO, delay, sig)
    # Rows with media are written once their media is; under CPU contention that lags log() by a
    # few hundred ms (seen: 5 rows 200 ms before a SIGTERM), so the bar is "1 s before the signal".
    return path, {i for when, i in seen if when <= at - MARGIN}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("seed, delay", [(1, 0.4), (2, 1.6)])
def test_kill_while_logging_media_and_summary(
    tmp_path: Path, sig: int, seed: int, delay: float
) -> None:
    path, committed = _kill_trial(tmp_path, seed, sig, delay)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunWarning)
        rows = mt.open_run(path).history()
    present = {r["i"] for r in rows}
    assert committed <= present, sorted(committed - present)[:5]
    recover(path)
    after = mt.open_run(path)
    assert after.state in ("crashed", "finished", "failed")
    assert problems(path) == [], problems(path)[:5]
    for r in after.history():  # every media of every kept row loads and matches its hash
        for key in ("img", "hist", "table"):
            if key in r:
                obj = after.media(key, step=r["_step"])
                assert obj is not None
    summary = after.summary
    if rows:
        assert summary["loss"] == {"min": min(r["loss"] for r in rows)}
