"""Video: encoders checked by decoding with independent readers, kept files, every bad input."""

from __future__ import annotations

import io
import sys
import warnings
from pathlib import Path
from typing import Any

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from mediatypes import _registry, schemas
from mediatypes.core.media import MANIFEST_SUFFIX
from mediatypes.core.store import MemoryStore
from mediatypes.errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    LimitExceededError,
    MediaFileNotFoundError,
    MissingDependencyError,
    NonFiniteError,
    ShapeError,
    UnsupportedFormatError,
)
from mediatypes.video import Video
from tests.contract.cases_video import ffmpeg_frames

FIX = Path(__file__).parents[2] / "fixtures" / "video"


def gradient(t: int = 5, c: int = 3, h: int = 24, w: int = 40) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    planes = [(xx * 6) % 256, (yy * 10) % 256, (xx + yy) * 3 % 256, np.full_like(xx, 255)]
    out = np.asarray([[(p + i * 9) % 256 for p in planes[:c]] for i in range(t)], dtype=np.uint8)
    if c == 4:
        out[:, 3] = 255  # opaque
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(float) - b.astype(float)) ** 2))
    return 10 * np.log10(255**2 / mse) if mse else float("inf")


def gif_frames(path: Path, mode: str = "RGB") -> np.ndarray:
    return iio.imread(path, index=None, mode=mode)


# ---- round trips ------------------------------------------------------------------------------


def test_gif_round_trip_count_size_and_pixels(tmp_path: Path) -> None:
    x = gradient(t=7)
    m = Video(x, fps=4, caption="g").save(tmp_path)
    got = gif_frames(tmp_path / m["path"])
    assert got.shape == (7, 24, 40, 3)
    want = x.transpose(0, 2, 3, 1)
    # fast-octree quantization to 256 colours of a 960-colour gradient: small mean error
    assert np.abs(got.astype(int) - want).mean() < 5 and psnr(got, want) > 30
    assert (m["frames"], m["width"], m["height"], m["fps"], m["duration"]) == (7, 40, 24, 4.0, 1.75)
    assert m["caption"] == "g"


def test_gif_keeps_identical_consecutive_frames(tmp_path: Path) -> None:
    x = np.repeat(gradient(t=1), 6, axis=0)  # Pillow's save_all would merge these into one
    m = Video(x).save(tmp_path)
    with Image.open(tmp_path / m["path"]) as im:
        assert im.n_frames == m["frames"] == 6
        assert im.info["duration"] == 250 and im.info["loop"] == 0


def test_grayscale_gif_is_lossless(tmp_path: Path) -> None:
    x = np.random.default_rng(1).integers(0, 256, (4, 1, 9, 11), dtype=np.uint8)
    m = Video(x).save(tmp_path)
    got = gif_frames(tmp_path / m["path"], mode="L")
    np.testing.assert_array_equal(got, x[:, 0])


def test_float_frames_are_scaled_like_images(tmp_path: Path) -> None:
    x = np.random.default_rng(2).random((3, 1, 8, 8)).astype(np.float32)
    m = Video(x).save(tmp_path)
    got = gif_frames(tmp_path / m["path"], mode="L")
    np.testing.assert_array_equal(got, np.floor(x[:, 0] * 255 + 0.5).astype(np.uint8))
    tanh = x * 2 - 1  # [-1, 1] data → (x + 1) * 127.5
    m2 = Video(tanh).save(tmp_path / "t")
    got2 = gif_frames(tmp_path / "t" / m2["path"], mode="L")
    assert np.abs(got2.astype(int) - np.floor((tanh[:, 0] + 1) * 127.5 + 0.5)).max() <= 1


def test_rgba_gif_keeps_one_bit_transparency(tmp_path: Path) -> None:
    x = gradient(t=3, c=4)
    x[:, 3, :, :20] = 0  # left half transparent
    m = Video(x).save(tmp_path)
    got = gif_frames(tmp_path / m["path"], mode="RGBA")
    assert got.shape == (3, 24, 40, 4)
    assert (got[..., :20, 3] == 0).all() and (got[..., 20:, 3] == 255).all()
    x[:, 3, 0, 0] = 100  # partial alpha cannot be kept: one warning, then thresholded
    with pytest.warns(UserWarning, match="1-bit"):
        Video(x)


def test_alpha_dropped_with_warning_for_mp4(tmp_path: Path) -> None:
    x = gradient(t=2, c=4)
    x[:, 3, 0, 0] = 10
    with pytest.warns(UserWarning, match="alpha channel"):
        v = Video(x, format="mp4")
    assert v.save(tmp_path)["alpha_dropped"] is True
    opaque = gradient(t=2, c=4)  # fully opaque alpha carries no information: no warning
    assert "alpha_dropped" not in Video(opaque, format="mp4").save(tmp_path / "o")


def smooth(t: int = 9, h: int = 24, w: int = 40) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    planes = [
        [xx * 255 // (w - 1), yy * 255 // (h - 1), np.full_like(xx, 100 + 10 * i)] for i in range(t)
    ]
    return np.asarray(planes, dtype=np.uint8)


# libtheora in 4:2:0 lets slow chroma changes lag behind (about 20 levels after 9 frames here);
# H.264 and VP9 track them. Both are lossy: the bound is on PSNR, not on single pixels.
@pytest.mark.parametrize(
    "fmt,codec,min_psnr", [("mp4", "h264", 33), ("webm", "vp9", 32), ("ogg", "theora", 22)]
)
def test_codecs_decode_with_ffmpeg(fmt: str, codec: str, min_psnr: float, tmp_path: Path) -> None:
    x = smooth()
    m = Video(x, fps=6, format=fmt).save(tmp_path)
    meta, got = ffmpeg_frames(tmp_path / m["path"])
    assert got.shape == (9, 24, 40, 3)
    assert meta["codec"].startswith(codec)
    assert psnr(got, x.transpose(0, 2, 3, 1)) > min_psnr
    assert (m["codec"], m["frames"], m["duration"]) == (codec, 9, 1.5)


def test_mp4_pads_odd_sizes_and_says_so(tmp_path: Path) -> None:
    x = gradient(t=3, h=13, w=21)
    m = Video(x, format="mp4").save(tmp_path)
    assert (m["width"], m["height"]) == (22, 14)
    assert m["padded"] == {"width": 21, "height": 13}
    _, got = ffmpeg_frames(tmp_path / m["path"])
    assert got.shape == (3, 14, 22, 3)
    assert "padded" not in Video(x, format="webm").save(tmp_path / "w")  # VP9 takes odd sizes


def test_pyav_decodes_mp4_frame_count(tmp_path: Path) -> None:
    import av

    m = Video(gradient(t=11), fps=10, format="mp4").save(tmp_path)
    with av.open(str(tmp_path / m["path"])) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 11 and (frames[0].width, frames[0].height) == (40, 24)


def test_batch_is_tiled_row_by_row(tmp_path: Path) -> None:
    b = 5  # → 3 columns, 2 rows, last cell empty
    x = np.zeros((b, 2, 1, 4, 6), np.uint8)
    for i in range(b):
        x[i] = 40 * (i + 1)
    m = Video(x).save(tmp_path)
    assert m["grid"] == {"rows": 2, "cols": 3, "items": 5}
    got = gif_frames(tmp_path / m["path"], mode="L")
    assert got.shape == (2, 8, 18)
    for i in range(b):
        r, c = divmod(i, 3)
        assert (got[:, r * 4 : r * 4 + 4, c * 6 : c * 6 + 6] == 40 * (i + 1)).all()
    assert (got[:, 4:, 12:] == 0).all()


def test_torch_tensor_input(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    x = torch.rand(3, 3, 8, 10, requires_grad=True)
    m = Video(x).save(tmp_path)
    assert (m["frames"], m["height"], m["width"]) == (3, 8, 10)


def test_input_array_is_copied() -> None:
    x = gradient(t=2)
    v = Video(x, format="gif")
    x[:] = 0
    a, _ = v.encode()
    b, _ = Video(gradient(t=2)).encode()
    assert a is not None and b is not None and a.data == b.data


def test_clip_object_by_duck_typing(tmp_path: Path) -> None:
    class Clip:  # what moviepy offers: iter_frames(fps=...) of (H, W, 3) uint8, and fps
        fps = 5

        def iter_frames(self, fps: float) -> Any:
            assert fps == 5
            yield from gradient(t=4).transpose(0, 2, 3, 1)

    m = Video(Clip()).save(tmp_path)
    assert (m["frames"], m["fps"], m["width"]) == (4, 5.0, 40)
    assert _registry.ADAPTERS["moviepy.video.VideoClip.VideoClip"] == "mediatypes.video:Video"


def test_gif_fps_is_what_the_file_plays(tmp_path: Path) -> None:
    m = Video(gradient(t=3), fps=3).save(tmp_path)
    with Image.open(tmp_path / m["path"]) as im:
        assert im.info["duration"] == 330
    assert m["fps"] == pytest.approx(100 / 33)
    assert m["duration"] == pytest.approx(0.99)


# ---- kept files -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gif", "mp4", "webm", "ogg"])
def test_files_are_kept_byte_for_byte(fmt: str, tmp_path: Path) -> None:
    src = FIX / f"tiny.{fmt}"
    m = Video(src, caption="kept").save(tmp_path)
    assert (tmp_path / m["path"]).read_bytes() == src.read_bytes()
    assert (m["format"], m["width"], m["height"], m["frames"]) == (fmt, 40, 24, 4)
    assert m["fps"] == 4.0 and m["duration"] == pytest.approx(1.0)
    assert m["path"].endswith(f".{fmt}") and m["caption"] == "kept"


def test_file_object_and_bytes_are_kept(tmp_path: Path) -> None:
    data = (FIX / "tiny.mp4").read_bytes()
    m1 = Video(io.BytesIO(data)).save(tmp_path / "a")
    m2 = Video(data, format="mp4").save(tmp_path / "b")
    assert m1 == m2 and m1["format"] == "mp4"
    assert (tmp_path / "a" / m1["path"]).read_bytes() == data


def test_manifest_loads_back_through_the_registry(tmp_path: Path) -> None:
    m = Video(gradient(), format="webm", caption="c").save(tmp_path)
    back = _registry.load(m, tmp_path)
    assert isinstance(back, Video)
    m2 = back.to_manifest(MemoryStore(), "video")
    assert {k: m2[k] for k in ("sha256", "format", "frames", "caption")} == {
        k: m[k] for k in ("sha256", "format", "frames", "caption")
    }
    saved = (tmp_path / ("video" + MANIFEST_SUFFIX)).read_bytes()
    schemas.validate(__import__("json").loads(saved))


def test_list_of_videos_is_one_list_manifest() -> None:
    clips = [Video(gradient(t=2), caption="a"), Video(gradient(t=3), fps=2, caption="b")]
    from mediatypes.core.media import list_manifest

    m = list_manifest(clips, MemoryStore(), "videos")
    schemas.validate(m)
    assert m["count"] == 2 and m["captions"] == ["a", "b"]
    assert [i["frames"] for i in m["items"]] == [2, 3]


# ---- bad input --------------------------------------------------------------------------------

BAD: list[tuple[str, Any, dict[str, Any], type[Exception], str]] = [
    (
        "3-D array",
        np.zeros((4, 8, 8), np.uint8),
        {},
        ShapeError,
        "`data_or_path`.*\\(T, C, H, W\\)",
    ),
    ("0 frames", np.zeros((0, 3, 8, 8), np.uint8), {}, ShapeError, "at least one frame"),
    ("0 width", np.zeros((2, 3, 8, 0), np.uint8), {}, ShapeError, "at least one frame"),
    ("2 channels", np.zeros((2, 2, 8, 8), np.uint8), {}, ShapeError, "C = 2"),
    ("channel-last", np.zeros((2, 8, 8, 3), np.uint8), {}, ShapeError, "transpose\\(0, 3, 1, 2\\)"),
    ("NaN", np.full((2, 3, 4, 4), np.nan, np.float32), {}, NonFiniteError, "`data_or_path`"),
    ("int out of range", np.full((2, 3, 4, 4), 300, np.int32), {}, InvalidInputError, "0..255"),
    ("list", [[[[0]]]], {}, InvalidTypeError, "`data_or_path`"),
    ("avi", FIX / "clip.avi", {}, UnsupportedFormatError, "`data_or_path`.*\\.avi"),
    ("truncated mp4", FIX / "truncated.mp4", {}, DecodeError, "`data_or_path`"),
    ("garbage webm", FIX / "garbage.webm", {}, DecodeError, "`data_or_path`"),
    ("mislabelled", FIX / "mislabelled.gif", {}, DecodeError, "named .gif but holds mp4"),
    ("missing file", FIX / "nope.mp4", {}, MediaFileNotFoundError, "not found"),
    ("garbage bytes", b"\x00" * 64, {}, DecodeError, "`data_or_path`"),
    ("empty file object", io.BytesIO(b""), {}, DecodeError, "empty"),
    (
        "format",
        np.zeros((2, 3, 4, 4), np.uint8),
        {"format": "avi"},
        UnsupportedFormatError,
        "`format`",
    ),
    ("fps 0", np.zeros((2, 3, 4, 4), np.uint8), {"fps": 0}, InvalidInputError, "`fps`"),
    (
        "fps nan",
        np.zeros((2, 3, 4, 4), np.uint8),
        {"fps": float("nan")},
        InvalidInputError,
        "`fps`",
    ),
    ("fps str", np.zeros((2, 3, 4, 4), np.uint8), {"fps": "4"}, InvalidTypeError, "`fps`"),
    ("fps str on file", FIX / "tiny.gif", {"fps": "4"}, InvalidTypeError, "`fps`"),
    ("caption", np.zeros((2, 3, 4, 4), np.uint8), {"caption": 3}, InvalidTypeError, "`caption`"),
]


@pytest.mark.parametrize("value,kwargs,exc,match", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_clear_error_and_writes_nothing(
    value: Any,
    kwargs: dict[str, Any],
    exc: type[Exception],
    match: str,
    assert_nothing_written: Path,
) -> None:
    if isinstance(value, io.BytesIO):
        value.seek(0)
    with pytest.raises(exc, match=match) as info:
        Video(value, **kwargs).save(assert_nothing_written)
    assert str(info.value).startswith("Video")


@pytest.mark.parametrize(
    ("name", "kwargs", "ignored"),
    [
        ("tiny.gif", {"fps": 4, "format": "gif"}, None),  # what the file holds: nothing to say
        ("tiny.mp4", {"fps": 4, "format": "gif"}, "format='gif' (the file is mp4)"),
        ("tiny.gif", {"fps": 8}, "fps=8 (the file plays at 4)"),
        ("tiny.webm", {"fps": 2, "format": "mp4"}, "format='mp4' (the file is webm) and fps=2"),
    ],
)
def test_fps_and_format_for_a_file_keep_the_file_and_say_what_was_ignored(
    tmp_path: Path, name: str, kwargs: dict[str, Any], ignored: str | None
) -> None:
    # the reference's own example passes fps=4, format="gif" with "numpy_array_or_path_to_video"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = Video(FIX / name, **kwargs).save(tmp_path)
    messages = [str(w.message) for w in caught]
    if ignored is None:
        assert messages == []
    else:
        assert len(messages) == 1 and ignored in messages[0] and "byte-for-byte" in messages[0]
    assert (tmp_path / m["path"]).read_bytes() == (FIX / name).read_bytes()
    assert (m["format"], m["fps"]) == (name.rsplit(".", 1)[1], 4.0)


def test_gif_fps_limit_is_checked_up_front(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="`fps` for GIF"):
        Video(gradient(t=2), fps=60)  # raised by the constructor, before anything is written
    m = Video(gradient(t=2), fps=60, format="mp4").save(tmp_path)
    assert m["fps"] == 60.0


def test_missing_pyav_gives_the_install_line(
    monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # makes `import av` raise ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'mediatypes\[video\]'"):
        Video(gradient(t=2), format="mp4").save(assert_nothing_written)
    with pytest.raises(MissingDependencyError, match=r"pip install 'mediatypes\[video\]'"):
        Video(FIX / "tiny.mp4")
    Video(gradient(t=2)).save(assert_nothing_written / "gif")  # GIF needs only Pillow
    for p in list((assert_nothing_written / "gif").iterdir()):
        p.unlink()
    (assert_nothing_written / "gif").rmdir()


def test_missing_imageio_ffmpeg_gives_the_install_line(
    monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'mediatypes\[video\]'"):
        Video(gradient(t=2), format="ogg").save(assert_nothing_written)


def test_a_file_with_huge_frames_is_refused_from_its_header(tmp_path: Path) -> None:
    import time

    import av

    # a real 200 KB MP4 whose one (black) frame is 8192×8200: 67M pixels, just over the limit
    src = tmp_path / "huge.mp4"
    with av.open(str(src), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=1)
        stream.width, stream.height, stream.pix_fmt = 8192, 8200, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        frame = av.VideoFrame(8192, 8200, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    start = time.perf_counter()
    with pytest.raises(LimitExceededError, match=r"8192×8200 .*Video\.MAX_PIXELS = 67108864"):
        Video(src)
    assert time.perf_counter() - start < 5  # refused from the header, no 100 MB frame decoded


@pytest.mark.parametrize("fmt", ["gif", "mp4", "webm", "ogg"])
def test_video_max_pixels_applies_to_every_container(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Video, "MAX_PIXELS", 40 * 24)
    assert Video(FIX / f"tiny.{fmt}")._file is not None  # exactly at the limit: accepted
    monkeypatch.setattr(Video, "MAX_PIXELS", 40 * 24 - 1)
    with pytest.raises(LimitExceededError, match="40×24"):
        Video(FIX / f"tiny.{fmt}")
    assert issubclass(LimitExceededError, ValueError)
