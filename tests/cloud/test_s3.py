"""Runs on S3 (moto's real server, s3fs client): layout, reading back, tools, safety."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mediatypes as mt
from mediatypes import _json, schemas
from mediatypes.errors import MediaFileNotFoundError, TransportError, UnsafePathError
from mediatypes.runs.reader import problems, recover
from mediatypes.transports.object_store import ObjectStoreTransport
from tests.cli.helpers import cli, cli_json
from tests.runs.helpers import OFF

from .conftest import FAST_FAIL, MotoServer


def _fs(endpoint: str) -> Any:
    import fsspec

    return fsspec.filesystem("s3", endpoint_url=endpoint, skip_instance_cache=True)


def _image(i: int) -> np.ndarray:
    x = np.zeros((16, 24, 3), np.uint8)
    x[..., 0] = i
    x[i % 16, :, 1] = 255
    return x


def test_a_run_on_s3_reads_back_like_a_folder(bucket: str, s3: MotoServer, capsys: Any) -> None:
    url = f"s3://{bucket}/team/run-1"
    tr = ObjectStoreTransport(url, segment_rows=10)
    run = mt.init(
        transport=tr,
        config={"lr": 0.1},
        **{**OFF, "console": True, "system_metrics": True},
        system_interval=0.05,
    )
    run.define_metric("loss", summary="min,last")
    for i in range(35):
        row: dict[str, Any] = {"loss": 1 / (i + 1), "nested": {"a": i}}
        if i % 10 == 0:
            row["img"] = mt.Image(_image(i), caption=f"step {i}")
        run.log(row)
    print("hello from the training loop")
    run.summary["best"] = 7
    run.summary["weights"] = np.arange(6, dtype=np.float32)
    run.finish()

    keys = _fs(s3.endpoint).find(f"{bucket}/team/run-1")
    rels = sorted(k.split("/run-1/", 1)[1] for k in keys)
    assert [r for r in rels if r.startswith("history/")] == [
        f"history/0/{i:08d}.jsonl" for i in range(4)
    ]  # 35 rows, segments of 10: 10 + 10 + 10 + 5 (the last one at finish)
    assert "history.jsonl" not in rels and "run.json" in rels and "summary.json" in rels
    assert any(r.startswith("files/output.log.segments/") for r in rels)
    assert sum(r.startswith("media/img_") for r in rels) == 4

    r = mt.open_run(url)
    assert r.dir is None and r.state == "finished" and r.config == {"lr": 0.1}
    rows = list(r.rows())
    assert [row["_step"] for row in rows] == list(range(35))
    assert r.keys() == ["loss", "nested/a", "img"]
    assert len(r.history(keys=["loss"], samples=5)) == 5
    assert r.summary["loss"] == {"min": 1 / 35, "last": 1 / 35}
    assert r.summary["best"] == 7
    img = r.media("img")
    assert img.caption == "step 30"
    np.testing.assert_array_equal(np.asarray(img.to_pil()), _image(30))
    np.testing.assert_array_equal(r.media("weights"), np.arange(6, dtype=np.float32))
    assert b"hello from the training loop" in r.read_bytes("files/output.log")
    assert r.exists("files/output.log") and r.exists("files/system.jsonl")
    samples = [_json.loads(x) for x in r.read_bytes("files/system.jsonl").splitlines()]
    assert samples and all("_timestamp" in s for s in samples)
    assert r.exists("run.json") and not r.exists("nope.json")
    with pytest.raises(MediaFileNotFoundError):
        r.read_bytes("files/nope.txt")
    with pytest.raises(UnsafePathError):
        r.read_bytes("../run-2/run.json")
    for row in rows:
        schemas.validate(row, "history-row")
    assert problems(url) == []
    assert recover(url)["recovered"] is False  # finished: left alone


def test_cli_validate_info_recover_take_urls(bucket: str) -> None:
    url = f"s3://{bucket}/runs/cli"
    with mt.init(transport=url, **OFF) as run:
        for i in range(5):
            run.log({"acc": i / 5, "img": mt.Image(_image(i))})
    code, report = cli_json("validate", url)
    assert code == 0 and report["ok"] and report["checked"]["rows"] == 5, report
    code, report = cli_json("validate", f"s3://{bucket}/runs")  # a prefix holding runs
    assert code == 0 and report["checked"]["runs"] == 1, report
    code, info = cli_json("info", url)
    assert code == 0 and info["rows"] == 5 and info["media"] == {"image-file": 5}
    assert info["run_dir"] == url and info["files"] >= 7
    code, rec = cli_json("recover", url)
    assert code == 0 and rec["recovered"] is False
    # a damaged media object is found by validate on S3 too
    _fs_replace(bucket, url, "img")
    proc = cli("validate", url)
    assert proc.returncode == 1 and "sha256 mismatch" in proc.stdout, proc.stdout
    proc = cli("validate", f"s3://{bucket}/nothing-here")
    assert proc.returncode == 1 and "no run" in proc.stdout


def _fs_replace(bucket: str, url: str, key: str) -> None:
    import os

    fs = _fs(os.environ["AWS_ENDPOINT_URL"])
    victim = next(k for k in fs.find(f"{bucket}/runs/cli/media") if f"/{key}_" in k)
    fs.pipe_file(victim, b"not a png")


def test_media_objects_are_written_once(bucket: str) -> None:
    url = f"s3://{bucket}/dedup"
    tr = ObjectStoreTransport(url)
    store = tr.media_store()
    ref, created = store.put("k", b"same bytes", "bin")
    again, created_again = store.put("k", b"same bytes", "bin")
    assert created and not created_again and ref == again
    tr.sync(force=True)  # uploads run on threads of their own; a forced sync waits for them
    # a second writer (another process) finds the object there and does not write it again
    other = ObjectStoreTransport(url).media_store()
    assert other.put("k", b"same bytes", "bin") == (ref, False)


def test_summary_of_a_finished_s3_run_is_editable(bucket: str) -> None:
    url = f"s3://{bucket}/edit"
    with mt.init(transport=url, **OFF) as run:
        run.log({"loss": 0.5})
    r = mt.open_run(url)
    r.summary["note"] = "checked"
    r.summary["vec"] = np.ones(3)
    again = mt.open_run(url)
    assert again.summary["note"] == "checked"
    np.testing.assert_array_equal(again.media("vec"), np.ones(3))
    assert "note" in _json.loads(again.read_bytes("run.json"))["summary_explicit"]
    assert problems(url) == []


def test_unsafe_manifest_paths_never_leave_the_run(bucket: str) -> None:
    url = f"s3://{bucket}/hostile/run"
    with mt.init(transport=url, **OFF) as run:
        run.log({"img": mt.Image(_image(1))})
    fs = _fs(__import__("os").environ["AWS_ENDPOINT_URL"])
    fs.pipe_file(f"{bucket}/hostile/secret.png", b"outside the run")
    seg = f"{bucket}/hostile/run/history/0/00000000.jsonl"
    row = _json.loads(fs.cat_file(seg))
    row["img"]["path"] = "../secret.png"
    fs.pipe_file(seg, _json.dumps(row) + b"\n")
    r = mt.open_run(url)
    with pytest.raises(UnsafePathError):
        r.media("img")
    found = problems(url)
    assert any("../secret.png" in p for p in found), found


def test_init_fails_fast_on_a_missing_bucket(
    s3: MotoServer, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MEDIATYPES_SPILL_DIR", str(tmp_path))
    t0 = time.monotonic()
    with pytest.raises(TransportError) as info:
        mt.init(transport="s3://no-such-bucket-here/run", storage_options=FAST_FAIL, **OFF)
    text = str(info.value)
    assert "s3://no-such-bucket-here/run/run.json: HTTP 404 NoSuchBucket" in text, text
    assert "Check the bucket name, the endpoint and the credentials" in text, text
    assert "queued" not in text and not any(tmp_path.iterdir())  # the run never started
    assert time.monotonic() - t0 < 60


def test_file_urls_write_the_object_layout_locally(tmp_path: Any) -> None:
    url = f"file://{tmp_path}/r"
    with mt.init(transport=url, **OFF) as run:
        for i in range(3):
            run.log({"x": i})
    assert (tmp_path / "r" / "history" / "0" / "00000000.jsonl").is_file()
    assert not (tmp_path / "r" / "history.jsonl").exists()
    assert [row["x"] for row in mt.open_run(url).rows()] == [0, 1, 2]
    assert [row["x"] for row in mt.open_run(tmp_path / "r").rows()] == [0, 1, 2]
    assert problems(tmp_path / "r") == []
    assert cli("validate", tmp_path / "r").returncode == 0


def test_a_reader_sees_what_another_writer_stored_after_it_listed(
    bucket: str,
) -> None:
    """fsspec keeps the folder listings of a filesystem instance (shared by every reader with
    the same options): a file another writer stored after a listing must still be found."""
    url = f"s3://{bucket}/live"
    # the writer is another filesystem instance, as another process would be
    tr = ObjectStoreTransport(url, segment_rows=5, storage_options={"skip_instance_cache": True})
    run = mt.init(transport=tr, **OFF)
    for i in range(5):
        run.log({"x": i})
    run.flush()
    assert [row["x"] for row in mt.open_run(url).rows()] == list(range(5))
    assert not mt.open_run(url).exists("ranks/1.json")
    for i in range(5, 10):
        run.log({"x": i})
    run.flush()
    tr.files.replace("ranks/1.json", b"{}")
    again = mt.open_run(url)
    assert [row["x"] for row in again.rows()] == list(range(10))
    assert again.exists("ranks/1.json") and again.read_bytes("ranks/1.json") == b"{}"
    run.finish()


def test_cli_reads_urls_with_storage_options(
    bucket: str, s3: MotoServer, monkeypatch: Any, capsys: Any, tmp_path: Path
) -> None:
    url = f"s3://{bucket}/opts"
    with mt.init(transport=url, **OFF) as run:
        run.log({"x": 1, "img": mt.Image(_image(1))})
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    options = [
        *("--storage-option", f"endpoint_url={s3.endpoint}"),
        *("--storage-option", 'config_kwargs={"retries": {"total_max_attempts": 1}}'),
    ]
    code, report = cli_json("validate", url, *options)
    assert code == 0 and report["ok"] and report["checked"]["rows"] == 1, report
    code, report = cli_json("info", url, *options)
    assert code == 0 and report["rows"] == 1
    code, report = cli_json("recover", url, *options)
    assert code == 0 and report["recovered"] is False
    code, report = cli_json("view", url, "-o", str(tmp_path / "site" / "index.html"), *options)
    assert code == 0 and report["runs"] == 1, report
    assert len(list((tmp_path / "site").rglob("*.png"))) >= 1  # the image copied from S3
    if importlib.util.find_spec("tensorboard") is not None:
        code, report = cli_json("export", "tensorboard", url, str(tmp_path / "tb"), *options)
        assert code == 0 and report["rows"] == 1, report
    from mediatypes.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["info", url, "--storage-option", "no-equals-sign"])
    assert exit_info.value.code == 2
    assert "KEY=VALUE" in capsys.readouterr().err
