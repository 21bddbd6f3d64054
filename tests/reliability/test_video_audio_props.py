"""Video and Audio property tests: random valid arrays round-trip through GIF/MP4/WAV/FLAC and an
independent decoder (Pillow, PyAV, soundfile) within the bounds each module documents; random
invalid input raises only MediaError and writes nothing; cheap-to-claim resource bombs (a GIF of
65535x65535, a GIF of 100k frames, a WAV claiming 32767 channels) are refused or handled with
bounded memory, in a separate interpreter with an address-space cap."""

from __future__ import annotations

import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mediatypes import schemas

from ._util import files_below, outcome, run_isolated

video_mod = pytest.importorskip("mediatypes.video")
audio_mod = pytest.importorskip("mediatypes.audio")
Video, Audio = video_mod.Video, audio_mod.Audio


def _save(obj: object, tmp: str) -> tuple[dict, Path]:
    m = obj.save(tmp, name="x")  # type: ignore[attr-defined]
    schemas.validate(m)
    return m, Path(tmp) / m["path"]


@given(
    frames=st.tuples(st.integers(1, 4), st.integers(1, 12), st.integers(1, 12)).flatmap(
        lambda s: hnp.arrays(np.uint8, (s[0], 1, s[1], s[2]))
    )
)
def test_grayscale_gif_is_lossless(frames: np.ndarray) -> None:
    from PIL import Image as PILImage
    from PIL import ImageSequence

    with tempfile.TemporaryDirectory() as tmp:
        m, path = _save(Video(frames, fps=4), tmp)
        with PILImage.open(path) as im:
            got = [np.asarray(f.convert("L")) for f in ImageSequence.Iterator(im)]
    assert m["frames"] == len(frames) == len(got)
    for g, f in zip(got, frames, strict=True):
        np.testing.assert_array_equal(g, f[0])


@given(
    seed=st.integers(0, 2**32 - 1),
    t=st.integers(1, 5),
    hw=st.sampled_from([(16, 16), (18, 30), (15, 17)]),
)
def test_mp4_is_lossy_within_bounds(seed: int, t: int, hw: tuple[int, int]) -> None:
    import av

    h, w = hw
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = rng.uniform(40, 200, 3)
    frame = np.clip(base[:, None, None] + np.stack([x * 2, y * 2, (x + y)]), 0, 255)
    frames = np.stack([frame] * t).astype(np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        m, path = _save(Video(frames, fps=8, format="mp4"), tmp)
        with av.open(str(path)) as c:
            got = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(got) == t == m["frames"]
    diff = got[0][:h, :w].astype(np.float64) - frames[0].transpose(1, 2, 0)
    psnr = 10 * np.log10(255**2 / max(np.mean(diff**2), 1e-9))
    assert psnr > 30, psnr


bad = st.tuples(
    st.one_of(hnp.scalar_dtypes(), st.just(np.dtype("O"))),
    hnp.array_shapes(min_dims=0, max_dims=6, min_side=0, max_side=5),
).flatmap(lambda t: hnp.arrays(t[0], t[1]))


@given(
    frames=bad,
    fps=st.one_of(st.none(), st.floats(), st.integers(-5, 100), st.text(max_size=2)),
    fmt=st.one_of(st.none(), st.sampled_from(["gif", "mp4", "webm", "ogg", "avi", ""])),
)
def test_random_video_input_raises_only_media_errors(
    frames: np.ndarray, fps: object, fmt: object
) -> None:
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exc = outcome(lambda: Video(frames, fps=fps, format=fmt).save(tmp), seconds=60)
        if exc is not None:
            assert files_below(Path(tmp)) == []


@given(
    x=st.tuples(st.integers(1, 2000), st.integers(1, 2)).flatmap(
        lambda s: hnp.arrays(np.float32, s, elements=st.floats(-1, 1, width=32))
    ),
    rate=st.integers(1, 96_000),
)
def test_float_audio_within_half_a_step(x: np.ndarray, rate: int) -> None:
    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        m, path = _save(Audio(x, sample_rate=rate), tmp)
        got, sr = soundfile.read(path, dtype="float64", always_2d=True)
    assert sr == rate and got.shape == x.shape and m["frames"] == len(x)
    err = np.abs(got - x.astype(np.float64))
    # half a step, one step where PCM16 clips (above 32767.5 / 32768), as audio.py documents
    tolerance = np.where(x * 32768 > 32767.5, 1 / 32768, 0.5 / 32768)
    assert (err <= tolerance + 1e-12).all(), err.max() * 32768


@given(
    x=st.tuples(st.integers(1, 2000), st.integers(1, 4)).flatmap(lambda s: hnp.arrays(np.int16, s)),
    fmt=st.sampled_from(["wav", "flac"]),
)
def test_int16_audio_is_bit_exact(x: np.ndarray, fmt: str) -> None:
    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        _, path = _save(Audio(x, sample_rate=8000, format=fmt), tmp)
        got, _ = soundfile.read(path, dtype="int16", always_2d=True)
    np.testing.assert_array_equal(got, x)


@given(
    x=bad,
    rate=st.one_of(st.none(), st.integers(-10, 10**7), st.floats(), st.text(max_size=2)),
    fmt=st.one_of(st.none(), st.sampled_from(["wav", "flac", "ogg", "mp3", "aiff"])),
)
def test_random_audio_input_raises_only_media_errors(
    x: np.ndarray, rate: object, fmt: object
) -> None:
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exc = outcome(lambda: Audio(x, sample_rate=rate, format=fmt).save(tmp), seconds=60)
        if exc is not None:
            assert files_below(Path(tmp)) == []


# -- resource bounds (isolated: a failure must not take the test process down) -------------------


def _gif(width: int, height: int, frames: int) -> bytes:
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return header + frame * frames + b"\x3b"


def _wav_claiming(channels: int) -> bytes:
    body = b"\0\0" * channels * 4
    fmt = struct.pack("<HHIIHH", 1, channels, 8000, 8000 * 2 * channels, 2 * channels, 16)
    return (
        b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE"
        + b"fmt " + struct.pack("<I", 16) + fmt
        + b"data" + struct.pack("<I", len(body)) + body
    )  # fmt: skip


_BOUNDED = """
import json, resource, sys, time, warnings
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
warnings.simplefilter("ignore")
import mediatypes
from mediatypes.errors import MediaError
cls = getattr(mediatypes, {cls!r})
start = time.monotonic()
try:
    obj = cls({path!r})
    out = {{"result": "ok", "frames": getattr(obj, "_file", {{}}) and obj._file.get("frames")}}
except MediaError as exc:
    out = {{"result": type(exc).__name__, "message": str(exc)[:300]}}
except MemoryError as exc:
    out = {{"result": "MemoryError"}}
import psutil
out["seconds"] = time.monotonic() - start
out["rss_mb"] = psutil.Process().memory_info().rss / 2**20
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    "cls, blob, ext",
    [
        ("Video", _gif(65535, 65535, 1), "gif"),
        ("Video", _gif(2, 2, 100_000), "gif"),
        ("Audio", _wav_claiming(32767), "wav"),
    ],
    ids=["gif-64k-square", "gif-100k-frames", "wav-32767-channels"],
)
def test_claimed_bombs_are_bounded(cls: str, blob: bytes, ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"bomb.{ext}"
    path.write_bytes(blob)
    out = run_isolated(_BOUNDED.format(cls=cls, path=str(path)), timeout=120)
    assert out["result"] != "MemoryError", out
    assert out["rss_mb"] < 600, out
    assert out["seconds"] < 30, out
    if out["result"] == "ok":
        assert blob.count(b"\x2c\x00\x00\x00\x00") in (out["frames"], 0) or out["frames"]


@pytest.mark.parametrize("fps", [1e-300, 1e-3])
def test_gif_fps_below_the_longest_delay_is_refused(
    fps: float, assert_nothing_written: Path
) -> None:
    """Regression: fps=1e-300 raised OverflowError while packing the GIF delay (16-bit cs)."""
    from mediatypes.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="at least"):
        Video(np.zeros((2, 3, 4, 4), np.uint8), fps=fps).save(assert_nothing_written)


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
@pytest.mark.parametrize("fps", [0.0005, 1 / 7.3, 23.976])
def test_manifest_fps_is_the_rate_the_file_has(fmt: str, fps: float) -> None:
    """Regression: the manifest reported the requested fps while the file got the nearest fraction
    with a denominator up to 1001 (fps=1e-9 even fell back to ffmpeg's default 24 fps)."""
    import av

    with tempfile.TemporaryDirectory() as tmp:
        m, path = _save(Video(np.zeros((2, 3, 4, 4), np.uint8), fps=fps, format=fmt), tmp)
        with av.open(str(path)) as c:
            rate = c.streams.video[0].average_rate or c.streams.video[0].guessed_rate
    assert m["fps"] == pytest.approx(float(rate), rel=1e-9)
    assert m["duration"] == pytest.approx(2 / float(rate), rel=1e-9)


def test_fps_that_rounds_to_zero_is_refused() -> None:
    from mediatypes.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="1/1001"):
        Video(np.zeros((2, 3, 4, 4), np.uint8), fps=1e-9, format="mp4")
