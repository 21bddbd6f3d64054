"""Image: arrays, PIL images, files, figures and tensors as canonical image files (``image-file``).

Encoding (schema version 1):

* arrays, tensors, PIL images and figures → **PNG** (8-bit L/LA/RGB/RGBA, 16-bit grayscale kept as
  16-bit ``I;16``); ``file_type="jpeg" | "bmp" | "webp"`` on request (JPEG quality 95, WebP lossless);
* PNG/JPEG/BMP/WebP/GIF files and byte strings are **kept byte-for-byte** after probing that they
  decode (unless ``mode`` or a different ``file_type`` asks for a conversion);
* segmentation ``masks`` → one PNG of class ids per layer (8-bit, 16-bit when an id exceeds 255);
* bounding ``boxes`` → validated and normalized into the manifest (``minX/maxX/minY/maxY`` + domain).

Array rules: ``(H, W)``, ``(H, W, 1|3|4)``, or channel-first ``(1|3|4, H, W)`` (torch tensors prefer
channel-first). Floats are scaled by :func:`mediatypes.core.arrays.float_to_uint8`; bool → 0/255;
uint8 kept; uint16 grayscale (and 2-D integers above 255) kept as 16-bit; other integers must lie in
0–255. PNG is written by a small numpy + zlib writer ("up" filter, zlib level 1): about twice as fast
as Pillow's PNG encoder at the same size (figures in BENCHMARKS.md), and deterministic.
"""

from __future__ import annotations

import hashlib
import io
import math
import numbers
import os
import struct
import warnings
import zlib
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import PIL.Image

from .core.arrays import check_finite, float_to_uint8, is_tensor, to_numpy
from .core.inputs import read_binary
from .core.media import Encoded, Media, Payload, check_caption, check_format, root_path
from .errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    MediaFileNotFoundError,
    NonFiniteError,
    ShapeError,
    UnsupportedFormatError,
    describe,
)

__all__ = ["Image"]

OWNER = "Image"

# file_type spelling -> canonical format name; GIF is only ever kept from a file, never written
_FILE_TYPES = {
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "bmp": "bmp",
    "webp": "webp",
    "gif": "gif",
}
_EXT = {"png": "png", "jpeg": "jpg", "bmp": "bmp", "webp": "webp", "gif": "gif"}
# Pillow's format name -> ours, for files kept byte-for-byte (MPO is a multi-picture JPEG)
_KEPT = {"PNG": "png", "JPEG": "jpeg", "MPO": "jpeg", "BMP": "bmp", "WEBP": "webp", "GIF": "gif"}
# modes each output format stores as-is
_MODES_OUT = {
    "png": {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"},
    "jpeg": {"L", "RGB"},
    "bmp": {"1", "L", "P", "RGB", "RGBA"},
    "webp": {"RGB", "RGBA"},
}
_USER_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")
_PNG_COLOR = {"L": (8, 0), "LA": (8, 4), "RGB": (8, 2), "RGBA": (8, 6), "I;16": (16, 0)}
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------------
# PNG writer


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bytes(arr: np.ndarray, level: int = 1) -> bytes:
    """Encode a uint8 (H, W[, 1|2|3|4]) or uint16 (H, W) array as PNG ("up" filter, zlib ``level``)."""
    h, w = arr.shape[:2]
    if arr.dtype == np.uint16:
        depth, color = 16, 0
        rows = arr.astype(">u2", copy=False).view(np.uint8).reshape(h, w * 2)
    else:
        channels = 1 if arr.ndim == 2 else arr.shape[2]
        depth, color = 8, {1: 0, 2: 4, 3: 2, 4: 6}[channels]
        rows = arr.reshape(h, w * channels)
    # filter type 2 ("up") on every row but the first: vectorized, and as small as Pillow's
    # adaptive per-row choice at zlib level 1 on natural images
    out = np.empty((h, rows.shape[1] + 1), np.uint8)
    out[0, 0] = 0
    out[1:, 0] = 2
    out[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=out[1:, 1:])
    header = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    return b"".join(
        (
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(out.data, level)),
            _chunk(b"IEND", b""),
        )
    )


# --------------------------------------------------------------------------------------------
# input coercion


def _is_figure(value: Any) -> bool:
    return any(
        f"{c.__module__}.{c.__qualname__}" == "matplotlib.figure.Figure"
        for c in type(value).__mro__
    )


def _read_source(data: Any) -> tuple[bytes, str]:
    """Bytes of a path, byte string or binary file object, plus how to name it in messages."""
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not os.path.isfile(path):
            raise MediaFileNotFoundError(
                f"{OWNER}: `data` path {path!r} does not exist or is not a file."
            )
        try:  # identify from the header first: a wrong path (a 10 GB archive) is not read whole
            PIL.Image.open(path).close()
        except PIL.Image.DecompressionBombError:
            pass  # reported by _probe, with the limits named
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError) as exc:
            raise DecodeError(
                f"{OWNER}: `data` file {path!r} does not decode as an image "
                f"({type(exc).__name__}: {exc})."
            ) from exc
        with open(path, "rb") as fh:
            return fh.read(), f"file {path!r}"
    what = "the file object" if hasattr(data, "read") else "the bytes"
    return read_binary(data, "data", OWNER), f"{what} given as `data`"


def _check_pixels(cls: type[Image], width: int, height: int, what: str) -> None:
    if width * height > cls.MAX_PIXELS:
        raise LimitExceededError(
            f"{OWNER}: `data` {what} is {width}x{height} = {width * height} pixels, above "
            f"Image.MAX_PIXELS = {cls.MAX_PIXELS} (decompression-bomb guard). Raise "
            "Image.MAX_PIXELS if you trust the input."
        )


def _probe(cls: type[Image], raw: bytes, where: str) -> PIL.Image.Image:
    """Decode ``raw`` fully (after a header-only size check); return the loaded image."""
    try:
        with PIL.Image.open(io.BytesIO(raw)) as head:
            _check_pixels(cls, head.width, head.height, where)
            head.verify()
        image = PIL.Image.open(io.BytesIO(raw))
        image.load()
    except PIL.Image.DecompressionBombError as exc:
        # Pillow's own guard fires while reading the header, before ours can: name both limits.
        raise LimitExceededError(
            f"{OWNER}: `data` {where} is too large to decode safely ({exc}). If you trust the "
            "input, raise Image.MAX_PIXELS and PIL.Image.MAX_IMAGE_PIXELS."
        ) from exc
    except LimitExceededError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError) as exc:
        raise DecodeError(
            f"{OWNER}: `data` {where} does not decode as an image ({type(exc).__name__}: {exc})."
        ) from exc
    return image


def _int_to_image(arr: np.ndarray, param: str, two_d: bool) -> np.ndarray:
    """Integer arrays are never rescaled: 0–255 → uint8, 2-D 0–65535 → uint16, else an error."""
    if arr.dtype == np.uint8:
        return arr
    lo, hi = int(arr.min()), int(arr.max())
    if two_d and (arr.dtype == np.uint16 or (hi > 255 and lo >= 0 and hi <= 65535)):
        return arr.astype(np.uint16, copy=False)
    if lo < 0 or hi > 255:
        extra = " (16-bit is kept only for 2-D grayscale)" if hi <= 65535 and lo >= 0 else ""
        raise InvalidInputError(
            f"{OWNER}: `{param}` expects integer pixel values in 0-255{extra}; got values in "
            f"[{lo}, {hi}] (dtype {arr.dtype}). Integers are never rescaled: convert to uint8 "
            "yourself or pass floats."
        )
    return arr.astype(np.uint8)


def _array_to_pixels(cls: type[Image], arr: np.ndarray, channel_first: bool) -> np.ndarray:
    """Validate shape and dtype; return an owned uint8 (H, W[, C]) or uint16 (H, W) array."""
    shape = arr.shape
    if arr.size == 0:
        raise ShapeError(f"{OWNER}: `data` expects a non-empty array; got shape {shape}.")
    first_ok = arr.ndim == 3 and shape[0] in (1, 3, 4)
    last_ok = arr.ndim == 3 and shape[2] in (1, 3, 4)
    if first_ok and (channel_first or not last_ok):
        arr = arr.transpose(1, 2, 0)
    elif arr.ndim != 2 and not last_ok:
        raise ShapeError(
            f"{OWNER}: `data` expects (H, W), (H, W, 1|3|4) or (1|3|4, H, W); got shape {shape}."
        )
    _check_pixels(cls, arr.shape[1], arr.shape[0], "array")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    kind = arr.dtype.kind
    if kind == "b":
        out = arr.astype(np.uint8) * np.uint8(255)
    elif kind == "f":
        out = float_to_uint8(arr, "data", OWNER)  # also refuses NaN/Inf with NonFiniteError
    elif kind in "iu":
        out = _int_to_image(arr, "data", arr.ndim == 2)
    else:
        raise InvalidTypeError(
            f"{OWNER}: `data` expects a bool, integer or float array; got dtype {arr.dtype}."
        )
    out = np.ascontiguousarray(out)
    if np.may_share_memory(out, arr):
        out = out.copy()  # the caller may mutate their array after constructing the Image
    return out


def _pixels_to_pil(px: np.ndarray) -> PIL.Image.Image:
    return PIL.Image.fromarray(px)  # L, RGB, RGBA from uint8; I;16 from 2-D uint16


def _normalize_pil(cls: type[Image], image: PIL.Image.Image) -> PIL.Image.Image:
    """An owned, loaded image in a storable mode (exotic modes converted, F/I via the array rules)."""
    _check_pixels(cls, image.width, image.height, "PIL image")
    if image.width < 1 or image.height < 1:
        raise ShapeError(
            f"{OWNER}: `data` expects a non-empty image; got a PIL image of size {image.size}."
        )
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise DecodeError(f"{OWNER}: `data` PIL image does not load: {exc}") from exc
    mode = image.mode
    if mode in _USER_MODES:
        return image.copy()
    if mode in ("F", "I") or mode.startswith("I;16"):
        px = _array_to_pixels(cls, np.asarray(image), channel_first=False)
        return _pixels_to_pil(px)
    has_alpha = "A" in mode or "a" in mode or "transparency" in image.info
    try:
        return image.convert("RGBA" if has_alpha else "RGB")
    except ValueError as exc:  # modes Pillow cannot convert, such as "La"
        raise UnsupportedFormatError(
            f"{OWNER}: `data` PIL image mode {mode!r} cannot be converted to RGB(A) ({exc}); "
            "convert it yourself first."
        ) from exc


def _for_format(image: PIL.Image.Image, fmt: str) -> PIL.Image.Image:
    """Convert to a mode ``fmt`` stores; warn when alpha is dropped, refuse to lose 16-bit depth."""
    mode = image.mode
    if mode in _MODES_OUT[fmt]:
        return image
    if mode == "I;16":
        raise UnsupportedFormatError(
            f"{OWNER}: `file_type` {fmt!r} cannot store 16-bit grayscale; got mode 'I;16'. "
            "Use file_type='png' (the default) to keep all 16 bits."
        )
    has_alpha = mode in ("LA", "RGBA", "PA") or "transparency" in image.info
    if fmt == "jpeg":
        if has_alpha:
            warnings.warn(
                f"{OWNER}: JPEG has no alpha channel; dropping the alpha of a {mode} image. "
                "Use file_type='png' to keep it.",
                UserWarning,
                stacklevel=4,
            )
        return image.convert("L" if mode in ("1", "L", "LA") else "RGB")
    return image.convert("RGBA" if has_alpha else "RGB")  # bmp, webp


# --------------------------------------------------------------------------------------------
# masks and boxes


def _labels(value: Any, where: str) -> dict[int, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            f"{OWNER}: `{where}` expects a dict of class id (int) to label (str); got "
            f"{describe(value)}."
        )
    out: dict[int, str] = {}
    for k, v in value.items():
        if isinstance(k, bool) or not isinstance(k, (int, np.integer, str)):
            raise InvalidTypeError(
                f"{OWNER}: `{where}` keys must be int class ids; got {describe(k)}."
            )
        try:
            cid = int(k)
        except ValueError:
            raise InvalidInputError(
                f"{OWNER}: `{where}` keys must be int class ids; got {k!r}."
            ) from None
        if not isinstance(v, str):
            raise InvalidTypeError(
                f"{OWNER}: `{where}[{cid}]` expects a str label; got {describe(v)}."
            )
        out[cid] = v
    return out


def _with_defaults(labels: dict[int, str], ids: Any) -> dict[str, str]:
    """Labels with ``class_<id>`` added for every id present but unlabelled; JSON (str) keys."""
    full = dict(labels)
    for cid in ids:
        full.setdefault(int(cid), f"class_{int(cid)}")
    return {str(k): full[k] for k in sorted(full)}


def _check_keys(value: Any, where: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            f"{OWNER}: `{where}` expects a dict with keys {', '.join(allowed)}; got {describe(value)}."
        )
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise InvalidInputError(
            f"{OWNER}: `{where}` has unknown key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(allowed)}."
        )
    return value


def _layers(value: Any, param: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            f"{OWNER}: `{param}` expects a dict of layer name to layer dict; got {describe(value)}."
        )
    for name in value:
        if not isinstance(name, str) or not name:
            raise InvalidTypeError(
                f"{OWNER}: `{param}` layer names must be non-empty str; got {name!r}."
            )
    return value


def _size_error(where: str, shape: tuple[int, int], got: tuple[int, ...]) -> ShapeError:
    return ShapeError(
        f"{OWNER}: `{where}` expects a mask of the image size (H, W) = {shape}; got shape {got}."
    )


def _mask_file(path: Any, where: str, shape: tuple[int, int]) -> np.ndarray:
    """Class ids from a single-channel image file; size checked from the header before decoding."""
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(
            f"{OWNER}: `{where}['path']` expects a path to a PNG; got {describe(path)}."
        )
    if not os.path.isfile(path):
        raise MediaFileNotFoundError(
            f"{OWNER}: `{where}['path']` {os.fspath(path)!r} does not exist or is not a file."
        )
    try:
        with PIL.Image.open(path) as im:
            if (im.height, im.width) != shape:
                raise _size_error(where, shape, (im.height, im.width))
            if im.mode not in ("1", "L", "P", "I", "I;16"):
                raise ShapeError(
                    f"{OWNER}: `{where}['path']` expects a single-channel image of class ids "
                    f"(mode L, P or I;16); got mode {im.mode!r}."
                )
            im.load()
            return np.array(im)
    except ShapeError:
        raise
    except PIL.Image.DecompressionBombError as exc:
        raise LimitExceededError(f"{OWNER}: `{where}['path']` is too large: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise DecodeError(
            f"{OWNER}: `{where}['path']` {os.fspath(path)!r} does not decode as an image: {exc}"
        ) from exc


def _mask_array(layer: Mapping[str, Any], where: str, shape: tuple[int, int]) -> np.ndarray:
    """Validated class ids of one mask layer as an owned uint8 or uint16 (H, W) array."""
    if ("mask_data" in layer) == ("path" in layer):
        raise InvalidInputError(f"{OWNER}: `{where}` expects exactly one of 'mask_data' or 'path'.")
    if "path" in layer:
        arr = _mask_file(layer["path"], where, shape)
        param = f"{where}['path']"
    else:
        param = f"{where}['mask_data']"
        arr = to_numpy(layer["mask_data"], param, OWNER)
    if arr.ndim != 2 or arr.size == 0:
        raise ShapeError(
            f"{OWNER}: `{param}` expects a non-empty 2-D array; got shape {arr.shape}."
        )
    if arr.shape != shape:
        raise _size_error(where, shape, arr.shape)
    kind = arr.dtype.kind
    if kind == "b":
        return arr.astype(np.uint8)
    if kind == "f":
        check_finite(arr, param, OWNER)
        if not np.array_equal(arr, np.round(arr)):
            raise InvalidInputError(
                f"{OWNER}: `{param}` expects integer class ids; got non-integral floats."
            )
    elif kind not in "iu":
        raise InvalidTypeError(
            f"{OWNER}: `{param}` expects integer class ids; got dtype {arr.dtype}."
        )
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0:
        raise InvalidInputError(
            f"{OWNER}: `{param}` expects class ids >= 0; got a minimum of {lo:g}."
        )
    if hi > 65535:
        raise LimitExceededError(
            f"{OWNER}: `{param}` expects class ids <= 65535 (stored as 16-bit PNG); got {hi:g}."
        )
    return arr.astype(np.uint8 if hi <= 255 else np.uint16)  # always a fresh, owned copy


_MINMAX = ("minX", "maxX", "minY", "maxY")
_MIDDLE = ("middle", "width", "height")
_BOX_KEYS = ("position", "domain", "class_id", "box_caption", "scores")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidTypeError(f"{OWNER}: `{where}` expects a number; got {describe(value)}.")
    out = float(value)
    if not math.isfinite(out):
        raise NonFiniteError(f"{OWNER}: `{where}` expects a finite number; got {out}.")
    return out


def _position(pos: Any, where: str, domain: str) -> dict[str, float]:
    if not isinstance(pos, Mapping):
        raise InvalidTypeError(
            f"{OWNER}: `{where}` expects a dict {{minX, maxX, minY, maxY}} or "
            f"{{middle, width, height}}; got {describe(pos)}."
        )
    keys = set(pos)
    if keys == set(_MINMAX):
        x0, x1, y0, y1 = (_number(pos[k], f"{where}['{k}']") for k in _MINMAX)
    elif keys == set(_MIDDLE):
        mid = pos["middle"]
        if not isinstance(mid, (list, tuple, np.ndarray)) or len(mid) != 2:
            raise InvalidInputError(
                f"{OWNER}: `{where}['middle']` expects [x, y]; got {describe(mid)}."
            )
        mx, my = (_number(v, f"{where}['middle'][{i}]") for i, v in enumerate(mid))
        w, h = (
            _number(pos["width"], f"{where}['width']"),
            _number(pos["height"], f"{where}['height']"),
        )
        for name, v in (("width", w), ("height", h)):
            if v < 0:
                raise InvalidInputError(
                    f"{OWNER}: `{where}` expects {name} >= 0; got {name}={v:g}."
                )
        x0, x1, y0, y1 = mx - w / 2, mx + w / 2, my - h / 2, my + h / 2
    else:
        raise InvalidInputError(
            f"{OWNER}: `{where}` expects exactly the keys minX, maxX, minY, maxY or exactly "
            f"middle, width, height; got {', '.join(sorted(map(str, keys))) or 'no keys'}."
        )
    for lo_name, hi_name, lo, hi in (("minX", "maxX", x0, x1), ("minY", "maxY", y0, y1)):
        if lo > hi:
            raise InvalidInputError(
                f"{OWNER}: `{where}` expects {lo_name} <= {hi_name}; got {lo_name}={lo:g}, "
                f"{hi_name}={hi:g}."
            )
    if domain == "fraction":
        for name, v in zip(_MINMAX, (x0, x1, y0, y1), strict=True):
            if not 0.0 <= v <= 1.0:
                raise InvalidInputError(
                    f"{OWNER}: `{where}` expects fractions of the image size in [0, 1]; got "
                    f"{name}={v:g}. Pass domain='pixel' for pixel coordinates."
                )
    return {"minX": x0, "maxX": x1, "minY": y0, "maxY": y1}


def _box(box: Any, where: str) -> dict[str, Any]:
    _check_keys(box, where, _BOX_KEYS)
    if "position" not in box:
        raise InvalidInputError(f"{OWNER}: `{where}` expects a 'position'.")
    domain = box.get("domain")
    if domain in (None, "fraction", "percentage"):  # "percentage" is the reference SDK's name
        domain = "fraction"
    elif domain != "pixel":
        raise InvalidInputError(
            f"{OWNER}: `{where}['domain']` expects 'pixel' or 'fraction' (the default); got "
            f"{domain!r}."
        )
    out: dict[str, Any] = {"position": _position(box["position"], f"{where}['position']", domain)}
    out["domain"] = domain
    if "class_id" not in box:
        raise InvalidInputError(f"{OWNER}: `{where}` expects a 'class_id' (int).")
    cid = box["class_id"]
    if isinstance(cid, bool) or not isinstance(cid, (int, np.integer)):
        raise InvalidTypeError(
            f"{OWNER}: `{where}['class_id']` expects an int; got {describe(cid)}."
        )
    if cid < 0:
        raise InvalidInputError(f"{OWNER}: `{where}['class_id']` expects an int >= 0; got {cid}.")
    out["class_id"] = int(cid)
    if box.get("box_caption") is not None:
        cap = box["box_caption"]
        if not isinstance(cap, str):
            raise InvalidTypeError(
                f"{OWNER}: `{where}['box_caption']` expects a str; got {describe(cap)}."
            )
        out["box_caption"] = cap
    if box.get("scores") is not None:
        scores = box["scores"]
        if not isinstance(scores, Mapping):
            raise InvalidTypeError(
                f"{OWNER}: `{where}['scores']` expects a dict of name to number; got "
                f"{describe(scores)}."
            )
        clean: dict[str, float] = {}
        for name, v in scores.items():
            if not isinstance(name, str):
                raise InvalidTypeError(
                    f"{OWNER}: `{where}['scores']` keys must be str; got {describe(name)}."
                )
            clean[name] = _number(v, f"{where}['scores'][{name!r}]")
        out["scores"] = dict(sorted(clean.items()))
    return out


def _boxes(value: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, layer in _layers(value, "boxes").items():
        where = f"boxes[{name!r}]"
        _check_keys(layer, where, ("box_data", "class_labels"))
        data = layer.get("box_data")
        if not isinstance(data, (list, tuple)):
            raise InvalidTypeError(
                f"{OWNER}: `{where}['box_data']` expects a list of box dicts; got {describe(data)}."
            )
        boxes = [_box(b, f"{where}['box_data'][{i}]") for i, b in enumerate(data)]
        labels = _labels(layer.get("class_labels"), f"{where}['class_labels']")
        ids = sorted({b["class_id"] for b in boxes})
        out[name] = {"box_data": boxes, "class_labels": _with_defaults(labels, ids)}
    return out


# --------------------------------------------------------------------------------------------
# the media type


class Image(Media):
    """An image with optional segmentation masks and bounding boxes.

    ``data``: numpy array or torch tensor ((H, W), (H, W, 1|3|4), (1|3|4, H, W)), PIL image, path,
    bytes / binary file object, matplotlib figure, or another ``Image``. ``mode``: a PIL mode to
    convert to. ``file_type``: ``png`` (default), ``jpg``/``jpeg``, ``bmp``, ``webp`` (``gif`` only
    for GIF files, kept as they are).

    >>> Image(np.zeros((32, 32, 3), np.uint8), caption="black").save("out")  # doctest: +SKIP
    """

    _type: ClassVar[str] = "image-file"
    SCHEMA_VERSION: ClassVar[int] = 1
    MAX_PIXELS: ClassVar[int] = 2**28  # decompression-bomb guard, checked before decoding
    PNG_LEVEL: ClassVar[int] = 1  # zlib level; see BENCHMARKS.md for the size/speed trade-off

    width: int
    height: int
    mode: str
    format: str

    def __init__(
        self,
        data: Any,
        mode: str | None = None,
        caption: str | None = None,
        masks: Mapping[str, Any] | None = None,
        boxes: Mapping[str, Any] | None = None,
        file_type: str | None = None,
    ) -> None:
        self.caption = check_caption(caption, OWNER)
        if mode is not None and not isinstance(mode, str):
            raise InvalidTypeError(f"{OWNER}: `mode` expects a str or None; got {describe(mode)}.")
        if mode is not None and mode not in _USER_MODES:
            raise UnsupportedFormatError(
                f"{OWNER}: `mode` expects one of {', '.join(_USER_MODES)}; got {mode!r}."
            )
        fmt = check_format(file_type, OWNER, "file_type", _FILE_TYPES)
        self._kept: bytes | None = None  # file bytes stored as they are
        self._pil: PIL.Image.Image | None = None  # pixels to encode
        self._masks: dict[str, tuple[np.ndarray, dict[int, str]]] = {}
        self._boxes: dict[str, dict[str, Any]] = {}

        if isinstance(data, Image):
            self._from_image(data, mode, fmt)
            if caption is None:
                self.caption = data.caption
            if masks is None:
                self._masks = dict(data._masks)
            if boxes is None:
                self._boxes = dict(data._boxes)
        elif isinstance(data, PIL.Image.Image):
            self._set_pil(_normalize_pil(type(self), data), mode, fmt)
        elif isinstance(data, np.ndarray) or is_tensor(data):
            arr = to_numpy(data, "data", OWNER)
            px = _array_to_pixels(type(self), arr, channel_first=is_tensor(data))
            self._set_pil(_pixels_to_pil(px), mode, fmt)
        elif _is_figure(data):
            buf = io.BytesIO()
            # no Software / date metadata, so the same figure gives the same bytes
            data.savefig(buf, format="png", metadata={"Software": None})
            self._set_source(buf.getvalue(), "rendered figure", mode, fmt)
        elif isinstance(data, (str, os.PathLike, bytes, bytearray, memoryview)) or hasattr(
            data, "read"
        ):
            raw, where = _read_source(data)
            self._set_source(raw, where, mode, fmt)
        else:
            raise InvalidTypeError(
                f"{OWNER}: `data` expects a numpy array, torch tensor, PIL image, path, bytes, "
                f"binary file object, matplotlib figure or Image; got {describe(data)}."
                + (" Wrap lists with np.asarray(...)." if isinstance(data, (list, tuple)) else "")
            )

        if masks is not None:
            self._masks = {}
            for name, layer in _layers(masks, "masks").items():
                where = f"masks[{name!r}]"
                _check_keys(layer, where, ("mask_data", "path", "class_labels"))
                ids = _mask_array(layer, where, (self.height, self.width))
                labels = _labels(layer.get("class_labels"), f"{where}['class_labels']")
                self._masks[name] = (ids, labels)
        if boxes is not None:
            self._boxes = _boxes(boxes)

    # ---- construction helpers

    def _set_pil(self, image: PIL.Image.Image, mode: str | None, fmt: str | None) -> None:
        if fmt == "gif":
            raise UnsupportedFormatError(
                f"{OWNER}: `file_type` 'gif' is only kept for GIF files given as `data`; pixels "
                "are written as png, jpeg, bmp or webp."
            )
        if mode is not None and mode != image.mode:
            try:
                image = image.convert(mode)
            except ValueError as exc:
                raise UnsupportedFormatError(
                    f"{OWNER}: `mode` {mode!r} cannot be reached from a {image.mode} image ({exc})."
                ) from exc
        fmt = fmt or "png"
        self._pil = _for_format(image, fmt)
        self.format = fmt
        self.width, self.height, self.mode = image.width, image.height, self._pil.mode

    def _set_source(self, raw: bytes, where: str, mode: str | None, fmt: str | None) -> None:
        image = _probe(type(self), raw, where)
        kept = _KEPT.get(image.format or "")
        if (
            kept is not None
            and (fmt is None or fmt == kept)
            and (mode is None or mode == image.mode)
        ):
            self._kept = raw
            self.format = kept
            self.width, self.height, self.mode = image.width, image.height, image.mode
            return
        self._set_pil(_normalize_pil(type(self), image), mode, fmt)

    def _from_image(self, other: Image, mode: str | None, fmt: str | None) -> None:
        if other._kept is not None:
            self._set_source(other._kept, "the Image given as `data`", mode, fmt)
        else:
            assert other._pil is not None
            self._set_pil(other._pil, mode, fmt or other.format)

    # ---- encoding

    def _encode_pixels(self) -> bytes:
        assert self._pil is not None
        image = self._pil
        if self.format == "png" and image.mode in _PNG_COLOR:
            return png_bytes(np.asarray(image), type(self).PNG_LEVEL)
        buf = io.BytesIO()
        if self.format == "png":
            image.save(buf, format="PNG", compress_level=type(self).PNG_LEVEL)
        elif self.format == "jpeg":
            image.save(buf, format="JPEG", quality=95)
        elif self.format == "webp":
            image.save(buf, format="WEBP", lossless=True)
        else:
            image.save(buf, format="BMP")
        return buf.getvalue()

    def _encode(self) -> Encoded:
        data = self._kept if self._kept is not None else self._encode_pixels()
        fields: dict[str, Any] = {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "mode": self.mode,
            "caption": self.caption,
        }
        if self._masks:
            fields["masks"] = {
                name: {
                    "file": Payload(
                        ext="png", data=png_bytes(ids, type(self).PNG_LEVEL), suffix=f"-mask-{name}"
                    ),
                    "class_labels": _with_defaults(labels, np.unique(ids)),
                }
                for name, (ids, labels) in sorted(self._masks.items())
            }
        if self._boxes:
            fields["boxes"] = {name: self._boxes[name] for name in sorted(self._boxes)}
        return Payload(ext=_EXT[self.format], data=data), fields

    # ---- reading back

    def to_pil(self) -> PIL.Image.Image:
        """The pixels as a PIL image (decoded from the kept file for file input)."""
        if self._kept is not None:
            image = PIL.Image.open(io.BytesIO(self._kept))
            image.load()
            return image
        assert self._pil is not None
        return self._pil.copy()

    def to_numpy(self) -> np.ndarray:
        """The pixels as a numpy array (uint8, or uint16 for 16-bit grayscale)."""
        return np.asarray(self.to_pil())

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Image:
        """Load an ``image-file`` manifest (and its mask files) written below ``root``."""
        path = root_path(root, manifest)
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != manifest.get("sha256"):
            raise DecodeError(
                f"{OWNER}: `manifest` file {manifest.get('path')!r} does not match its sha256; "
                "it was changed after it was written."
            )
        masks = {
            name: {
                "path": str(root_path(root, layer["file"])),
                "class_labels": {int(k): v for k, v in layer["class_labels"].items()},
            }
            for name, layer in manifest.get("masks", {}).items()
        }
        return cls(
            raw,
            caption=manifest.get("caption"),
            masks=masks or None,
            boxes=manifest.get("boxes") or None,
        )

    def __repr__(self) -> str:
        cap = f", caption={self.caption!r}" if self.caption else ""
        return f"<Image {self.width}x{self.height} {self.mode} {self.format}{cap}>"
