"""export_run / `mediatypes export tensorboard`, checked by TensorBoard's own EventAccumulator."""

from __future__ import annotations

import io
import json
import math
import time
import warnings

import numpy as np
import pytest
import soundfile as sf
from PIL import Image as PILImage

import mediatypes as mt
from mediatypes.errors import InvalidInputError
from mediatypes.tensorboard.events import TensorBoardWarning, event_files
from mediatypes.tensorboard.export import export_run
from mediatypes.tensorboard.summaries import flatten_config

from .helpers import CONFIG, accumulate, make_rich_run, plugin, values


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    run = make_rich_run(root / "runs")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = export_run(str(run.dir), root / "tb")
    return run, report, accumulate(root / "tb" / run.id), caught


def test_every_scalar_step_and_wall_time_round_trips(exported):
    run, _, acc, _ = exported
    rows = list(mt.open_run(run.dir).rows())
    for key in ("loss", "acc", "big", "flag", "nan", "inf"):
        # the late row (step 3 after step 32) is left out: TensorBoard would drop steps 4..29
        ours = [(r["_step"], r["_timestamp"], float(r[key])) for r in rows if key in r][:30]
        theirs = values(acc, key)
        assert plugin(acc, key) == "scalars"
        assert [(s, w) for s, w, _ in theirs] == [(s, w) for s, w, _ in ours]  # exact
        for (_, _, mine), (_, _, tb) in zip(ours, theirs, strict=True):
            assert tb.dtype == np.float32 and tb.shape == ()
            # scalars are float32 tensors, as tf.summary.scalar writes them
            if math.isnan(mine):
                assert math.isnan(float(tb))
            else:
                assert float(tb) == float(np.float32(mine))


def test_images_decode_to_the_same_pixels(exported):
    run, _, acc, _ = exported
    r = mt.open_run(run.dir)
    ((_, _, blobs),) = values(acc, "img")
    assert plugin(acc, "img") == "images"
    w, h, png = blobs.tolist()
    ours = np.asarray(
        PILImage.open(io.BytesIO(r.read_bytes(r.history(keys=["img"])[0]["img"]["path"])))
    )
    assert (int(w), int(h)) == (32, 24)
    assert np.array_equal(np.asarray(PILImage.open(io.BytesIO(png))), ours)
    # masks are extra images, boxes an overlay: both the image's size, the image itself unchanged
    for tag in ("img/mask/pred", "img/boxes/gt"):
        ((_, _, layer),) = values(acc, tag)
        assert PILImage.open(io.BytesIO(layer.tolist()[2])).size == (32, 24)
    overlay = np.asarray(PILImage.open(io.BytesIO(values(acc, "img/boxes/gt")[0][2].tolist()[2])))
    assert not np.array_equal(overlay, ours)  # rectangles drawn
    mask = np.asarray(PILImage.open(io.BytesIO(values(acc, "img/mask/pred")[0][2].tolist()[2])))
    assert len(np.unique(mask.reshape(-1, 3), axis=0)) == 2  # two classes, two colours
    # a list of images is one summary with one sample per image
    ((_, _, samples),) = values(acc, "imgs")
    assert len(samples) == 4
    manifests = r.history(keys=["imgs"])[0]["imgs"]["items"]
    for blob, m in zip(samples.tolist()[2:], manifests, strict=True):
        expect = np.asarray(PILImage.open(io.BytesIO(r.read_bytes(m["path"]))))
        assert np.array_equal(np.asarray(PILImage.open(io.BytesIO(blob))), expect)


def test_audio_is_wav_that_soundfile_decodes(exported):
    run, _, acc, _ = exported
    r = mt.open_run(run.dir)
    ((_, _, clip),) = values(acc, "aud")
    assert plugin(acc, "aud") == "audio"
    assert acc.SummaryMetadata("aud").plugin_data.content  # encoding WAV in the plugin data
    wav, label = clip.tolist()[0]
    assert label == b"tone"
    theirs, rate = sf.read(io.BytesIO(wav), dtype="int16")
    ours, our_rate = sf.read(
        io.BytesIO(r.read_bytes(r.history(keys=["aud"])[0]["aud"]["path"])), dtype="int16"
    )
    assert rate == our_rate == 8000
    assert np.array_equal(theirs, ours)


def test_histogram_bins_are_ours(exported):
    run, _, acc, _ = exported
    m = mt.open_run(run.dir).history(keys=["hist"])[0]["hist"]
    ((_, _, rows),) = values(acc, "hist")
    assert plugin(acc, "hist") == "histograms"
    assert rows.dtype == np.float64 and rows.shape == (40, 3)
    assert rows[:, 0].tolist() == m["bins"][:-1]
    assert rows[:, 1].tolist() == m["bins"][1:]
    assert rows[:, 2].tolist() == m["values"]


def test_table_and_text(exported):
    _, _, acc, _ = exported
    ((_, _, table),) = values(acc, "tab")
    assert plugin(acc, "tab") == "text"
    assert table.tolist() == [[b"name", b"score"], [b"a", b"1.5"], [b"b", b""]]
    ((_, _, note),) = values(acc, "note")
    assert note.item() == b"**bold** text"
    ((_, _, spec),) = values(acc, "pr/spec")
    text = spec.item().decode()
    assert text.startswith("```json") and json.loads(text[8:-4])["$schema"].startswith(
        "https://vega"
    )


def test_pr_curves_tensor_counts_match_the_data(exported):
    run, _, acc, _ = exported
    rng = np.random.default_rng(7)  # the same draws as make_rich_run
    rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    y_true = rng.integers(0, 2, 200)
    y_prob = rng.random((200, 2))
    table = mt.open_run(run.dir).history(keys=["pr"])[0]["pr"]["table"]
    doc = json.loads(mt.open_run(run.dir).read_bytes(table["path"]))
    for c, name in enumerate(["neg", "pos"]):
        tag = f"pr/{name}"
        assert plugin(acc, tag) == "pr_curves"
        ((_, _, t),) = values(acc, tag)
        thresholds = [row[4] for row in doc["data"] if row[0] == name]
        assert t.shape == (6, len(thresholds))
        pos = y_true == c
        for i, thr in enumerate(thresholds):
            predicted = y_prob[:, c] >= thr if thr is not None else np.zeros(200, bool)
            tp, fp = int((predicted & pos).sum()), int((predicted & ~pos).sum())
            expect = [tp, fp, int((~predicted & ~pos).sum()), int((~predicted & pos).sum())]
            assert t[:4, i].tolist() == expect, (name, i)
        assert t[4].tolist() == [float(np.float32(row[3])) for row in doc["data"] if row[0] == name]


def test_point_cloud_is_a_mesh_plugin_tensor(exported):
    run, _, acc, _ = exported
    from mediatypes.object3d import _read_ply_points

    r = mt.open_run(run.dir)
    xyz, rgb, _ = _read_ply_points(r.read_bytes(r.history(keys=["pc"])[0]["pc"]["path"]))
    ((_, _, vertices),) = values(acc, "pc_VERTEX")
    ((_, _, colors),) = values(acc, "pc_COLOR")
    assert plugin(acc, "pc_VERTEX") == "mesh"
    assert np.array_equal(vertices[0], xyz.astype(np.float32))
    assert np.array_equal(colors[0], rgb.astype(np.uint8))


def test_video_is_the_gif(exported):
    run, _, acc, _ = exported
    r = mt.open_run(run.dir)
    ((_, _, blobs),) = values(acc, "vid")
    assert blobs.tolist()[2] == r.read_bytes(r.history(keys=["vid"])[0]["vid"]["path"])
    assert PILImage.open(io.BytesIO(blobs.tolist()[2])).n_frames == 3


def test_config_is_hparams_and_state_is_session_end(exported):
    _, _, acc, _ = exported
    from tensorboard.plugins.hparams import metadata as hp

    start = acc.SummaryMetadata(hp.SESSION_START_INFO_TAG).plugin_data.content
    info = hp.parse_session_start_info_plugin_data(start)
    flat = flatten_config(CONFIG)
    assert set(info.hparams) == set(flat)
    assert info.hparams["lr"].number_value == 0.001
    assert info.hparams["opt/name"].string_value == "adam"
    assert info.hparams["opt/betas"].string_value == "[0.9, 0.99]"
    assert info.hparams["amp"].bool_value is True
    end = hp.parse_session_end_info_plugin_data(
        acc.SummaryMetadata(hp.SESSION_END_INFO_TAG).plugin_data.content
    )
    assert end.status == 1  # STATUS_SUCCESS


def test_values_without_a_form_warn_once_by_name(exported):
    _, report, acc, caught = exported
    assert report["skipped"] == {"page": "is a html-file, which has no TensorBoard form"}
    msgs = [str(w.message) for w in caught if issubclass(w.category, TensorBoardWarning)]
    assert msgs == [
        "TensorBoard: `page` is a html-file, which has no TensorBoard form; skipped it.",
        "TensorBoard: `loss` has a value at step 3 after step 29 (a late row); TensorBoard would "
        "drop every step after 3 of this series, so such values are left out of TensorBoard "
        "(they stay in the run directory).",
    ]
    assert "page" not in acc.Tags()["tensors"]


def test_existing_export_is_refused_then_replaced(tmp_path):
    run = mt.init(
        dir=tmp_path / "runs",
        id="small",
        **{"console": False, "git": False, "packages": False, "system_metrics": False},
    )
    run.log({"x": 1.0})
    run.finish()
    first = export_run(run.dir, tmp_path / "tb")
    with pytest.raises(InvalidInputError, match="--overwrite"):
        export_run(run.dir, tmp_path / "tb")
    second = export_run(run.dir, tmp_path / "tb", overwrite=True)
    assert event_files(tmp_path / "tb" / "small") == [
        tmp_path / "tb" / "small" / second["event_file"].split("/")[-1]
    ]
    assert first["events"] == second["events"] == 4  # version, hparams start, row, session end
    assert not [p for p in (tmp_path / "tb" / "small").iterdir() if p.name.startswith(".tmp")]


def test_cli_export(tmp_path):
    from tests.cli.helpers import cli, cli_json

    run = make_rich_run(tmp_path / "runs", "clirun")
    code, report = cli_json("export", "tensorboard", run.dir, tmp_path / "tb")
    assert (
        code == 0
        and report["run"] == "clirun"
        and report["skipped"] == {"page": "is a html-file, which has no TensorBoard form"}
    )
    assert values(accumulate(tmp_path / "tb" / "clirun"), "loss")
    proc = cli("export", "tensorboard", tmp_path / "missing", tmp_path / "tb")
    assert proc.returncode == 1 and "run.json" in proc.stderr


def test_no_tensorflow_anywhere(exported):
    import importlib.util
    import sys

    assert importlib.util.find_spec("tensorflow") is None  # not installed, and not needed
    assert not [m for m in sys.modules if m == "tensorflow" or m.startswith("tensorflow.")]


def test_system_metrics_become_system_scalars(tmp_path):
    run = mt.init(
        dir=tmp_path, id="sys", console=False, git=False, packages=False, system_interval=0.05
    )
    for i in range(5):
        run.log({"x": float(i)})
        time.sleep(0.06)
    run.finish()
    samples = [
        json.loads(x) for x in mt.open_run(run.dir).read_bytes("files/system.jsonl").splitlines()
    ]
    assert len(samples) >= 2
    export_run(run.dir, tmp_path / "tb")
    got = values(accumulate(tmp_path / "tb" / "sys"), "system/cpu_percent")
    assert [(s, w) for s, w, _ in got] == [(i, x["_timestamp"]) for i, x in enumerate(samples)]
    assert [float(v) for _, _, v in got] == [float(np.float32(x["cpu_percent"])) for x in samples]
