"""Crash safety and concurrency: SIGKILL at random moments, and many threads logging at once."""

from __future__ import annotations

import hashlib
import random
import signal
import textwrap
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import mediatypes as mt
from mediatypes import _json, open_run
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import problems, recover

from .helpers import OFF, Png, dir_run, signal_logging_child

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 20
# rows committed this long before the kill must be on disk. The flusher runs every 25 ms; the
# margin covers scheduling: with the suite's multi-process tests (4 torch ranks, servers, a
# browser) on the other worker, 2 cores have ~6 runnable processes and the child's flusher
# thread was seen waiting ~170 ms for a core.
MARGIN = 0.5

CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    import mediatypes as mt
    try:
        Image = mt.Image
    except AttributeError:
        from tests.runs.helpers import Png as Image
    run = mt.init(transport="dir:" + sys.argv[1], console=False, git=False, packages=False,
                  system_metrics=False)
    rng = np.random.default_rng(int(sys.argv[3]))
    run.define_metric("loss", summary="min")
    out = sys.stdout
    out.write("ready\\n"); out.flush()
    i = 0
    while True:
        row = {"i": i, "loss": 1.0 / (i + 1), "nested": {"x": i}}
        if i % 3 == 0:
            row["img"] = Image(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8))
        if i % 7 == 0:
            run.summary["last_i"] = i
        run.log(row)
        out.write(f"{i}\\n"); out.flush()
        i += 1
        time.sleep(0.001)
    """
)


def _trial(tmp: Path, seed: int, delay: float) -> tuple[Path, dict[int, float]]:
    path = tmp / f"kill-{seed}"
    seen, kill_at = signal_logging_child(
        CHILD, [str(path), str(ROOT), str(seed)], ROOT, delay, signal.SIGKILL
    )
    committed = {i: kill_at - t for t, i in seen if t <= kill_at - MARGIN}  # row -> age at kill
    return path, committed


def _check_media_files(path: Path) -> int:
    count = 0
    for f in (path / "media").rglob("*") if (path / "media").exists() else []:
        if not f.is_file() or f.name.startswith(".tmp-"):
            continue
        data = f.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert f.stem.endswith(digest[:20]), f"{f} content does not match its name (truncated?)"
        with PILImage.open(f) as im:
            im.load()  # decodes completely: not truncated
        count += 1
    return count


def test_sigkill_at_random_moments(tmp_path: Path, png_type: None) -> None:
    rng = random.Random(1234)
    delays = [0.0, 0.01, 0.05] + [rng.uniform(0.15, 0.9) for _ in range(TRIALS - 3)]
    total_rows = 0
    for seed, delay in enumerate(delays):
        path, committed = _trial(tmp_path, seed, delay)
        reader = open_run(path)  # every run opens
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunWarning)  # a partial last line is allowed
            rows = reader.history()
        present = {r["i"] for r in rows}
        missing = sorted(set(committed) - present)
        ages = [f"{i} ({committed[i] * 1e3:.0f} ms before the kill)" for i in missing[:5]]
        assert not missing, f"trial {seed} (kill after {delay:.3f}s): rows {ages} lost"
        for r in rows:
            if "img" in r:
                ref = r["img"]
                data = (path / ref["path"]).read_bytes()
                assert (
                    len(data) == ref["size"] and hashlib.sha256(data).hexdigest() == ref["sha256"]
                )
        _check_media_files(path)
        report = recover(path)
        assert report["recovered"]
        after = open_run(path)
        assert after.state == "crashed"
        assert [r["i"] for r in after.history()] == [r["i"] for r in rows]
        if rows:
            assert after.summary["loss"] == {"min": min(r["loss"] for r in rows)}
            assert after.summary["_step"] == rows[-1]["_step"]
        assert problems(path) == [], problems(path)[:5]
        total_rows += len(rows)
    assert total_rows > 200  # the trials did real work


def test_eight_threads_lose_nothing(tmp_path: Path) -> None:
    run = dir_run(tmp_path / "t")
    n_threads, per_thread = 8, 10_000
    barrier = threading.Barrier(n_threads)

    def work(t: int) -> None:
        barrier.wait()
        for j in range(per_thread):
            run.log({"thread": t, "j": j, f"t{t}/v": j * 0.5})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    run.finish()
    lines = (tmp_path / "t" / "history.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b""
    rows = [_json.loads(x) for x in lines[:-1]]  # every line parses: nothing interleaved
    assert len(rows) == n_threads * per_thread
    assert sorted(r["_step"] for r in rows) == list(range(n_threads * per_thread))
    assert [r["_step"] for r in rows] == sorted(r["_step"] for r in rows)  # in commit order
    pairs = {(r["thread"], r["j"]) for r in rows}
    assert len(pairs) == n_threads * per_thread
    assert all(r[f"t{r['thread']}/v"] == r["j"] * 0.5 for r in rows)
    for t in range(n_threads):
        assert [r["j"] for r in rows if r["thread"] == t] == list(range(per_thread))


def test_threads_logging_media_and_summary(tmp_path: Path, png_type: None) -> None:
    run = dir_run(tmp_path / "m", max_pending_media=8)

    def work(t: int) -> None:
        for j in range(40):
            run.log({"t": t, "j": j, "img": Png(np.full((8, 8, 3), t * 40 + j, np.uint8))})
            run.summary[f"done/{t}"] = j

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    run.finish()
    rows = list(open_run(tmp_path / "m").rows())
    assert len(rows) == 160 and [r["_step"] for r in rows] == list(range(160))
    for r in rows:
        with PILImage.open(tmp_path / "m" / r["img"]["path"]) as im:
            assert np.asarray(im)[0, 0, 0] == r["t"] * 40 + r["j"]
    assert open_run(tmp_path / "m").summary["done/3"] == 39
    assert problems(tmp_path / "m") == []


@pytest.mark.parametrize("interval", [0.05])
def test_rows_reach_the_os_promptly(tmp_path: Path, interval: float) -> None:
    run = dir_run(tmp_path / "p", flush_interval=interval)
    run.log({"a": 1})
    deadline = time.monotonic() + 1.0
    hist = tmp_path / "p" / "history.jsonl"
    while time.monotonic() < deadline and not hist.read_bytes():
        time.sleep(0.005)
    assert hist.read_bytes().count(b"\n") == 1  # written by the flusher, before finish()
    run.finish()


def test_metric_definitions_reach_the_run_before_the_rows_logged_after_them(
    tmp_path: Path,
) -> None:
    """A run killed right after ``define_metric`` + ``log`` must not have those rows on disk
    without the definition (``recover`` would rebuild a wrong summary): ``run.json`` goes out
    before the rows, in the flusher and in ``flush()``."""
    from mediatypes.transports import DirectoryTransport

    order: list[tuple[str, bytes]] = []

    class Recording(DirectoryTransport):  # a real run folder; the calls are only observed
        def set_meta(self, data: bytes) -> None:
            order.append(("meta", data))
            super().set_meta(data)

        def append_rows(self, data: bytes) -> None:
            order.append(("rows", data))
            super().append_rows(data)

    run = mt.init(transport=Recording(tmp_path / "m"), flush_interval=3600, **OFF)
    run.log({"loss": 0.5})
    run.flush()
    order.clear()
    run.define_metric("loss", summary="min")
    run.log({"loss": 0.25})
    run.flush()
    first_rows = next(i for i, (kind, _) in enumerate(order) if kind == "rows")
    metas = [data for kind, data in order[:first_rows] if kind == "meta"]
    assert metas and b'"loss"' in metas[-1] and b'"min"' in metas[-1], order
    run.finish()
    assert open_run(tmp_path / "m").summary["loss"] == {"min": 0.25}
