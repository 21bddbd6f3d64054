"""Faults of single requests while the S3 server stays healthy: a fault-injecting HTTP proxy
(``faultproxy.py``) between s3fs and moto's server fails exactly the PUTs a test names, with a
real S3 error, a reset connection, a held request or a lost answer. Nothing of ours or of s3fs is
mocked: the client really talks HTTP to the proxy."""

from __future__ import annotations

import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mediatypes as mt
from mediatypes import _json
from mediatypes.errors import TransportError
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import iter_rows, problems
from mediatypes.transports.object_store import ObjectStoreTransport
from tests.runs.helpers import OFF

from .faultproxy import FaultProxy

# botocore does not retry (one attempt per call), so the transport's own retries are what runs
NO_RETRY = {"connect_timeout": 1, "read_timeout": 5, "retries": {"total_max_attempts": 1}}
SEG1 = r"/history/0/00000001\.jsonl$"


def _transport(proxy: FaultProxy, name: str, **kwargs: Any) -> ObjectStoreTransport:
    options = {
        "endpoint_url": proxy.endpoint,
        "skip_instance_cache": True,
        "config_kwargs": NO_RETRY,
    }
    # segments are cut by row count and flush() only: the counts below do not depend on timing
    kwargs = {"retries": 1, "backoff": 0.02, "cooldown": 0.1, "timeout": 5.0, **kwargs}
    kwargs.setdefault("segment_seconds", 3600)
    return ObjectStoreTransport(f"s3://{proxy.bucket}/{name}", storage_options=options, **kwargs)


def _store() -> Any:
    """s3fs straight to the server (no proxy): what is really stored."""
    import fsspec

    # no listing cache, so each look is fresh (the instance itself is reused: clients are slow)
    return fsspec.filesystem(
        "s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], use_listings_cache=False
    )


def _stored(proxy: FaultProxy, name: str, below: str = "") -> dict[str, bytes]:
    fs = _store()
    root = f"{proxy.bucket}/{name}"
    return {k[len(root) + 1 :]: fs.cat_file(k) for k in fs.find(f"{root}/{below}".rstrip("/"))}


def _steps(source: Any) -> list[int]:
    rows = iter_rows(source) if isinstance(source, (bytes, Path)) else source
    return [row["_step"] for row in rows]


def _segments(proxy: FaultProxy, name: str) -> dict[str, list[int]]:
    return {rel: _steps(data) for rel, data in sorted(_stored(proxy, name, "history").items())}


def _spill(tmp_path: Path, proxy: FaultProxy, name: str) -> Path:
    return tmp_path / "spill" / "s3" / proxy.bucket / name


def _spilled_steps(spill: Path) -> list[int]:
    return [s for seg in sorted((spill / "history" / "0").glob("*.jsonl")) for s in _steps(seg)]


def _log_until_raised(run: Any, start: int, limit: float = 20.0) -> tuple[int, TransportError]:
    """Log rows start, start+1, … until a log() raises the background failure."""
    deadline = time.monotonic() + limit
    i = start
    while time.monotonic() < deadline:
        try:
            run.log({"x": i})
        except TransportError as exc:
            return i, exc
        i += 1
        time.sleep(0.001)
    raise AssertionError("no TransportError at log()")


def _upload(spill: Path, proxy: FaultProxy, name: str) -> None:
    """What the error message tells the user to do: copy the spill folder into the run."""
    fs = _store()
    for path in sorted(p for p in spill.rglob("*") if p.is_file()):
        fs.pipe_file(
            f"{proxy.bucket}/{name}/{path.relative_to(spill).as_posix()}", path.read_bytes()
        )


@pytest.mark.parametrize("action", ["500", "503", "reset", "lost"])
def test_a_segment_write_failing_twice_is_retried_and_stored_once(
    proxy: FaultProxy, action: str, tmp_path: Path
) -> None:
    name = f"transient-{action}"
    tr = _transport(proxy, name, segment_rows=10, retries=2)
    proxy.fail("PUT", SEG1, action, times=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunWarning)
        run = mt.init(transport=tr, **OFF)
        for i in range(35):
            run.log({"x": i})
        run.finish()  # no error: the retries stored it
    assert proxy.count("PUT", SEG1, action) == 2
    segments = _segments(proxy, name)
    assert list(segments) == [f"history/0/{i:08d}.jsonl" for i in range(4)]
    assert [s for steps in segments.values() for s in steps] == list(range(35))
    assert [row["x"] for row in mt.open_run(tr.files).rows()] == list(range(35))
    assert not _spill(tmp_path, proxy, name).exists()


def test_a_segment_write_that_keeps_failing_is_reported_kept_and_stored_once_the_store_is_back(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    name = "persistent"
    url = f"s3://{proxy.bucket}/{name}"
    tr = _transport(proxy, name, segment_rows=10)
    run = mt.init(transport=tr, **OFF)
    for i in range(10):
        run.log({"x": i})
    run.flush()
    rule = proxy.fail("PUT", SEG1, "500", times=None)
    i, exc = _log_until_raised(run, 10)
    text = str(exc)
    print(text)
    spill = _spill(tmp_path, proxy, name)
    assert f"{url}/history/0/00000001.jsonl" in text and "InternalError" in text, text
    assert str(spill) in text, text
    # nothing half-written: only the committed segment is there, whole
    assert _segments(proxy, name) == {"history/0/00000000.jsonl": list(range(10))}
    assert _steps(mt.open_run(url).rows()) == list(range(10)) and problems(url) == []
    with pytest.raises(TransportError):  # flush() says it too (and refreshes the copy)
        run.flush()
    assert _spilled_steps(spill) == list(range(10, i))  # the rows not stored yet, once each
    rule.release()  # the store is back: the kept rows go with the next round
    for j in range(i, i + 20):
        run.log({"x": j})
    run.finish()  # no error: everything was stored in the end
    rows = list(mt.open_run(url).rows())
    assert [row["x"] for row in rows] == list(range(i + 20)) and _steps(rows) == list(range(i + 20))
    segments = _segments(proxy, name)
    assert list(segments) == [f"history/0/{k:08d}.jsonl" for k in range(len(segments))]
    assert problems(url) == [] and _spilled_steps(spill) == []


def test_a_segment_write_failing_until_finish_leaves_a_copy_that_completes_the_run(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    name = "until-finish"
    url = f"s3://{proxy.bucket}/{name}"
    tr = _transport(proxy, name, segment_rows=10)
    run = mt.init(transport=tr, **OFF)
    run.define_metric("x", summary="max")
    for i in range(10):
        run.log({"x": i})
    run.flush()
    proxy.fail("PUT", SEG1, "500", times=None)
    for i in range(10, 30):
        try:
            run.log({"x": i})
        except TransportError:
            run.log({"x": i})
    with pytest.raises(TransportError) as info:
        run.finish()
    text = str(info.value)
    print(text)
    spill = _spill(tmp_path, proxy, name)
    assert f"{url}/history/0/00000001.jsonl" in text and str(spill) in text, text
    stored = mt.open_run(url)  # what the store holds: valid, up to the last committed segment
    assert stored.state == "running" and _steps(stored.rows()) == list(range(10))
    assert problems(url) == []
    assert _spilled_steps(spill) == list(range(10, 30))
    assert _json.loads((spill / "run.json").read_bytes())["state"] == "finished"
    _upload(spill, proxy, name)  # as the message says
    done = mt.open_run(url)
    assert done.state == "finished" and _steps(done.rows()) == list(range(30))
    assert done.summary["x"] == {"max": 29} and problems(url) == []


@pytest.mark.parametrize("name", ["summary.json", "run.json"])
def test_a_failing_replacement_of_a_whole_object_is_reported_with_its_copy(
    proxy: FaultProxy, tmp_path: Path, name: str
) -> None:
    run_name = f"whole-{name.split('.')[0]}"
    url = f"s3://{proxy.bucket}/{run_name}"
    tr = _transport(proxy, run_name, segment_rows=100)
    run = mt.init(transport=tr, **OFF)
    for i in range(5):
        run.log({"x": i})
    run.summary["best"] = 4
    proxy.fail("PUT", rf"/{run_name}/{name}$", "500", times=None)
    with pytest.raises(TransportError) as info:
        run.finish()
    text = str(info.value)
    print(text)
    spill = _spill(tmp_path, proxy, run_name)
    assert f"{url}/{name}" in text and "HTTP 500 InternalError" in text and str(spill) in text, text
    # rows go before whole objects: all of them are stored; the old object is intact
    assert _segments(proxy, run_name) == {"history/0/00000000.jsonl": list(range(5))}
    stored = mt.open_run(url)
    assert stored.state == "running" and problems(url) == []
    kept = _json.loads((spill / name).read_bytes())
    assert kept["state" if name == "run.json" else "best"] == (
        "finished" if name == "run.json" else 4
    )
    _upload(spill, proxy, run_name)
    done = mt.open_run(url)
    assert done.state == "finished" and done.summary["best"] == 4 and problems(url) == []


def test_a_failed_media_upload_keeps_its_row_and_is_stored_when_the_store_is_back(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    name = "media"
    url = f"s3://{proxy.bucket}/{name}"
    tr = _transport(proxy, name, segment_rows=1000)
    run = mt.init(transport=tr, **OFF)
    rule = proxy.fail("PUT", r"/media/img_", "500", times=None)
    img = np.zeros((4, 4, 3), np.uint8)
    run.log({"x": 0, "img": mt.Image(img)})
    with pytest.raises(TransportError) as info:
        run.flush()
    text = str(info.value)
    print(text)
    spill = _spill(tmp_path, proxy, name)
    assert f"{url}/media/img_" in text and "InternalError" in text and str(spill) in text
    copy = next((spill / "media").glob("img_*.png"))
    assert copy.read_bytes().startswith(b"\x89PNG")
    row = next(iter(mt.open_run(url).rows()))
    assert row["img"]["path"] == f"media/{copy.name}"  # the row keeps its manifest
    assert any("referenced file is missing" in p for p in problems(url))
    rule.release()
    run.log({"x": 1})
    run.finish()  # stored by a later round: no error
    assert problems(url) == [] and not copy.exists()
    np.testing.assert_array_equal(np.asarray(mt.open_run(url).media("img").to_pil()), img)


def test_a_media_upload_failing_until_finish_leaves_a_copy_and_validate_names_it(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    name = "media-finish"
    url = f"s3://{proxy.bucket}/{name}"
    tr = _transport(proxy, name, segment_rows=1000)
    run = mt.init(transport=tr, **OFF)
    proxy.fail("PUT", r"/media/img_", "reset", times=None)
    run.log({"x": 0, "img": mt.Image(np.full((4, 4, 3), 7, np.uint8))})
    with pytest.raises(TransportError) as info:
        run.finish()
    text = str(info.value)
    print(text)
    spill = _spill(tmp_path, proxy, name)
    assert f"{url}/media/img_" in text and str(spill) in text, text
    copy = next((spill / "media").glob("img_*.png"))
    found = problems(url)
    assert found == [f"media/{copy.name}: referenced file is missing"], found
    _upload(spill, proxy, name)
    assert problems(url) == [] and mt.open_run(url).state == "finished"


def test_a_segment_write_landing_after_its_timeout_loses_no_row(proxy: FaultProxy) -> None:
    """A PUT whose answer did not come in time may still be stored later: every attempt at a
    segment must carry the same rows, or the late one would replace a longer retry."""
    name = "late"
    tr = _transport(proxy, name, segment_rows=1000, retries=0, timeout=1.0)
    run = mt.init(transport=tr, **OFF)
    for i in range(10):
        run.log({"x": i})
    run.flush()
    rule = proxy.fail("PUT", SEG1, "late", times=1)  # held; answered by nobody
    for i in range(10, 20):
        run.log({"x": i})
    with pytest.raises(TransportError):
        run.flush()  # timed out: the store may or may not have it
    for i in range(20, 30):
        run.log({"x": i})
    run.flush()  # the retry is stored
    rule.release()  # …and then the first attempt lands
    deadline = time.monotonic() + 10
    while proxy.count("PUT", SEG1, "late 200") == 0:
        assert time.monotonic() < deadline, "the held write was never delivered"
        time.sleep(0.02)
    run.finish()
    assert _steps(mt.open_run(tr.files).rows()) == list(range(30))


def test_a_console_segment_landing_after_its_timeout_loses_no_line(proxy: FaultProxy) -> None:
    name = "late-console"
    tr = _transport(proxy, name, retries=0, timeout=1.0)
    run = mt.init(transport=tr, **{**OFF, "console": True})
    rule = proxy.fail("PUT", r"/output\.log\.segments/00000000$", "late", times=1)
    print("first line")
    with pytest.raises(TransportError):
        run.flush()
    print("second line")
    run.flush()
    rule.release()
    deadline = time.monotonic() + 10
    while proxy.count("PUT", r"/output\.log\.segments/00000000$", "late 200") == 0:
        assert time.monotonic() < deadline, "the held write was never delivered"
        time.sleep(0.02)
    run.finish()
    text = mt.open_run(tr.files).read_bytes("files/output.log").decode()
    assert text.count("first line") == 1 and text.count("second line") == 1, text


def test_media_uploads_go_eight_at_a_time_while_two_threads_encode(proxy: FaultProxy) -> None:
    """An upload waits a round trip: media are uploaded by threads of their own, so the two
    encoding threads go on, and a row is stored only after its media."""
    tr = _transport(proxy, "parallel", timeout=10.0)
    run = mt.init(transport=tr, **OFF)
    rule = proxy.fail("PUT", r"/media/img_", "hold", times=None)
    for i in range(10):
        run.log({"img": mt.Image(np.full((4, 4, 3), i, np.uint8))})

    def held() -> set[str]:  # distinct objects whose PUT is waiting in the proxy
        return {s.path for s in list(proxy.log) if s.outcome == "hold"}

    deadline = time.monotonic() + 4  # well before the client's own timeout (5 s)
    while len(held()) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # a ninth would have arrived by now
    in_flight = len(held())
    flushed = threading.Thread(target=run.flush)
    flushed.start()
    time.sleep(0.2)
    assert _stored(proxy, "parallel", "history") == {}  # no row before its media
    rule.release()
    flushed.join()
    run.finish()
    assert in_flight == 8
    assert len(_stored(proxy, "parallel", "media")) == 10 and problems(tr.files) == []


def test_a_reader_fetches_each_history_segment_once(proxy: FaultProxy) -> None:
    """Segments are never rewritten: history(samples=) (two passes), rows() again, and a new
    segment of a live run cost one GET each; a segment replaced under the reader is fetched again."""
    tr = _transport(proxy, "reads", segment_rows=10)
    run = mt.init(transport=tr, **OFF)
    for i in range(30):
        run.log({"x": i})
    run.flush()
    options = {"endpoint_url": proxy.endpoint, "skip_instance_cache": True}
    r = mt.open_run(f"s3://{proxy.bucket}/reads", storage_options=options)
    seg = r"/reads/history/0/\d+\.jsonl$"
    assert [row["x"] for row in r.history(keys=["x"], samples=4)] == [0, 10, 19, 29]
    assert proxy.count("GET", seg) == 3
    assert len(list(r.rows())) == 30 and r.keys() == ["x"]
    assert proxy.count("GET", seg) == 3
    for i in range(30, 35):
        run.log({"x": i})
    run.flush()
    assert [row["x"] for row in r.rows()] == list(range(35))
    assert proxy.count("GET", seg) == 4
    # the same path with other bytes (a run deleted and written again): fetched again
    first = f"{proxy.bucket}/reads/history/0/00000000.jsonl"
    _store().pipe_file(first, _store().cat_file(first).replace(b'"x":0,', b'"x":-1,'))
    assert [row["x"] for row in r.rows()][:2] == [-1, 1]
    assert proxy.count("GET", seg) == 5
    run.finish()


def test_rank_zero_waits_for_the_other_ranks_with_few_requests(proxy: FaultProxy) -> None:
    """On object storage each look at ranks/<r>.json costs requests: rank 0 backs off from 50 ms
    to 0.5 s between looks (a folder: every 50 ms)."""
    from mediatypes.runs.ranks import wait_for_ranks

    files = _transport(proxy, "ranks").files
    t0 = time.monotonic()
    finished, missing = wait_for_ranks(files, world_size=2, timeout=1.0)
    assert (finished, missing) == ([0], [1]) and time.monotonic() - t0 < 3
    looks = sum(1 for s in list(proxy.log) if "/ranks" in s.path or s.path.endswith(proxy.bucket))
    assert looks <= 12, looks


@pytest.mark.parametrize("command", ["validate", "info"])
def test_validate_and_info_fetch_history_segments_a_few_at_a_time(
    proxy: FaultProxy, command: str
) -> None:
    from mediatypes.cli.info import describe_run
    from mediatypes.cli.validate import check_url
    from mediatypes.runs.files import run_files

    name = f"batched-{command}"
    with mt.init(transport=_transport(proxy, name, segment_rows=5), **OFF) as run:
        for i in range(20):
            run.log({"x": i})
    url = f"s3://{proxy.bucket}/{name}"
    options = {"endpoint_url": proxy.endpoint, "skip_instance_cache": True}
    rule = proxy.fail("GET", r"/history/0/\d+\.jsonl$", "hold", times=None)
    out: list[Any] = []
    if command == "validate":
        reader = threading.Thread(target=lambda: out.append(check_url(url, options)))
    else:
        reader = threading.Thread(target=lambda: out.append(describe_run(run_files(url, options))))
    reader.start()
    deadline = time.monotonic() + 4
    while proxy.count("GET", "/history/0/", "hold") < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    in_flight = proxy.count("GET", "/history/0/", "hold")
    rule.release()
    reader.join()
    assert in_flight == 4  # all four segments asked for at once, not one after the other
    if command == "validate":
        assert out[0] == ([], {"runs": 1, "rows": 20, "media": 0, "manifest_files": 0})
    else:
        assert out[0]["rows"] == 20
