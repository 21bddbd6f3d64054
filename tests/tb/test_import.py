"""`mediatypes import tensorboard LOGDIR RUN_DIR`: event files → a validated run directory."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import soundfile as sf
from PIL import Image as PILImage

import mediatypes as mt
from mediatypes.errors import InvalidInputError, TransportError
from mediatypes.runs.reader import problems
from mediatypes.tensorboard.events import EventWriter, TensorBoardWarning
from mediatypes.tensorboard.export import export_run
from mediatypes.tensorboard.importer import import_logdir

from .helpers import make_rich_run


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    root = tmp_path_factory.mktemp("import")
    with pytest.warns(TensorBoardWarning):
        run = make_rich_run(root / "runs")
        export_run(run.dir, root / "tb")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = import_logdir(root / "tb" / run.id, root / "back")
    skipped = sorted(str(w.message) for w in caught if issubclass(w.category, TensorBoardWarning))
    assert len(skipped) == 4 and all("has no mediatypes form" in m for m in skipped)
    return mt.open_run(run.dir), mt.open_run(root / "back"), report


def test_rows_keep_steps_wall_times_and_values(round_trip):
    src, back, report = round_trip
    assert problems(back.dir) == []
    ours = [r for r in src.rows() if "loss" in r][:30]  # not the late row (not exported)
    theirs = [r for r in back.rows() if "loss" in r]
    assert [(r["_step"], r["_timestamp"]) for r in theirs] == [
        (r["_step"], r["_timestamp"]) for r in ours
    ]
    assert [r["loss"] for r in theirs] == [float(np.float32(r["loss"])) for r in ours]
    assert back.meta["started_at"] == min(r["_timestamp"] for r in back.rows())
    assert theirs[0]["_runtime"] == 0.0
    assert back.config["opt/name"] == "adam" and back.config["epochs"] == 3
    assert "pc_VERTEX" in report["skipped"]


def test_media_come_back(round_trip):
    src, back, _ = round_trip
    img = back.media("img")
    expect = np.asarray(
        PILImage.open(io.BytesIO(src.read_bytes(src.history(keys=["img"])[0]["img"]["path"])))
    )
    assert np.array_equal(
        np.asarray(
            PILImage.open(io.BytesIO(back.read_bytes(back.history(keys=["img"])[0]["img"]["path"])))
        ),
        expect,
    )
    assert img is not None
    assert back.history(keys=["imgs"])[0]["imgs"]["count"] == 2
    ours = sf.read(
        io.BytesIO(src.read_bytes(src.history(keys=["aud"])[0]["aud"]["path"])), dtype="int16"
    )[0]
    aud = back.history(keys=["aud"])[0]["aud"]
    assert aud["caption"] == "tone"
    assert np.array_equal(sf.read(io.BytesIO(back.read_bytes(aud["path"])), dtype="int16")[0], ours)
    h_src, h_back = src.history(keys=["hist"])[0]["hist"], back.history(keys=["hist"])[0]["hist"]
    assert h_back["bins"] == h_src["bins"] and h_back["values"] == h_src["values"]
    tab = back.history(keys=["tab"])[0]["tab"]
    assert tab["columns"] == ["name", "score"] and tab["nrows"] == 2
    assert next(r for r in back.rows() if "note" in r)["note"] == "**bold** text"


def test_legacy_summaries_are_read_through_data_compat(tmp_path):
    from tensorboard.compat.proto import event_pb2, summary_pb2

    buf = io.BytesIO()
    PILImage.fromarray(np.full((3, 5, 3), 9, np.uint8)).save(buf, format="PNG")
    w = EventWriter(tmp_path / "legacy")
    for step in range(3):
        ev = event_pb2.Event(wall_time=1_600_000_000.25 + step, step=step)
        ev.summary.value.add(tag="loss", simple_value=0.5 * step)
        if step == 2:
            ev.summary.value.add(tag="pic", image=summary_pb2.Summary.Image(
                height=3, width=5, colorspace=3, encoded_image_string=buf.getvalue()))  # fmt: skip
            h = ev.summary.value.add(tag="w").histo
            h.min, h.max, h.num = 0.0, 3.0, 6
            h.bucket_limit.extend([1.0, 2.0, 3.0])
            h.bucket.extend([1, 2, 3])
        w.write(ev.SerializeToString())
    w.close()
    import_logdir(tmp_path / "legacy", tmp_path / "run")
    r = mt.open_run(tmp_path / "run")
    assert [(x["_step"], x["_timestamp"], x["loss"]) for x in r.rows()] == [
        (s, 1_600_000_000.25 + s, 0.5 * s) for s in range(3)
    ]
    assert r.history(keys=["pic"])[0]["pic"]["width"] == 5
    hist = r.history(keys=["w"])[0]["w"]
    assert hist["bins"] == [0.0, 1.0, 2.0, 3.0] and hist["values"] == [1, 2, 3]


def test_truncated_tail_imports_the_complete_records(tmp_path):
    from tensorboard.compat.proto import event_pb2

    w = EventWriter(tmp_path / "live")
    for step in range(4):
        ev = event_pb2.Event(wall_time=1e9 + step, step=step)
        ev.summary.value.add(tag="x", simple_value=step)
        w.write(ev.SerializeToString())
    w.close()
    w.path.write_bytes(w.path.read_bytes()[:-5])
    with pytest.warns(TensorBoardWarning, match="incomplete"):
        import_logdir(tmp_path / "live", tmp_path / "run")
    assert [x["x"] for x in mt.open_run(tmp_path / "run").rows()] == [0.0, 1.0, 2.0]


def test_bad_inputs(tmp_path):
    with pytest.raises(TransportError, match="does not exist"):
        import_logdir(tmp_path / "nothing", tmp_path / "run")
    (tmp_path / "parent" / "child").mkdir(parents=True)
    (tmp_path / "parent" / "child" / "events.out.tfevents.1.x").write_bytes(b"")
    with pytest.raises(TransportError, match="sub-folders"):
        import_logdir(tmp_path / "parent", tmp_path / "run")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "events.out.tfevents.1.x").write_bytes(b"\x05" * 40)
    with pytest.raises(TransportError, match=r"events\.out\.tfevents\.1\.x is corrupt"):
        import_logdir(bad, tmp_path / "run")
    assert not (tmp_path / "run").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(InvalidInputError, match="not empty"):
        import_logdir(tmp_path / "parent" / "child", tmp_path / "full")


def test_cli_import(tmp_path):
    from tests.cli.helpers import cli, cli_json

    run = mt.init(
        dir=tmp_path, id="c", console=False, system_metrics=False, git=False, packages=False
    )
    run.log({"x": 1.5})
    run.finish()
    export_run(run.dir, tmp_path / "tb")
    code, report = cli_json("import", "tensorboard", tmp_path / "tb" / "c", tmp_path / "back")
    assert code == 0 and report["rows"] == 1
    assert cli("validate", tmp_path / "back").returncode == 0
    proc = cli("import", "tensorboard", tmp_path / "nope", tmp_path / "back2")
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_history_timestamp_goes_to_the_row_it_writes(tmp_path):
    run = mt.init(
        dir=tmp_path, id="ts", console=False, system_metrics=False, git=False, packages=False
    )
    run.history.log({"a": 1}, step=0)  # open, no timestamp: wall clock
    run.history.log({"b": 2}, step=1, timestamp=1_000.5)  # commits step 0 first, then opens 1
    run.history.log({"d": 4}, step=2, commit=True, timestamp=3_000.25)
    run.finish()
    rows = list(mt.open_run(run.dir).rows())
    assert rows[0]["_timestamp"] > 1e9  # step 0 kept its own wall time
    assert [(r["_step"], r["_timestamp"]) for r in rows[1:]] == [(1, 1_000.5), (2, 3_000.25)]
    with pytest.raises(TypeError, match="timestamp"):
        mt.init(dir=tmp_path, id="ts2", console=False, git=False, packages=False,
                system_metrics=False).history.log({"x": 1}, timestamp=float("nan"))  # fmt: skip
    mt.finish()
