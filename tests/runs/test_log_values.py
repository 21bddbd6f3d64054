"""What log() accepts, refuses and warns about; media in the background; schema validity."""

from __future__ import annotations

import copy
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mediatypes as mt
from mediatypes import _registry, open_run
from mediatypes.errors import EncodingError, InvalidInputError, InvalidTypeError, RunError
from mediatypes.runs.history import RunWarning
from mediatypes.runs.reader import problems

from .helpers import Png, dir_run, memory_run, strip


def _warns(fn: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if issubclass(w.category, RunWarning)]


def test_scalars_numpy_and_tensors_unwrapped() -> None:
    torch = pytest.importorskip("torch")
    run = memory_run()
    with pytest.warns(RunWarning, match="64 bits"):
        run.log(
            {
                "f32": np.float32(0.5),
                "i64": np.int64(3),
                "b": np.bool_(True),
                "s": np.str_("x"),
                "zero_d": np.array(2.5),
                "t": torch.tensor(1.5, requires_grad=True),
                "none": None,
                "big": 2**70,
            }
        )
    run.finish()
    (row,) = strip(run.transport.rows)
    assert row == {
        "f32": 0.5,
        "i64": 3,
        "b": True,
        "s": "x",
        "zero_d": 2.5,
        "t": 1.5,
        "none": None,
        "big": str(2**70),
        "_step": 0,
    }
    assert type(row["i64"]) is int and type(row["b"]) is bool


def test_nonfinite_kept() -> None:
    run = memory_run()
    run.log({"nan": math.nan, "inf": math.inf, "ninf": -math.inf, "np": np.float64("nan")})
    run.finish()
    row = run.transport.rows[0]
    assert row["nan"] == row["np"] == {"_nonfinite": "NaN"}
    assert row["inf"] == {"_nonfinite": "Infinity"} and row["ninf"] == {"_nonfinite": "-Infinity"}


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        ([("a", 1)], InvalidTypeError, "expects a dict"),
        ("loss", InvalidTypeError, "expects a dict"),
        ({1: 0.5}, InvalidTypeError, "metric names must be str"),
        ({"a": {2: 1}}, InvalidTypeError, "inside `a`"),
        ({"w": np.zeros((3, 4), np.float32)}, InvalidTypeError, "Histogram"),
        ({"w": [1.0, 2.0]}, InvalidTypeError, "Histogram"),
        ({"w": []}, InvalidInputError, "empty list"),
        ({"w": b"bytes"}, InvalidTypeError, "expected a number"),
        ({"w": object()}, InvalidTypeError, "expected a number"),
        ({"_step": 3}, InvalidInputError, "reserved"),
    ],
)
def test_bad_data_is_refused(data: Any, error: type, match: str) -> None:
    run = memory_run()
    with pytest.raises(error, match=match):
        run.log(data)
    run.finish()
    assert run.transport.rows == []


def test_mixed_media_list_refused(png_type: None) -> None:
    class Other(Png):
        _type = "other"

    run = memory_run()
    with pytest.raises(InvalidTypeError, match="one type"):
        run.log({"m": [Png(np.zeros((2, 2, 3))), Other(np.zeros((2, 2, 3)))]})
    with pytest.raises(InvalidTypeError, match="lists may only hold media"):
        run.log({"m": [Png(np.zeros((2, 2, 3))), 1.0]})
    run.finish()


def test_bad_step_and_commit_complete_conflict() -> None:
    run = memory_run()
    for bad in (-1, 1.5, "3", True):
        with pytest.raises((InvalidTypeError, InvalidInputError), match="step"):
            run.log({"a": 1}, step=bad)
    with pytest.raises(InvalidInputError, match="complete"):
        run.log({"a": 1}, commit=True, complete=False)
    run.finish()
    with pytest.raises(RunError, match="finished"):
        run.log({"a": 1})


def test_callers_dict_never_mutated(png_type: None) -> None:
    data = {"a": 1, "nested": {"b": 2.0, "c": {"d": "x"}}, "imgs": [Png(np.zeros((2, 2, 3)))]}
    snapshot = copy.copy(data), copy.copy(data["nested"])
    run = memory_run()
    run.log(data, commit=False)
    run.log(data, step=0)
    run.history.add(data)
    run.finish()
    assert (copy.copy(data), copy.copy(data["nested"])) == snapshot
    assert data["nested"] == {"b": 2.0, "c": {"d": "x"}}


def test_warnings_each_once() -> None:
    run = memory_run()
    msgs = _warns(
        lambda: [run.log({"bad name": 1, "5x": 2, "Loss": 1, "loss": 2}) for _ in range(3)]
    )
    assert len([m for m in msgs if "does not match" in m]) == 2
    assert len([m for m in msgs if "differ only by case" in m]) == 1
    msgs = _warns(lambda: [run.log({"k": v}) for v in (1, 2.5, "text", "again", True, None, 3)])
    assert len([m for m in msgs if "changed its kind" in m]) == 1  # int→float is not a change
    assert _warns(lambda: run.log({"ok_name/sub_1": 1})) == []
    run.finish()
    assert len(run.transport.rows) == 3 + 7 + 1  # every value kept


def test_media_logged_in_background_in_order(tmp_path: Path, png_type: None) -> None:
    run = dir_run(tmp_path / "r", max_pending_media=4)
    frames = [np.full((16, 16, 3), i, np.uint8) for i in range(30)]
    for i, f in enumerate(frames):
        run.log({"img": Png(f, caption=str(i)), "i": i, "gallery": [Png(f), Png(255 - f)]})
    run.finish()
    rows = list(open_run(tmp_path / "r").rows())
    assert [r["i"] for r in rows] == list(range(30)) == [r["_step"] for r in rows]
    for r in rows:
        assert r["img"]["_type"] == "test-png" and r["img"]["caption"] == str(r["i"])
        assert r["gallery"]["_type"] == "media-list" and r["gallery"]["count"] == 2
    reader = open_run(tmp_path / "r")
    np.testing.assert_array_equal(reader.media("img").data, frames[-1])
    np.testing.assert_array_equal(reader.media("img", step=3).data, frames[3])
    assert [g.data[0, 0, 0] for g in reader.media("gallery", step=2)] == [2, 253]
    assert problems(tmp_path / "r") == []


def test_encoding_error_surfaces_at_next_log_and_keeps_the_row(png_type: None) -> None:
    run = memory_run()
    run.log({"img": Png(np.zeros((2, 2, 3)), fail=True), "loss": 0.5})
    run._writer.flush()  # wait for the background encode
    with pytest.raises(EncodingError, match="on purpose") as info:
        run.log({"loss": 0.4})
    assert "`img` at step 0" in "".join(getattr(info.value, "__notes__", [])) + str(info.value)
    run.log({"loss": 0.3})  # reported once; the run goes on
    run.finish()
    assert strip(run.transport.rows) == [{"loss": 0.5, "_step": 0}, {"loss": 0.3, "_step": 1}]


def test_encoding_error_surfaces_at_finish(png_type: None) -> None:
    run = memory_run()
    run.log({"img": Png(np.zeros((2, 2, 3)), fail=True)})
    with pytest.raises(EncodingError):
        run.finish()
    assert run.finished and run.transport.meta["state"] == "finished"


def test_adapter_registry_used_for_foreign_objects(
    monkeypatch: pytest.MonkeyPatch, png_type: None
) -> None:
    monkeypatch.setitem(_registry.ADAPTERS, f"{__name__}.Foreign", "tests.runs.helpers:Png")
    run = memory_run()
    run.log({"f": Foreign(np.ones((3, 3, 3), np.uint8))})
    run.finish()
    assert run.transport.rows[0]["f"]["_type"] == "test-png"


class Foreign(np.ndarray):
    """A foreign class the registry knows how to adapt (stands in for DataFrame / Figure)."""

    def __new__(cls, arr: np.ndarray) -> Foreign:
        return np.asarray(arr).view(cls)


def test_step_metric_syncs_onto_rows_and_media_keys(png_type: None) -> None:
    run = memory_run()
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    run.log({"epoch": 1, "train": 0.1})
    run.log({"val/loss": 0.5, "val/img": Png(np.zeros((2, 2, 3)))})
    run.log({"epoch": 2})
    run.log({"val/img": Png(np.ones((2, 2, 3)))})
    run.log({"other": 1})
    run.finish()
    rows = strip(run.transport.rows)
    assert rows[1]["epoch"] == 1 and rows[3]["epoch"] == 2 and "epoch" not in rows[4]
    assert run.transport.meta["metrics"]["val/*"]["step_metric"] == "epoch"


def test_every_run_file_validates(tmp_path: Path, png_type: None) -> None:
    run = mt.init(
        dir=tmp_path,
        id="v",
        config={"lr": 0.1, "layers": [1, 2]},
        git=True,
        packages=True,
        console=True,
        system_metrics=True,
        system_interval=0.05,
    )
    run.define_metric("loss", summary="min,max,mean,first,last,best", goal="minimize", hidden=True)
    for i in range(10):
        run.log({"loss": 1 / (i + 1), "nan": math.nan, "s": "x", "img": Png(np.zeros((4, 4, 3)))})
    run.summary["t"] = np.arange(5)
    run.finish()
    assert problems(tmp_path / "v") == []


def test_config_from_argparse_and_absl_flags(tmp_path: Path) -> None:
    """The seeds pass ``config=args`` (argparse) and ``config=flags.FLAGS`` (absl / tf.app)."""
    import argparse

    flags = pytest.importorskip("absl.flags")
    fv = flags.FlagValues()  # not the global FLAGS: nothing leaks into other tests
    flags.DEFINE_integer("num_steps", 100, "training steps", flag_values=fv)
    flags.DEFINE_string("optimizer", "adam", "optimizer", flag_values=fv)
    fv(["train.py", "--num_steps=3"])
    run = dir_run(tmp_path / "flags", config=fv)
    assert (run.config.num_steps, run.config.optimizer) == (3, "adam")
    run.finish()
    assert open_run(tmp_path / "flags").config == {"num_steps": 3, "optimizer": "adam"}

    args = argparse.ArgumentParser().parse_args([])
    args.epochs, args.lr = 2, 0.1
    run = dir_run(tmp_path / "args", config=args)
    run.finish()
    assert open_run(tmp_path / "args").config == {"epochs": 2, "lr": 0.1}


def test_writer_tick_before_init_ends_is_harmless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the writer thread's first tick flushed ``run._capture`` before ``__init__`` had
    set it (a loaded machine was enough), so the next log() raised an EncodingError."""
    import time

    import mediatypes.runs.run as runmod

    class SlowCapture(runmod.Capture):  # type: ignore[misc,name-defined]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            time.sleep(0.1)  # a writer already running would tick (every 1 ms) meanwhile
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(runmod, "Capture", SlowCapture)
    run = dir_run(tmp_path / "r", flush_interval=0.001)
    run.log({"loss": 1.0})
    run.finish()
    assert problems(tmp_path / "r") == []
