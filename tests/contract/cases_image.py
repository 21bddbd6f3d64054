"""Contract cases for Image: each decodes the written files with Pillow and compares pixels."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image

from mediatypes.image import Image

from .case import Case

FIX = Path(__file__).parents[2] / "fixtures" / "image"
RNG = np.random.default_rng(3)
RGB = RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)
RGBA = RNG.integers(0, 256, (9, 7, 4), dtype=np.uint8)
GRAY16 = RNG.integers(0, 65536, (5, 6), dtype=np.uint16)
_Y, _X = np.mgrid[0:16, 0:24]
SMOOTH = np.stack([_X * 10, _Y * 15, _X * 5 + _Y * 5], -1).astype(np.uint8)
MASK = RNG.integers(0, 4, (12, 10)).astype(np.int64)


def _decode(root: Path, ref: dict[str, Any]) -> np.ndarray:
    with PIL.Image.open(root / ref["path"]) as im:
        return np.asarray(im)


def _pixels(expected: np.ndarray, fmt: str = "png") -> Any:
    def check(m: dict[str, Any], root: Path) -> None:
        assert m["format"] == fmt
        assert (m["height"], m["width"]) == expected.shape[:2]
        got = _decode(root, m)
        np.testing.assert_array_equal(got, expected)

    return check


def _kept(source: Path, fmt: str) -> Any:
    def check(m: dict[str, Any], root: Path) -> None:
        assert m["format"] == fmt
        assert (root / m["path"]).read_bytes() == source.read_bytes()

    return check


def _check_jpeg(m: dict[str, Any], root: Path) -> None:
    assert m["format"] == "jpeg" and m["path"].endswith(".jpg") and m["mode"] == "RGB"
    with PIL.Image.open(root / m["path"]) as im:
        assert im.format == "JPEG"
        got = np.asarray(im).astype(int)
    diff = np.abs(got - SMOOTH.astype(int))
    assert diff.mean() < 2 and diff.max() <= 12  # lossy, but close


def _check_masks_boxes(m: dict[str, Any], root: Path) -> None:
    _pixels(RGB)(m, root)
    layer = m["masks"]["seg"]
    np.testing.assert_array_equal(_decode(root, layer["file"]), MASK)
    assert layer["class_labels"] == {"0": "class_0", "1": "cat", "2": "class_2", "3": "class_3"}
    box = m["boxes"]["det"]["box_data"][0]
    assert box["position"] == {"minX": 2.0, "maxX": 6.0, "minY": 1.0, "maxY": 5.0}
    assert box["domain"] == "pixel" and box["class_id"] == 1


CASES = [
    Case("image-uint8-rgb", lambda: Image(RGB, caption="rgb"), _pixels(RGB)),
    Case("image-rgba", lambda: Image(RGBA), _pixels(RGBA)),
    Case("image-uint16-gray", lambda: Image(GRAY16), _pixels(GRAY16)),
    Case(
        "image-float-01",
        lambda: Image(RGB.astype(np.float64) / 255.0),
        _pixels(RGB),
    ),
    Case("image-jpeg-out", lambda: Image(SMOOTH, file_type="jpg"), _check_jpeg),
    Case("image-bmp-out", lambda: Image(RGB, file_type="bmp"), _pixels(RGB, "bmp")),
    Case("image-webp-out", lambda: Image(RGB, file_type="webp"), _pixels(RGB, "webp")),
    Case("image-kept-jpeg", lambda: Image(FIX / "tiny.jpg"), _kept(FIX / "tiny.jpg", "jpeg")),
    Case("image-kept-gif", lambda: Image(FIX / "tiny.gif"), _kept(FIX / "tiny.gif", "gif")),
    Case(
        "image-kept-png-bytes",
        lambda: Image(io.BytesIO((FIX / "tiny.png").read_bytes())),
        _kept(FIX / "tiny.png", "png"),
    ),
    Case(
        "image-masks-boxes",
        lambda: Image(
            RGB,
            masks={"seg": {"mask_data": MASK, "class_labels": {1: "cat"}}},
            boxes={
                "det": {
                    "box_data": [
                        {
                            "position": {"middle": [4, 3], "width": 4, "height": 4},
                            "domain": "pixel",
                            "class_id": 1,
                        }
                    ]
                }
            },
        ),
        _check_masks_boxes,
    ),
]
