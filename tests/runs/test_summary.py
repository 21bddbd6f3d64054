"""Summary: last value by default, explicit sets win, define_metric aggregates, NaN, nesting, globs,
tensors kept in .npy files."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

from mediatypes import _json, open_run, schemas
from mediatypes.errors import InvalidInputError, InvalidTypeError
from mediatypes.runs.reader import problems

from .helpers import Png, dir_run, memory_run


def test_last_value_by_default() -> None:
    run = memory_run()
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1), "name": f"s{i}"})
    assert run.summary["loss"] == 0.2 and run.summary["name"] == "s4"
    assert run.summary["_step"] == 4
    run.finish()
    assert run.transport.summary["loss"] == 0.2
    assert run.transport.summary["_step"] == 4


def test_explicit_set_wins_over_later_logs() -> None:
    run = memory_run()
    run.log({"acc": 0.5})
    run.summary["acc"] = 0.99
    run.log({"acc": 0.1})
    run.summary.update({"best_epoch": 3, "note": "ok"})
    assert run.summary["acc"] == 0.99
    del run.summary["acc"]  # back to history-derived values once logged again
    run.log({"acc": 0.7})
    assert run.summary["acc"] == 0.7
    run.finish()
    assert run.transport.summary["best_epoch"] == 3
    assert run.transport.meta["summary_explicit"] == ["best_epoch", "note"]


AGG_VALUES = [3.0, 1.0, float("nan"), 4.0, 2.0]


@pytest.mark.parametrize(
    ("summary", "goal", "expected"),
    [
        ("min", None, {"min": 1.0}),
        ("max", None, {"max": 4.0}),
        ("mean", None, {"mean": 2.5}),  # NaN skipped
        ("first", None, {"first": 3.0}),
        ("last", None, {"last": 2.0}),
        ("best", "minimize", {"best": 1.0}),
        ("best", "maximize", {"best": 4.0}),
        (
            "min,max,mean,first,last",
            None,
            {"min": 1.0, "max": 4.0, "mean": 2.5, "first": 3.0, "last": 2.0},
        ),
    ],
)
def test_define_metric_aggregates(summary: str, goal: str | None, expected: dict) -> None:
    run = memory_run()
    run.define_metric("loss", summary=summary, goal=goal)
    for v in AGG_VALUES:
        run.log({"loss": v})
    assert run.summary["loss"] == expected
    run.finish()
    assert run.transport.summary["loss"] == expected


def test_objective_alias_and_none() -> None:
    run = memory_run()
    run.define_metric("acc", summary="best", objective="maximize")
    run.define_metric("noise", summary="none")
    for v in (0.1, 0.9, 0.5):
        run.log({"acc": v, "noise": v})
    assert run.summary["acc"] == {"best": 0.9}
    assert "noise" not in run.summary
    run.finish()
    assert "noise" not in run.transport.summary


def test_nan_handling() -> None:
    run = memory_run()
    run.define_metric("all_nan", summary="min,max,mean,last")
    for _ in range(3):
        run.log({"all_nan": float("nan"), "plain": float("nan"), "inf": float("inf")})
    s = run.summary["all_nan"]
    assert all(math.isnan(s[k]) for k in ("min", "max", "mean", "last"))
    assert math.isnan(run.summary["plain"]) and run.summary["inf"] == math.inf
    run.finish()
    stored = run.transport.summary
    assert stored["plain"] == {"_nonfinite": "NaN"} and stored["inf"] == {"_nonfinite": "Infinity"}
    assert schemas.problems(stored, "summary") == []


def test_globs_exact_beats_glob_longest_prefix_wins() -> None:
    run = memory_run()
    run.define_metric("val/*", summary="max")
    run.define_metric("val/loss", summary="min")
    run.define_metric("val/sub/*", summary="mean")
    for v in (1.0, 3.0, 2.0):
        run.log({"val/acc": v, "val/loss": v, "val/sub/x": v, "train/loss": v})
    assert run.summary["val/acc"] == {"max": 3.0}
    assert run.summary["val/loss"] == {"min": 1.0}
    assert run.summary["val/sub/x"] == {"mean": 2.0}
    assert run.summary["train/loss"] == 2.0
    run.finish()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "a*b"}, InvalidInputError),
        ({"name": "x", "summary": "median"}, InvalidInputError),
        ({"name": "x", "summary": "best"}, InvalidInputError),
        ({"name": "x", "summary": "none,min"}, InvalidInputError),
        ({"name": "x", "goal": "up"}, InvalidInputError),
        ({"name": "x", "goal": "minimize", "objective": "maximize"}, InvalidInputError),
        ({"name": 3}, InvalidTypeError),
        ({"name": "x", "summary": 5}, InvalidTypeError),
    ],
)
def test_define_metric_rejects_bad_definitions(kwargs: dict, error: type) -> None:
    run = memory_run()
    with pytest.raises(error, match="define_metric"):
        run.define_metric(**kwargs)
    run.finish()


def test_nested_access() -> None:
    run = memory_run()
    run.log({"val": {"loss": 0.5, "acc": {"top1": 0.7}}})
    run.summary["best"] = {"acc": 0.9, "epoch": 3}
    assert run.summary["val/loss"] == 0.5
    assert run.summary["val"] == {"loss": 0.5, "acc": {"top1": 0.7}}
    assert run.summary["val"]["acc"]["top1"] == 0.7
    assert run.summary["best"] == {"acc": 0.9, "epoch": 3}
    with pytest.raises(KeyError):
        run.summary["nope"]
    run.finish()
    assert run.transport.summary["best/epoch"] == 3
    assert run.summary.to_dict(nested=True)["val"]["acc"] == {"top1": 0.7}


def test_tensor_summary_keeps_full_array(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    run = dir_run(tmp_path / "r")
    arr = np.random.default_rng(0).random(1000)
    run.summary["tensor"] = arr
    run.summary["t"] = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    run.summary["scalar_np"] = np.float32(0.5)
    stats = run.summary["tensor"]
    assert stats["shape"] == [1000] and stats["dtype"] == "float64"
    assert stats["min"] == pytest.approx(arr.min()) and stats["max"] == pytest.approx(arr.max())
    assert stats["mean"] == pytest.approx(arr.mean()) and stats["std"] == pytest.approx(arr.std())
    assert stats["percentiles"]["95"] == pytest.approx(np.percentile(arr, 95))
    run.finish()
    saved = np.load(io.BytesIO((tmp_path / "r" / stats["_tensor"]["path"]).read_bytes()))
    np.testing.assert_array_equal(saved, arr)
    r = open_run(tmp_path / "r")
    np.testing.assert_array_equal(r.media("t"), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert r.summary["scalar_np"] == 0.5
    assert problems(tmp_path / "r") == []


def test_summary_media_and_bad_values(tmp_path: Path, png_type: None) -> None:
    run = dir_run(tmp_path / "r")
    run.summary["best_img"] = Png(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(InvalidTypeError, match="summary"):
        run.summary["obj"] = object()
    with pytest.raises(InvalidTypeError, match="keys must be str"):
        run.summary[1] = 2  # type: ignore[index]
    run.finish()
    assert problems(tmp_path / "r") == []
    stored = _json.loads((tmp_path / "r" / "summary.json").read_bytes())
    assert stored["best_img"]["_type"] == "test-png"


def test_media_summary_is_last_manifest(png_type: None) -> None:
    run = memory_run()
    for i in range(3):
        run.log({"img": Png(np.full((4, 4, 3), i, np.uint8))})
    manifest = run.summary["img"]
    assert manifest["_type"] == "test-png"
    run.finish()
    assert run.transport.rows[-1]["img"] == manifest == run.transport.summary["img"]


def test_metric_defined_after_logging_keeps_last_value_until_next_log() -> None:
    run = memory_run()
    run.log({"loss": 0.5})
    run.define_metric("loss", summary="min")
    assert run.summary["loss"] == 0.5
    run.log({"loss": 0.7})
    run.log({"loss": 0.6})
    assert run.summary["loss"] == {"min": 0.6}  # aggregates start at the definition
    run.finish()
