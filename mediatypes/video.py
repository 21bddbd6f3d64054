"""Video: frames ``(T, C, H, W)`` or batches ``(B, T, C, H, W)`` → GIF, MP4, WebM or OGG.

Encoders (chosen by measurement, figures in BENCHMARKS.md):

* ``gif``  — Pillow; every frame is quantized on its own with the fast octree quantizer (256
  colours, no dithering); grayscale (C = 1) is written as 8-bit gray frames without loss.
* ``mp4``  — H.264 (libx264, preset ``superfast``, CAVLC, CRF 23, ``yuv420p``) in-process through
  PyAV.
* ``webm`` — VP9 (libvpx-vp9, realtime deadline, ``cpu-used`` 6, CRF 32) through PyAV.
* ``ogg``  — Theora, piped through the ffmpeg binary bundled with imageio-ffmpeg (PyAV's wheels
  carry no Theora encoder).

Output is deterministic (bit-exact muxer flags, no timestamps). H.264 in ``yuv420p`` needs even
frame sizes: odd sizes are padded at the right/bottom edge by repeating the last column/row, and the
manifest says so (``padded`` holds the original size). A batch ``(B, T, C, H, W)`` becomes one video
whose frames are a grid of ``cols = ceil(sqrt(B))`` columns and ``rows = ceil(B / cols)`` rows,
filled row by row (item ``i`` at row ``i // cols``, column ``i % cols``), empty cells black.

Files and file objects of the four formats are kept byte-for-byte after probing that they decode;
an ``fps`` or ``format`` they do not have is ignored with a warning (never a re-encode).
"""

from __future__ import annotations

import io
import math
import os
import subprocess
import warnings
from fractions import Fraction
from typing import Any, ClassVar, NoReturn

import numpy as np

from .core.arrays import check_finite, float_to_uint8, to_numpy
from .core.inputs import is_binary_source, kept_source
from .core.media import (
    Encoded,
    Media,
    Payload,
    check_caption,
    check_format,
    kept_payload,
    root_path,
)
from .errors import (
    DecodeError,
    EncodingError,
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    ShapeError,
    UnsupportedFormatError,
    describe,
)

__all__ = ["Video"]

FORMATS = ("gif", "mp4", "webm", "ogg")
_EXT_FORMAT = {"gif": "gif", "mp4": "mp4", "m4v": "mp4", "webm": "webm", "ogg": "ogg", "ogv": "ogg"}
# PyAV container names (comma-separated aliases) → our format
_CONTAINER_FORMAT = {"gif": "gif", "mp4": "mp4", "mov": "mp4", "webm": "webm", "ogg": "ogg"}
_CODEC = {"gif": "gif", "mp4": "h264", "webm": "vp9", "ogg": "theora"}
_MAX_FPS = 1000.0
_MAX_GIF_FPS = 50.0  # GIF delays are whole centiseconds; browsers treat < 2 cs as 10 cs
_MIN_GIF_FPS = 100 / 65535  # the longest GIF delay: a 16-bit count of centiseconds
OWNER = "Video"


def _av() -> Any:
    from ._optional import require

    return require("av", "Video (mp4/webm/ogg encoding and probing video files)")


def _check_fps(fps: Any) -> float:
    if isinstance(fps, bool) or not isinstance(
        fps, (int, float, Fraction, np.integer, np.floating)
    ):
        raise InvalidTypeError(f"{OWNER}: `fps` expects a positive number; got {describe(fps)}.")
    value = float(fps)
    if not (math.isfinite(value) and 0 < value <= _MAX_FPS):
        raise InvalidInputError(
            f"{OWNER}: `fps` expects a number in (0, {_MAX_FPS:g}]; got {fps!r}."
        )
    return value


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Frames of any numeric dtype as uint8, by the image rule (floats scaled, ints never).

    uint8 input is returned as is (not copied)."""
    kind = arr.dtype.kind
    if kind == "b":
        return arr.astype(np.uint8) * np.uint8(255)
    if kind == "f":
        check_finite(arr, "data_or_path", OWNER)
        return float_to_uint8(arr, "data_or_path", OWNER)
    if kind in "iu":
        if arr.dtype == np.uint8:
            return arr  # the caller copies while reordering to (T, H, W, C)
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > 255:
            raise InvalidInputError(
                f"{OWNER}: `data_or_path` integer frames must lie in 0..255; got values in "
                f"[{lo}, {hi}] (dtype {arr.dtype}). Integers are never rescaled: convert to uint8 "
                "or pass floats in [0, 1]."
            )
        return arr.astype(np.uint8)
    raise InvalidTypeError(
        f"{OWNER}: `data_or_path` expects a numeric array; got dtype {arr.dtype}."
    )


def _tile(batch: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """(B, T, C, H, W) → (T, C, rows*H, cols*W), items laid out row by row, empty cells black."""
    b, t, c, h, w = batch.shape
    cols = math.ceil(math.sqrt(b))
    rows = math.ceil(b / cols)
    grid = np.zeros((rows * cols, t, c, h, w), dtype=batch.dtype)
    grid[:b] = batch
    out = grid.reshape(rows, cols, t, c, h, w).transpose(2, 3, 0, 4, 1, 5)
    return np.ascontiguousarray(out.reshape(t, c, rows * h, cols * w)), {
        "rows": rows,
        "cols": cols,
        "items": b,
    }


def _frames_from_array(value: Any) -> tuple[np.ndarray, dict[str, int] | None]:
    arr = to_numpy(value, "data_or_path", OWNER)
    if arr.ndim not in (4, 5):
        raise ShapeError(
            f"{OWNER}: `data_or_path` expects frames of shape (T, C, H, W) or a batch "
            f"(B, T, C, H, W) with C = 1, 3 or 4; got shape {arr.shape}. "
            "For a single image use Image; for one frame add a time axis: x[None]."
        )
    if 0 in arr.shape:
        raise ShapeError(
            f"{OWNER}: `data_or_path` expects at least one frame of at least 1×1 pixels; "
            f"got shape {arr.shape}."
        )
    c = arr.shape[-3]
    if c not in (1, 3, 4):
        hint = ""
        if arr.shape[-1] in (1, 3, 4):
            hint = " It looks channel-last: use x.transpose(0, 3, 1, 2) (or (0, 1, 4, 2, 3) for a batch)."
        raise ShapeError(
            f"{OWNER}: `data_or_path` expects C = 1, 3 or 4 channels in (T, C, H, W); got shape "
            f"{arr.shape} with C = {c}.{hint}"
        )
    frames = _to_uint8(arr)
    grid = None
    if frames.ndim == 5:
        frames, grid = _tile(frames)
    t, c, h, w = frames.shape
    out = np.empty((t, h, w, c), np.uint8)  # always a private copy: callers may mutate theirs
    np.copyto(out, frames.transpose(0, 2, 3, 1))
    return out, grid


class Video(Media):
    """A video from frames, a video file, a file object or a clip object.

    ``data_or_path``: array ``(T, C, H, W)`` / ``(B, T, C, H, W)`` (numpy or torch; C = 1, 3, 4),
    a ``.gif``/``.mp4``/``.webm``/``.ogg`` path, a binary file object or bytes, or any clip with
    ``iter_frames()`` and ``fps`` (e.g. moviepy, which is never imported). ``fps`` defaults to 4
    (a clip's own fps for clips). ``format`` defaults to ``gif`` for frames and to the file's own
    format for files.

    >>> Video(np.zeros((8, 3, 32, 32), np.uint8), fps=8, format="mp4").save("out")  # doctest: +SKIP
    """

    _type: ClassVar[str] = "video-file"
    SCHEMA_VERSION: ClassVar[int] = 1
    # pixels per frame of a video *file*, checked from the stream header before any frame is
    # decoded (a file claiming 16k×16k would cost ~400 MB for its first frame); 8K is 33M
    MAX_PIXELS: ClassVar[int] = 2**26

    def __init__(
        self,
        data_or_path: Any,
        fps: float | None = None,
        format: str | None = None,
        caption: str | None = None,
    ) -> None:
        self.caption = check_caption(caption, OWNER)
        fmt = check_format(format, OWNER, "format", FORMATS)
        self._frames: np.ndarray | None = None
        self._grid: dict[str, int] | None = None
        self._file: dict[str, Any] | None = None  # probed info of a kept file
        self._source: str | None = None
        self._data: bytes | None = None
        if isinstance(data_or_path, (str, os.PathLike)) or is_binary_source(data_or_path):
            kept = kept_source(
                data_or_path,
                _EXT_FORMAT,
                "data_or_path",
                OWNER,
                " Convert it first, e.g. with ffmpeg -i in.avi out.mp4.",
            )
            self._source, self._data = kept.path, kept.data
            self._init_kept(kept.probe, kept.ext_format, fmt, fps)
        elif hasattr(data_or_path, "iter_frames") and hasattr(data_or_path, "fps"):
            clip_fps = _check_fps(fps if fps is not None else data_or_path.fps)
            frames = [np.asarray(f) for f in data_or_path.iter_frames(fps=clip_fps)]
            if not frames:
                raise ShapeError(f"{OWNER}: `data_or_path` clip yielded no frames.")
            stacked = np.stack(frames)
            if stacked.ndim == 3:
                stacked = stacked[..., None]
            self._init_frames(stacked.transpose(0, 3, 1, 2), fmt or "gif", clip_fps)
        else:
            self._init_frames(data_or_path, fmt or "gif", _check_fps(4 if fps is None else fps))

    # ---- inputs -------------------------------------------------------------------------------

    def _init_frames(self, value: Any, fmt: str, fps: float) -> None:
        if fmt == "gif" and fps > _MAX_GIF_FPS:
            _gif_fps_error(fps)
        if fmt == "gif" and fps < _MIN_GIF_FPS:
            raise InvalidInputError(
                f"{OWNER}: `fps` for GIF must be at least {_MIN_GIF_FPS:.6g} (the longest GIF frame "
                f"delay is 655.35 s); got {fps:g}."
            )
        if fmt != "gif" and _rate(fps) == 0:
            raise InvalidInputError(
                f"{OWNER}: `fps` for {fmt} must be at least 1/1001 (frame rates are stored as "
                f"fractions with a denominator up to 1001); got {fps:g}."
            )
        frames, self._grid = _frames_from_array(value)
        self.format = fmt
        self.fps = fps
        self._alpha_dropped = False
        if frames.shape[-1] == 4:
            if bool((frames[..., 3] == 255).all()):
                frames = np.ascontiguousarray(frames[..., :3])  # opaque: alpha carries nothing
            elif fmt == "gif":  # GIF keeps a 1-bit transparency: alpha < 128 → transparent
                a = frames[..., 3]
                if bool(((a != 0) & (a != 255)).any()):
                    warnings.warn(
                        f"{OWNER}: GIF transparency is 1-bit; partial alpha in `data_or_path` is "
                        "thresholded at 128 (pass alpha as 0 or 255 to avoid this).",
                        stacklevel=3,
                    )
            else:
                warnings.warn(
                    f"{OWNER}: format {fmt!r} has no alpha channel; the alpha channel of "
                    "`data_or_path` is dropped (use format='gif' to keep 1-bit transparency).",
                    stacklevel=3,
                )
                frames = frames[..., :3]
                self._alpha_dropped = True
        self._frames = frames

    def _init_kept(self, src: Any, ext_fmt: str | None, fmt: str | None, fps: Any) -> None:
        wanted = None if fps is None else _check_fps(fps)
        info = _probe(src, ext_fmt, type(self).MAX_PIXELS)
        # The reference ignores `fps` and `format` for files without a word (its own example
        # passes fps=4, format="gif" with "numpy_array_or_path_to_video"); we keep the file
        # byte-for-byte too, and say so when what was asked differs from what the file holds.
        ignored = []
        if fmt is not None and fmt != info["format"]:
            ignored.append(f"format={fmt!r} (the file is {info['format']})")
        if wanted is not None and not math.isclose(wanted, info["fps"], rel_tol=0.02):
            ignored.append(f"fps={wanted:g} (the file plays at {info['fps']:g})")
        if ignored:
            warnings.warn(
                f"{OWNER}: a video file is kept byte-for-byte, so {' and '.join(ignored)} "
                "was ignored; pass the frames as an array to encode them with these settings.",
                stacklevel=3,
            )
        self._file = info
        self.format = info["format"]
        self.fps = info["fps"]

    # ---- encoding -----------------------------------------------------------------------------

    def _encode(self) -> Encoded:
        if self._file is not None:
            payload = kept_payload(self.format, self._source, self._data)
            return payload, {**self._file, "caption": self.caption}
        assert self._frames is not None
        frames = self._frames
        t, h, w = frames.shape[:3]
        fields: dict[str, Any] = {"format": self.format, "codec": _CODEC[self.format]}
        if self.format == "gif":
            data, fps = _encode_gif(frames, self.fps)
        else:
            if self.format == "mp4" and (h % 2 or w % 2):
                frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
                fields["padded"] = {"width": w, "height": h}
            if frames.shape[-1] == 1:
                frames = np.repeat(frames, 3, axis=-1)
            fps = float(_rate(self.fps))  # the rate the file really gets (denominator <= 1001)
            encode = _encode_theora if self.format == "ogg" else _encode_av
            data = encode(np.ascontiguousarray(frames), self.format, fps)
        fields.update(
            width=int(frames.shape[2]),
            height=int(frames.shape[1]),
            fps=fps,
            frames=int(t),
            duration=t / fps,
            caption=self.caption,
        )
        if self._grid is not None:
            fields["grid"] = dict(self._grid)
        if self._alpha_dropped:
            fields["alpha_dropped"] = True
        return Payload(self.format, data=data), fields

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Video:
        """The video file of a manifest, kept as it is."""
        return cls(root_path(root, manifest), caption=manifest.get("caption"))

    def __repr__(self) -> str:
        cap = f", caption={self.caption!r}" if self.caption else ""
        return f"<Video format={self.format!r} fps={self.fps:g}{cap}>"


# ---- encoders ---------------------------------------------------------------------------------


_GRAY = bytes(v for v in range(256) for _ in range(3))


def _paletted(index: np.ndarray, palette: bytes) -> Any:
    from PIL import Image

    h, w = index.shape
    im = Image.frombytes("P", (w, h), np.ascontiguousarray(index).tobytes())
    im.putpalette(palette)
    return im


def _gif_fps_error(fps: float) -> NoReturn:
    raise InvalidInputError(
        f"{OWNER}: `fps` for GIF must be at most {_MAX_GIF_FPS:g} (GIF frame delays are whole "
        f"centiseconds and players slow down shorter ones); got {fps:g}. Use format='mp4'."
    )


def _encode_gif(frames: np.ndarray, fps: float) -> tuple[bytes, float]:
    """Pillow GIF; returns the bytes and the frame rate the file really has (centisecond delays).

    Frames are assembled with Pillow's frame-level GIF writer (``getheader``/``getdata``) rather
    than ``save_all``, because ``save_all`` merges identical consecutive frames, which would
    change the frame count. Every frame after the first carries its own palette.
    """
    from PIL import GifImagePlugin, Image

    if fps > _MAX_GIF_FPS:
        _gif_fps_error(fps)
    delay_cs = max(2, round(100 / fps))
    c = frames.shape[-1]
    images = []
    for f in frames:
        if c == 1:
            images.append(_paletted(f[..., 0], _GRAY))
        elif c == 3:
            images.append(Image.fromarray(f, "RGB").quantize(method=Image.Quantize.FASTOCTREE))
        else:  # RGBA → 255 colours + one transparent index (255) where alpha < 128
            im = Image.fromarray(np.ascontiguousarray(f[..., :3]), "RGB").quantize(
                colors=255, method=Image.Quantize.FASTOCTREE
            )
            idx = np.asarray(im).copy()
            idx[f[..., 3] < 128] = 255
            pal = bytes(im.getpalette() or [])
            images.append(_paletted(idx, (pal + bytes(768))[:768]))
    params: dict[str, Any] = {"duration": delay_cs * 10}
    if c == 4:
        params.update(transparency=255, disposal=2)
    header, _ = GifImagePlugin.getheader(images[0], None, {"loop": 0, **params})
    parts = list(header)
    for i, im in enumerate(images):
        parts.extend(GifImagePlugin.getdata(im, (0, 0), include_color_table=i > 0, **params))
    parts.append(b";")
    return b"".join(parts), 100 / delay_cs


_AV_SETTINGS: dict[str, tuple[str, str, dict[str, str]]] = {
    # superfast + CAVLC: CABAC costs ~2x the time on high-entropy frames; one thread: frame
    # threading costs more than it gains on small frames when the cores are busy (BENCHMARKS.md)
    "mp4": (
        "libx264",
        "yuv420p",
        {"preset": "superfast", "crf": "23", "x264-params": "cabac=0", "threads": "1"},
    ),
    "webm": (
        "libvpx-vp9",
        "yuv420p",
        {"deadline": "realtime", "cpu-used": "6", "crf": "32", "b": "0"},
    ),
}


def _rate(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def _encode_av(frames: np.ndarray, fmt: str, fps: float) -> bytes:
    """MP4/WebM in-process through PyAV (no process start, no temp file)."""
    av = _av()
    codec, pix_fmt, options = _AV_SETTINGS[fmt]
    t, h, w, _ = frames.shape
    buf = io.BytesIO()
    try:
        with av.open(buf, "w", format=fmt, options={"fflags": "+bitexact"}) as container:
            stream = container.add_stream(codec, rate=_rate(fps))
            stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
            stream.options = dict(options)
            stream.codec_context.flags |= av.codec.context.Flags.bitexact
            for f in frames:
                container.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
            container.mux(stream.encode(None))
    except av.FFmpegError as exc:
        raise EncodingError(f"{OWNER}: {codec} failed to encode {t}×{h}×{w} frames: {exc}") from exc
    return buf.getvalue()


def _encode_theora(frames: np.ndarray, fmt: str, fps: float) -> bytes:
    """OGG/Theora by piping raw frames through imageio-ffmpeg's ffmpeg binary."""
    from ._optional import require

    exe = require("imageio_ffmpeg", "Video (ogg/Theora encoding)").get_ffmpeg_exe()
    t, h, w, _ = frames.shape
    rate = _rate(fps)
    cmd = [
        exe, "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{w}x{h}", "-framerate", f"{rate.numerator}/{rate.denominator}", "-i", "-",
        "-c:v", "libtheora", "-q:v", "7", "-pix_fmt", "yuv420p",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", "-f", "ogg", "-",
    ]  # fmt: skip
    try:
        out = subprocess.run(cmd, input=frames.tobytes(), capture_output=True, check=False)
    except OSError as exc:
        raise EncodingError(f"{OWNER}: cannot run ffmpeg ({exe}): {exc}") from exc
    if out.returncode != 0 or not out.stdout:
        msg = out.stderr.decode(errors="replace").strip()[-500:]
        raise EncodingError(f"{OWNER}: ffmpeg failed to encode Theora ({t}×{h}×{w}): {msg}")
    return out.stdout


# ---- probing kept files -----------------------------------------------------------------------


def _probe(src: Any, ext_fmt: str | None, max_pixels: int) -> dict[str, Any]:
    """Open a video with PyAV, check its container matches and its frame size is at most
    ``max_pixels`` (from the header), decode the first frame, read its info.

    Theora is the exception: FFmpeg 8/9's Theora decoder refuses many valid frame sizes, so for
    ``ogg`` the stream is checked at the container level (headers parse, packets present).
    """
    av = _av()
    name = src if isinstance(src, str) else "file object"
    try:
        container = av.open(src, "r")
    except (av.FFmpegError, ValueError) as exc:
        raise DecodeError(
            f"{OWNER}: `data_or_path` {name!r} does not decode as video: {exc}"
        ) from exc
    with container:
        names = container.format.name.split(",")
        fmt = next((_CONTAINER_FORMAT[n] for n in names if n in _CONTAINER_FORMAT), None)
        if fmt is None:
            raise UnsupportedFormatError(
                f"{OWNER}: `data_or_path` {name!r} is a {container.format.long_name} file; expected "
                f"gif, mp4, webm or ogg."
            )
        if ext_fmt is not None and fmt != ext_fmt:
            raise DecodeError(
                f"{OWNER}: `data_or_path` {name!r} is named .{ext_fmt} but holds {fmt} data."
            )
        if not container.streams.video:
            raise DecodeError(f"{OWNER}: `data_or_path` {name!r} has no video stream.")
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        claimed = int(stream.width or 0) * int(stream.height or 0)
        if claimed > max_pixels:
            raise LimitExceededError(
                f"{OWNER}: `data_or_path` {name!r} has {stream.width}×{stream.height} frames "
                f"({claimed} pixels), more than Video.MAX_PIXELS = {max_pixels} (a guard against "
                "files that decode to huge frames). Raise Video.MAX_PIXELS if you trust the input."
            )
        try:
            if codec == "theora":
                packets = sum(1 for p in container.demux(stream) if p.size)
                if packets == 0:
                    raise DecodeError(f"{OWNER}: `data_or_path` {name!r} has no video frames.")
            else:
                first = next(container.decode(stream), None)
                if first is None:
                    raise DecodeError(f"{OWNER}: `data_or_path` {name!r} has no video frames.")
        except av.FFmpegError as exc:
            raise DecodeError(
                f"{OWNER}: `data_or_path` {name!r} does not decode as video: {exc}"
            ) from exc
        width, height = int(stream.width), int(stream.height)
        rate = stream.average_rate or stream.guessed_rate
        frames = int(stream.frames or 0)
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        if frames <= 0:
            try:
                container.seek(0)
                frames = sum(1 for p in container.demux(stream) if p.size)
            except av.FFmpegError:
                frames = 0
    fps = float(rate) if rate else (frames / duration if frames and duration else 0.0)
    if duration is None:
        duration = frames / fps if fps else 0.0
    if width <= 0 or height <= 0 or frames <= 0 or fps <= 0:
        raise DecodeError(
            f"{OWNER}: `data_or_path` {name!r} reports no usable size, frame count or frame rate "
            f"({width}×{height}, {frames} frames, {fps:g} fps)."
        )
    return {
        "format": fmt,
        "codec": codec,
        "width": width,
        "height": height,
        "fps": fps,
        "frames": frames,
        "duration": duration,
    }
