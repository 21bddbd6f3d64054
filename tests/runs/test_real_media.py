"""The run layer with the real media types: Image, Histogram, Table, DataFrame and matplotlib
figures (through the adapter registry), lists of images, media in the summary; read back typed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import mediatypes as mt
from mediatypes import open_run
from mediatypes.runs.reader import problems

from .helpers import dir_run


def test_log_real_media_and_read_back(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    plt = pytest.importorskip("matplotlib.pyplot")
    rng = np.random.default_rng(0)
    pixels = [rng.integers(0, 256, (20, 30, 3), dtype=np.uint8) for _ in range(3)]
    run = dir_run(tmp_path / "r")
    for step, px in enumerate(pixels):
        run.log(
            {
                "img": mt.Image(px, caption=f"s{step}"),
                "gallery": [mt.Image(px), mt.Image(255 - px)],
                "hist": mt.Histogram(rng.normal(size=1000), num_bins=16),
                "loss": 1.0 / (step + 1),
            }
        )
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
    ax.plot([0, 1], [0, 1])
    run.log({"df": df, "fig": fig, "table": mt.Table(columns=["k"], data=[[1], [2]])})
    plt.close(fig)
    run.summary["best_image"] = mt.Image(pixels[0])
    run.finish()

    assert problems(tmp_path / "r") == []
    r = open_run(tmp_path / "r")
    assert [row["img"]["caption"] for row in r.history(keys=["img"])] == ["s0", "s1", "s2"]
    np.testing.assert_array_equal(r.media("img").to_numpy(), pixels[-1])
    np.testing.assert_array_equal(r.media("img", step=0).to_numpy(), pixels[0])
    first, second = r.media("gallery", step=1)
    np.testing.assert_array_equal(first.to_numpy(), pixels[1])
    np.testing.assert_array_equal(second.to_numpy(), 255 - pixels[1])
    assert isinstance(r.media("hist"), mt.Histogram) and len(r.media("hist").values) == 16
    table = r.media("df")
    assert isinstance(table, mt.Table) and table.get_column("b") == ["x", "y", "z"]
    with PILImage.open(tmp_path / "r" / r.history(keys=["fig"])[0]["fig"]["path"]) as im:
        assert im.size == (100, 100)  # the figure rendered at 2 in × 50 dpi
    np.testing.assert_array_equal(r.media("best_image").to_numpy(), pixels[0])


def test_arrays_are_refused_with_a_hint() -> None:
    run = mt.init(
        transport="memory:", console=False, git=False, packages=False, system_metrics=False
    )
    with pytest.raises(TypeError, match=r"mediatypes\.Histogram\(x\)"):
        run.log({"weights": np.zeros(10)})
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="Histogram"):
        run.log({"weights": torch.zeros(3, 3)})
    run.finish()
