"""Bad Image input: the right error class, a message naming the parameter, and no file written."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest

from mediatypes import errors as E
from mediatypes.image import Image

FIX = Path(__file__).parents[2] / "fixtures" / "image"
RGB = np.zeros((8, 10, 3), np.uint8)
POS = {"minX": 0.1, "maxX": 0.2, "minY": 0.3, "maxY": 0.4}


def box(**kw: Any) -> dict[str, Any]:
    """Image kwargs with one box layer 'pred' holding two good boxes and then ``kw`` as box 2."""
    good = {"position": POS, "class_id": 1}
    return {"data": RGB, "boxes": {"pred": {"box_data": [good, good, {**good, **kw}]}}}


def mask(layer: dict[str, Any]) -> dict[str, Any]:
    return {"data": RGB, "masks": {"pred": layer}}


def png_file(tmp: Path, arr: np.ndarray, mode: str | None = None) -> Path:
    path = tmp / "m.png"
    PIL.Image.fromarray(arr, mode=mode).save(path) if mode else PIL.Image.fromarray(arr).save(path)
    return path


def corrupt_mask(tmp: Path) -> Path:
    """The tiny mask PNG with its pixel data damaged (header intact, IDAT CRC wrong)."""
    data = (FIX / "tiny_mask.png").read_bytes()
    i = data.index(b"IDAT") + 8
    path = tmp / "bad_mask.png"
    path.write_bytes(data[:i] + bytes(b ^ 0xFF for b in data[i : i + 8]) + data[i + 8 :])
    return path


# (id, kwargs or a function of a tmp dir returning kwargs, error class, text the message contains)
BAD: list[tuple[str, Any, type[Exception], str]] = [
    ("4d-shape", {"data": np.zeros((5, 64, 64, 2))}, E.ShapeError, "`data` expects (H, W)"),
    ("2-channels", {"data": np.zeros((64, 64, 2))}, E.ShapeError, "got shape (64, 64, 2)"),
    ("1d", {"data": np.zeros(10)}, E.ShapeError, "`data`"),
    ("5-channels-first", {"data": np.zeros((5, 7, 7))}, E.ShapeError, "`data`"),
    ("empty-2d", {"data": np.zeros((0, 5))}, E.ShapeError, "non-empty"),
    ("empty-3d", {"data": np.zeros((0, 0, 3), np.uint8)}, E.ShapeError, "non-empty"),
    ("nan", {"data": np.array([[0.1, np.nan]])}, E.NonFiniteError, "`data` expects finite"),
    ("inf", {"data": np.array([[0.1, -np.inf]], np.float32)}, E.NonFiniteError, "`data`"),
    ("complex", {"data": np.zeros((4, 4), complex)}, E.InvalidTypeError, "dtype complex128"),
    ("object-dtype", {"data": np.array([[None, 1]])}, E.InvalidTypeError, "`data`"),
    ("negative-int", {"data": np.array([[-1, 5]])}, E.InvalidInputError, "`data` expects integer"),
    ("rgb-int-over-255", {"data": np.full((2, 2, 3), 300)}, E.InvalidInputError, "[300, 300]"),
    ("uint16-rgb", {"data": np.full((2, 2, 3), 4000, np.uint16)}, E.InvalidInputError, "2-D"),
    ("int-over-65535", {"data": np.array([[0, 70000]])}, E.InvalidInputError, "`data`"),
    ("list", {"data": [[0, 1], [1, 0]]}, E.InvalidTypeError, "np.asarray"),
    ("int", {"data": 42}, E.InvalidTypeError, "`data` expects"),
    ("none", {"data": None}, E.InvalidTypeError, "got None"),
    ("missing-path", {"data": "/nonexistent/x.png"}, E.MediaFileNotFoundError, "x.png"),
    ("dir-path", {"data": FIX}, E.MediaFileNotFoundError, "not a file"),
    ("corrupt-png", {"data": FIX / "corrupt.png"}, E.DecodeError, "corrupt.png"),
    ("truncated-jpg", {"data": FIX / "truncated.jpg"}, E.DecodeError, "truncated.jpg"),
    ("garbage-bytes", {"data": b"not an image at all"}, E.DecodeError, "`data`"),
    ("empty-bytes", {"data": b""}, E.DecodeError, "`data`"),
    ("text-file-object", {"data": io.StringIO("abc")}, E.InvalidTypeError, "binary mode"),
    ("file-type-tiff", {"data": RGB, "file_type": "tiff"}, E.UnsupportedFormatError, "`file_type`"),
    ("file-type-int", {"data": RGB, "file_type": 5}, E.InvalidTypeError, "`file_type`"),
    ("gif-from-array", {"data": RGB, "file_type": "gif"}, E.UnsupportedFormatError, "`file_type`"),
    (
        "16-bit-to-jpeg",
        {"data": np.full((2, 2), 999, np.uint16), "file_type": "jpeg"},
        E.UnsupportedFormatError,
        "16-bit",
    ),
    ("caption-int", {"data": RGB, "caption": 5}, E.InvalidTypeError, "`caption`"),
    ("mode-unknown", {"data": RGB, "mode": "XYZ"}, E.UnsupportedFormatError, "`mode`"),
    ("mode-int", {"data": RGB, "mode": 3}, E.InvalidTypeError, "`mode`"),
    (
        "mode-unreachable",
        {"data": PIL.Image.new("P", (4, 4)), "mode": "I;16"},
        E.UnsupportedFormatError,
        "`mode` 'I;16'",
    ),
    # masks
    ("masks-not-dict", {"data": RGB, "masks": [1]}, E.InvalidTypeError, "`masks`"),
    ("mask-layer-name", {"data": RGB, "masks": {3: {}}}, E.InvalidTypeError, "`masks`"),
    (
        "mask-size-mismatch",
        mask({"mask_data": np.zeros((8, 9), int)}),
        E.ShapeError,
        "`masks['pred']` expects a mask of the image size (H, W) = (8, 10); got shape (8, 9)",
    ),
    ("mask-3d", mask({"mask_data": np.zeros((8, 10, 1), int)}), E.ShapeError, "mask_data"),
    ("mask-negative", mask({"mask_data": np.full((8, 10), -1)}), E.InvalidInputError, ">= 0"),
    (
        "mask-too-big-id",
        mask({"mask_data": np.full((8, 10), 70000)}),
        E.LimitExceededError,
        "65535",
    ),
    ("mask-fraction", mask({"mask_data": np.full((8, 10), 0.5)}), E.InvalidInputError, "integer"),
    ("mask-nan", mask({"mask_data": np.full((8, 10), np.nan)}), E.NonFiniteError, "mask_data"),
    ("mask-str-dtype", mask({"mask_data": np.full((8, 10), "a")}), E.InvalidTypeError, "mask_data"),
    ("mask-list", mask({"mask_data": [[1]]}), E.InvalidTypeError, "mask_data"),
    (
        "mask-both",
        mask({"mask_data": np.zeros((8, 10), int), "path": "x.png"}),
        E.InvalidInputError,
        "exactly one",
    ),
    ("mask-neither", mask({"class_labels": {}}), E.InvalidInputError, "exactly one"),
    (
        "mask-unknown-key",
        mask({"mask_data": np.zeros((8, 10)), "x": 1}),
        E.InvalidInputError,
        "'x'",
    ),
    ("mask-layer-not-dict", mask([1, 2]), E.InvalidTypeError, "`masks['pred']`"),
    ("mask-missing-path", mask({"path": "/nope/m.png"}), E.MediaFileNotFoundError, "['path']"),
    (
        "mask-corrupt-path",
        lambda tmp: {
            "data": np.zeros((6, 8), np.uint8),
            "masks": {"m": {"path": corrupt_mask(tmp)}},
        },
        E.DecodeError,
        "bad_mask.png",
    ),
    (
        "mask-path-size-mismatch",
        mask({"path": FIX / "tiny_mask.png"}),
        E.ShapeError,
        "(H, W) = (8, 10); got shape (6, 8)",
    ),
    (
        "mask-rgb-path",
        lambda tmp: mask({"path": png_file(tmp, np.zeros((8, 10, 3), np.uint8))}),
        E.ShapeError,
        "single-channel",
    ),
    (
        "mask-label-not-str",
        mask({"mask_data": np.zeros((8, 10), int), "class_labels": {0: 5}}),
        E.InvalidTypeError,
        "class_labels'][0]",
    ),
    (
        "mask-label-key-not-int",
        mask({"mask_data": np.zeros((8, 10), int), "class_labels": {"cat": "x"}}),
        E.InvalidInputError,
        "class_labels",
    ),
    # boxes
    ("boxes-not-dict", {"data": RGB, "boxes": "x"}, E.InvalidTypeError, "`boxes`"),
    (
        "box-data-not-list",
        {"data": RGB, "boxes": {"pred": {"box_data": 3}}},
        E.InvalidTypeError,
        "`boxes['pred']['box_data']`",
    ),
    (
        "box-layer-extra-key",
        {"data": RGB, "boxes": {"p": {"box_data": [], "y": 1}}},
        E.InvalidInputError,
        "'y'",
    ),
    (
        "box-min-gt-max",
        box(position={"minX": 0.5, "maxX": 0.2, "minY": 0.1, "maxY": 0.3}),
        E.InvalidInputError,
        "Image: `boxes['pred']['box_data'][2]['position']` expects minX <= maxX; "
        "got minX=0.5, maxX=0.2.",
    ),
    ("box-no-position", box(position=None), E.InvalidTypeError, "['box_data'][2]['position']"),
    (
        "box-mixed-keys",
        box(position={"minX": 0, "middle": [0, 0]}),
        E.InvalidInputError,
        "exactly the keys",
    ),
    ("box-nan", box(position={**POS, "minY": float("nan")}), E.NonFiniteError, "['minY']"),
    ("box-str-coord", box(position={**POS, "maxY": "0.4"}), E.InvalidTypeError, "['maxY']"),
    ("box-bool-coord", box(position={**POS, "maxY": True}), E.InvalidTypeError, "['maxY']"),
    (
        "box-outside-fraction",
        box(position={**POS, "maxX": 1.5}),
        E.InvalidInputError,
        "domain='pixel'",
    ),
    ("box-bad-domain", box(domain="percent"), E.InvalidInputError, "['domain']"),
    ("box-class-id-float", box(class_id=1.0), E.InvalidTypeError, "['class_id']"),
    ("box-class-id-negative", box(class_id=-2), E.InvalidInputError, "['class_id']"),
    ("box-caption-int", box(box_caption=3), E.InvalidTypeError, "['box_caption']"),
    ("box-scores-list", box(scores=[0.1]), E.InvalidTypeError, "['scores']"),
    ("box-scores-inf", box(scores={"p": float("inf")}), E.NonFiniteError, "['scores']['p']"),
    (
        "box-negative-width",
        box(position={"middle": [0.5, 0.5], "width": -0.1, "height": 0.1}),
        E.InvalidInputError,
        "width >= 0",
    ),
    (
        "box-middle-3",
        box(position={"middle": [0.5, 0.5, 0.5], "width": 0.1, "height": 0.1}),
        E.InvalidInputError,
        "['middle']",
    ),
    ("box-unknown-key", box(colour="red"), E.InvalidInputError, "'colour'"),
    (
        "box-not-dict",
        {"data": RGB, "boxes": {"pred": {"box_data": [3]}}},
        E.InvalidTypeError,
        "[0]",
    ),
    (
        "box-labels-not-dict",
        {"data": RGB, "boxes": {"pred": {"box_data": [], "class_labels": ["a"]}}},
        E.InvalidTypeError,
        "class_labels",
    ),
]


@pytest.mark.parametrize(("kwargs", "cls", "text"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_and_writes_nothing(
    kwargs: dict[str, Any] | Callable[[Path], dict[str, Any]],
    cls: type[Exception],
    text: str,
    assert_nothing_written: Path,
    tmp_path: Path,
) -> None:
    kw = kwargs(tmp_path) if callable(kwargs) else kwargs
    with pytest.raises(cls) as info:
        Image(**kw).save(assert_nothing_written)
    assert isinstance(info.value, E.MediaError)
    message = str(info.value)
    assert message.startswith("Image: `"), message
    assert text in message, message


def test_there_are_at_least_25_distinct_bad_inputs() -> None:
    assert len({b[0] for b in BAD}) == len(BAD) >= 25
    assert len({b[2] for b in BAD}) >= 8  # and many error classes, not one catch-all


def test_pixel_limit_refuses_before_decoding(
    monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr(Image, "MAX_PIXELS", 100)
    with pytest.raises(E.LimitExceededError, match="MAX_PIXELS"):
        Image(np.zeros((11, 10), np.uint8)).save(assert_nothing_written)
    with pytest.raises(E.LimitExceededError, match="MAX_PIXELS"):
        Image(PIL.Image.new("RGB", (20, 20))).save(assert_nothing_written)
    # a file whose header claims 4000x4000 but whose pixel data is garbage: refused as too large,
    # not as corrupt, so the size check happens before any pixel is decoded
    header = (FIX / "tiny.png").read_bytes()[:33]
    bomb = bytearray(header)
    bomb[16:24] = (4000).to_bytes(4, "big") + (4000).to_bytes(4, "big")
    bomb[29:33] = zlib.crc32(bytes(bomb[12:29])).to_bytes(4, "big")  # keep the IHDR CRC valid
    path = tmp_path / "bomb.png"
    garbage = b"IDAT" + b"\x07" * 64
    idat = (64).to_bytes(4, "big") + garbage + zlib.crc32(garbage).to_bytes(4, "big")
    path.write_bytes(bytes(bomb) + idat)
    with pytest.raises(E.LimitExceededError, match="4000x4000"):
        Image(path).save(assert_nothing_written)
    assert Image(np.zeros((10, 10), np.uint8)).width == 10  # at the limit is fine
    monkeypatch.setattr(Image, "MAX_PIXELS", 2**28)
    with pytest.raises(E.DecodeError, match=r"bomb\.png"):  # under the limit it is just corrupt
        Image(path).save(assert_nothing_written)


def test_default_limit_is_2_pow_28() -> None:
    assert Image.MAX_PIXELS == 2**28
