"""A run holding every kind of value, and TensorBoard's own reader over an export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import charts
import mediatypes as mt
from mediatypes.runs.history import RunWarning

pytest.importorskip("tensorboard")
pytest.importorskip("google_crc32c")

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)
CONFIG = {"lr": 0.001, "epochs": 3, "opt": {"name": "adam", "betas": [0.9, 0.99]}, "amp": True}


def make_rich_run(root: Path, run_id: str = "rich", **init: Any) -> mt.Run:
    """A finished run with scalars over 30 steps, a late row, and one row of each media kind."""
    rng = np.random.default_rng(7)
    run = mt.init(dir=root, id=run_id, config=CONFIG, **OFF, **init)
    for i in range(30):
        run.log({"loss": 1.0 / (i + 1), "acc": i / 30, "big": 1e6 + i / 7, "flag": i % 2 == 0})
    run.log({"note": "**bold** text", "nan": float("nan"), "inf": float("inf")})
    img = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    mask = (img[..., 0] > 128).astype(np.uint8)
    y_true = rng.integers(0, 2, 200)
    y_prob = rng.random((200, 2))
    run.log(
        {
            "img": mt.Image(
                img,
                caption="noise",
                masks={"pred": {"mask_data": mask, "class_labels": {0: "bg", 1: "fg"}}},
                boxes={
                    "gt": {
                        "box_data": [
                            {
                                "position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.7},
                                "class_id": 1,
                                "box_caption": "thing",
                            }
                        ],
                        "class_labels": {1: "thing"},
                    }
                },
            ),
            "imgs": [mt.Image(img), mt.Image(255 - img)],
            "aud": mt.Audio(
                np.sin(np.arange(4000) / 7.0).astype(np.float32) * 0.5,
                sample_rate=8000,
                caption="tone",
            ),
            "hist": mt.Histogram(rng.normal(size=5000), num_bins=40),
            "tab": mt.Table(columns=["name", "score"], data=[["a", 1.5], ["b", None]]),
            "pc": mt.Object3D(np.c_[rng.normal(size=(50, 3)), rng.integers(0, 256, (50, 3))]),
            "vid": mt.Video(rng.integers(0, 256, (3, 3, 16, 16), dtype=np.uint8), fps=4),
            "page": mt.Html("<p>hello</p>"),
            "pr": charts.pr_curve(y_true, y_prob, labels=["neg", "pos"]),
        }
    )
    with pytest.warns(RunWarning, match="smaller than the current step"):
        run.log({"loss": 0.01}, step=3)  # a late row: TensorBoard must keep it
    run.finish()
    return run


def accumulate(folder: Path) -> Any:
    """TensorBoard's EventAccumulator over ``folder``, storing everything."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(
        str(folder),
        size_guidance={
            "compressedHistograms": 0,
            "images": 0,
            "audio": 0,
            "scalars": 0,
            "histograms": 0,
            "tensors": 0,
        },
    )
    acc.Reload()
    return acc


def values(acc: Any, tag: str) -> list[tuple[int, float, Any]]:
    """(step, wall time, numpy value) of every event of ``tag``."""
    from tensorboard.util import tensor_util

    return [
        (e.step, e.wall_time, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)
    ]


def plugin(acc: Any, tag: str) -> str:
    return str(acc.SummaryMetadata(tag).plugin_data.plugin_name)
