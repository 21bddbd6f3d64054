"""Contract cases for Video: every output format plus a kept file, decoded by independent readers
(Pillow/imageio for GIF, the imageio-ffmpeg binary for MP4/WebM/OGG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mediatypes.video import Video

from .case import Case

FIXTURES = Path(__file__).parents[2] / "fixtures"


def _frames(t: int = 6, h: int = 24, w: int = 40) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.asarray(
        [np.stack([(xx * 6 + i * 20) % 256, yy * 10 % 256, (xx + yy) * 3 % 256]) for i in range(t)],
        dtype=np.uint8,
    )


def ffmpeg_frames(path: Path) -> tuple[dict[str, Any], np.ndarray]:
    """Decode with the ffmpeg binary of imageio-ffmpeg (not the PyAV libraries we encode with)."""
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    frames = [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in gen]
    return meta, np.asarray(frames)


def _check_gif(m: dict[str, Any], root: Path) -> None:
    import imageio.v3 as iio

    got = iio.imread(root / m["path"], index=None, mode="RGB")
    want = _frames().transpose(0, 2, 3, 1).astype(int)
    assert got.shape == (m["frames"], m["height"], m["width"], 3) == want.shape
    assert np.abs(got.astype(int) - want).mean() < 4  # octree quantization error, 256 colours
    assert (m["format"], m["codec"], m["fps"], m["duration"]) == ("gif", "gif", 4.0, 1.5)


def _check_ffmpeg(fmt: str, h: int, w: int) -> Any:
    def check(m: dict[str, Any], root: Path) -> None:
        meta, got = ffmpeg_frames(root / m["path"])
        assert m["format"] == fmt
        assert got.shape == (6, h + h % 2 * (fmt == "mp4"), w + w % 2 * (fmt == "mp4"), 3)
        assert (m["frames"], m["height"], m["width"]) == got.shape[:3]
        want = _frames(6, h, w).transpose(0, 2, 3, 1).astype(int)
        err = np.abs(got[:, :h, :w].astype(int) - want).mean()
        assert err < 12, err  # lossy codec on a smooth gradient
        assert meta["fps"] == m["fps"] == 4.0

    return check


def _check_kept(m: dict[str, Any], root: Path) -> None:
    assert (root / m["path"]).read_bytes() == (FIXTURES / "video" / "tiny.webm").read_bytes()
    assert (m["format"], m["codec"], m["width"], m["height"], m["frames"]) == (
        "webm",
        "vp9",
        40,
        24,
        4,
    )


def _check_batch(m: dict[str, Any], root: Path) -> None:
    import imageio.v3 as iio

    got = iio.imread(root / m["path"], index=None)
    assert m["grid"] == {"rows": 2, "cols": 2, "items": 3}
    assert got.shape[:3] == (2, 16, 20)
    for i, level in enumerate((60, 120, 180)):
        r, c = divmod(i, 2)
        assert (got[:, r * 8 : r * 8 + 8, c * 10 : c * 10 + 10] == level).all()
    assert (got[:, 8:, 10:] == 0).all()  # the empty fourth cell is black


def _batch() -> Video:
    x = np.zeros((3, 2, 1, 8, 10), np.uint8)
    for i, level in enumerate((60, 120, 180)):
        x[i] = level
    return Video(x, fps=2, caption="grid")


CASES = [
    Case("video-gif", lambda: Video(_frames(), caption="gradient"), _check_gif),
    Case(
        "video-mp4-odd",
        lambda: Video(_frames(6, 23, 39), format="mp4"),
        _check_ffmpeg("mp4", 23, 39),
    ),
    Case("video-webm", lambda: Video(_frames(), format="webm"), _check_ffmpeg("webm", 24, 40)),
    Case("video-ogg", lambda: Video(_frames(), format="ogg"), _check_ffmpeg("ogg", 24, 40)),
    Case("video-batch-grid", _batch, _check_batch),
    Case("video-kept-webm", lambda: Video(FIXTURES / "video" / "tiny.webm"), _check_kept),
]
