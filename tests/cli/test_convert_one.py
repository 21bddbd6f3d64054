"""``mediatypes.convert_one``: the unit of work of ``convert``, run here by ``dask.bag``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import mediatypes as mt
from mediatypes import schemas
from mediatypes.cli.validate import check_path
from mediatypes.errors import MediaFileNotFoundError, UnsupportedFormatError


def _inputs(root: Path) -> list[Path]:
    rng = np.random.default_rng(3)
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    paths = []
    for i in range(12):
        p = root / ("a" if i % 2 else "b") / f"img{i}.png"
        PILImage.fromarray(rng.integers(0, 255, (16 + i, 20, 3), np.uint8)).save(p)
        paths.append(p)
    np.save(root / "a" / "gray.npy", rng.random((10, 12)))
    paths.append(root / "a" / "gray.npy")
    return paths


def test_dask_bag_converts_a_folder(tmp_path: Path) -> None:
    db = pytest.importorskip("dask.bag")
    src, out = tmp_path / "src", tmp_path / "out"
    paths = _inputs(src)

    def one(p: Path) -> dict:
        name = p.relative_to(src).with_suffix("").as_posix()  # unique per input
        return mt.convert_one(p, out, name=name)

    manifests = db.from_sequence(paths, npartitions=3).map(one).compute(scheduler="processes")
    assert len(manifests) == len(paths)
    for p, m in zip(paths, manifests, strict=True):
        schemas.validate(m)
        assert m["_type"] == "image-file"
        decoded = np.asarray(PILImage.open(out / m["path"]))
        if p.suffix == ".png":
            np.testing.assert_array_equal(decoded, np.asarray(PILImage.open(p)))
        name = p.relative_to(src).with_suffix("").as_posix()
        assert (out / f"{name}.manifest.json").is_file()
    problems, counts = check_path(out)
    assert problems == [] and counts["manifest_files"] == len(paths)


def test_convert_one_raises_our_errors_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(MediaFileNotFoundError):
        mt.convert_one(tmp_path / "missing.png", out)
    p = tmp_path / "x.png"
    PILImage.fromarray(np.zeros((4, 4, 3), np.uint8)).save(p)
    with pytest.raises(UnsupportedFormatError):
        mt.convert_one(p, out, format="tiff")
    assert not out.exists() or list(out.rglob("*")) == []
    np.savez(tmp_path / "two.npz", left=np.zeros((8, 8)), right=np.ones((8, 8)))
    both = mt.convert_one(tmp_path / "two.npz", out)
    assert sorted(both) == ["left", "right"] and both["left"]["_type"] == "image-file"
