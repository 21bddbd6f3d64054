"""Audio: files read back with soundfile (and the stdlib wave module), kept files, bad inputs."""

from __future__ import annotations

import io
import sys
import warnings
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from mediatypes import _registry, schemas
from mediatypes.audio import Audio
from mediatypes.core.media import list_manifest
from mediatypes.core.store import DirectoryStore, MemoryStore
from mediatypes.errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    MediaFileNotFoundError,
    MissingDependencyError,
    NonFiniteError,
    ShapeError,
    UnsupportedFormatError,
)

FIX = Path(__file__).parents[2] / "fixtures" / "audio"
STEP = 1 / 32768


def noise(n: int = 5000, channels: int | None = None, seed: int = 0) -> np.ndarray:
    shape = (n,) if channels is None else (n, channels)
    return (np.random.default_rng(seed).random(shape) * 2 - 1).astype(np.float32)


def read(root: Path, m: dict[str, Any], dtype: str = "float64") -> tuple[np.ndarray, int]:
    data, rate = sf.read(root / m["path"], dtype=dtype, always_2d=True)
    return data, rate


# ---- round trips ------------------------------------------------------------------------------


def test_wav_float_mono_within_one_step(tmp_path: Path) -> None:
    x = noise()
    x[:4] = [1.0, -1.0, 0.0, 0.99999]  # the extremes are where a 32767 scale would lose a step
    m = Audio(x, sample_rate=44100, caption="n").save(tmp_path)
    got, rate = read(tmp_path, m)
    assert rate == 44100 and got.shape == (5000, 1)
    assert np.abs(got[:, 0] - x).max() <= STEP
    assert (m["format"], m["subtype"], m["channels"], m["frames"]) == ("wav", "PCM_16", 1, 5000)
    assert m["duration"] == pytest.approx(5000 / 44100) and m["caption"] == "n"


def test_wav_header_is_canonical_for_the_stdlib_reader(tmp_path: Path) -> None:
    x = noise(channels=2)
    m = Audio(x, sample_rate=16000).save(tmp_path)
    with wave.open(str(tmp_path / m["path"])) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (
            2,
            2,
            16000,
            5000,
        )
        pcm = np.frombuffer(w.readframes(5000), "<i2").reshape(5000, 2)
    assert np.abs(pcm / 32768 - x).max() <= STEP


@pytest.mark.parametrize("channels", [2, 3, 6])
def test_wav_multichannel(channels: int, tmp_path: Path) -> None:
    x = noise(channels=channels)
    m = Audio(x, sample_rate=8000).save(tmp_path)
    got, _ = read(tmp_path, m)
    assert got.shape == (5000, channels) and m["channels"] == channels
    assert np.abs(got - x).max() <= STEP


def test_int16_is_exact_in_wav_and_flac(tmp_path: Path) -> None:
    x = np.random.default_rng(3).integers(-32768, 32768, (4000, 2), dtype=np.int16)
    for fmt in ("wav", "flac"):
        m = Audio(x, sample_rate=22050, format=fmt).save(tmp_path / fmt)
        got, rate = read(tmp_path / fmt, m, "int16")
        np.testing.assert_array_equal(got, x)
        assert rate == 22050 and m["subtype"] == "PCM_16"


def test_int32_is_exact_in_wav(tmp_path: Path) -> None:
    x = np.random.default_rng(4).integers(-(2**31), 2**31, 3000, dtype=np.int32)
    m = Audio(x, sample_rate=48000).save(tmp_path)
    got, _ = read(tmp_path, m, "int32")
    np.testing.assert_array_equal(got[:, 0], x)
    assert m["subtype"] == "PCM_32"


def test_int32_flac_is_24_bit_when_lossless(tmp_path: Path, assert_nothing_written: Path) -> None:
    x = np.random.default_rng(5).integers(-(2**23), 2**23, 3000).astype(np.int32) << 8
    m = Audio(x, sample_rate=48000, format="flac").save(tmp_path)
    got, _ = read(tmp_path, m, "int32")
    np.testing.assert_array_equal(got[:, 0], x)
    assert m["subtype"] == "PCM_24"
    with pytest.raises(InvalidInputError, match="FLAC cannot store"):
        Audio(x + 1, sample_rate=48000, format="flac").save(assert_nothing_written)


def test_flac_float_within_one_step(tmp_path: Path) -> None:
    x = noise(channels=2)
    m = Audio(x, sample_rate=32000, format="flac").save(tmp_path)
    got, _ = read(tmp_path, m)
    assert np.abs(got - x).max() <= STEP


def test_ogg_vorbis_keeps_the_tone(tmp_path: Path) -> None:
    t = np.arange(22050) / 22050
    x = np.stack([0.5 * np.sin(2 * np.pi * 300 * t), 0.3 * np.sin(2 * np.pi * 500 * t)], axis=1)
    m = Audio(x, sample_rate=22050, format="ogg").save(tmp_path)
    got, rate = read(tmp_path, m)
    assert rate == 22050 and got.shape == (22050, 2) and m["subtype"] == "VORBIS"
    for c in range(2):
        assert np.corrcoef(got[:, c], x[:, c])[0, 1] > 0.99


def test_ogg_bytes_are_deterministic() -> None:
    a, _ = Audio(noise(), sample_rate=8000, format="ogg").encode()
    b, _ = Audio(noise(), sample_rate=8000, format="ogg").encode()
    assert a is not None and b is not None and a.data == b.data


def _ogg_crc_bitwise(data: bytes) -> int:
    """Ogg's page checksum straight from its definition: CRC-32, polynomial 0x04C11DB7, MSB first,
    initial value 0, no final xor."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def test_every_ogg_page_checksum_matches_the_definition() -> None:
    import struct

    from mediatypes.audio import _ogg_crc

    rng = np.random.default_rng(3)
    for n in (0, 1, 27, 255, 4096):
        data = rng.integers(0, 256, n, np.uint8).tobytes()
        assert _ogg_crc(data) == _ogg_crc_bitwise(data), n
    payload, _ = Audio(noise(), sample_rate=8000, format="ogg").encode()
    assert payload is not None and payload.data is not None
    out, pos, pages = bytearray(payload.data), 0, 0
    while pos < len(out):
        assert out[pos : pos + 4] == b"OggS"
        nseg = out[pos + 26]
        end = pos + 27 + nseg + sum(out[pos + 27 : pos + 27 + nseg])
        stored = struct.unpack_from("<I", out, pos + 22)[0]
        page = bytes(out[pos : pos + 22]) + bytes(4) + bytes(out[pos + 26 : end])
        assert stored == _ogg_crc_bitwise(page)
        pos, pages = end, pages + 1
    assert pages >= 3


def test_float_outside_range_is_clipped_with_exactly_one_warning(tmp_path: Path) -> None:
    x = noise() * 1.5
    outside = int(np.count_nonzero(np.abs(x) > 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = Audio(x, sample_rate=8000).save(tmp_path)
    assert len(caught) == 1 and "clipped" in str(caught[0].message)
    assert m["clipped"] == outside > 0
    got, _ = read(tmp_path, m)
    assert np.abs(got[:, 0] - np.clip(x, -1, 1)).max() <= STEP


def test_torch_tensor_input(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    x = torch.rand(1000, 2, requires_grad=True) - 0.5
    m = Audio(x, sample_rate=8000).save(tmp_path)
    got, _ = read(tmp_path, m)
    assert np.abs(got - x.detach().numpy()).max() <= STEP


def test_input_array_is_copied() -> None:
    x = noise()
    a = Audio(x, sample_rate=8000)
    x[:] = 0
    p, _ = a.encode()
    q, _ = Audio(noise(), sample_rate=8000).encode()
    assert p is not None and q is not None and p.data == q.data


# ---- kept files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,fmt,channels",
    [
        ("tiny.wav", "wav", 2),
        ("tiny.flac", "flac", 2),
        ("tiny.ogg", "ogg", 2),
        ("tiny.mp3", "mp3", 1),
    ],
)
def test_files_are_kept_byte_for_byte(name: str, fmt: str, channels: int, tmp_path: Path) -> None:
    src = FIX / name
    m = Audio(src, caption="kept").save(tmp_path)
    assert (tmp_path / m["path"]).read_bytes() == src.read_bytes()
    assert (m["format"], m["sample_rate"], m["channels"]) == (fmt, 8000, channels)
    assert m["frames"] > 0 and m["duration"] == pytest.approx(m["frames"] / 8000)
    assert m["path"].endswith("." + fmt)


def test_file_object_and_bytes_are_kept(tmp_path: Path) -> None:
    data = (FIX / "tiny.flac").read_bytes()
    m1 = Audio(io.BytesIO(data)).save(tmp_path / "a")
    m2 = Audio(data, format="flac").save(tmp_path / "b")
    assert m1 == m2 and m1["format"] == "flac"
    assert (tmp_path / "a" / m1["path"]).read_bytes() == data


def test_manifest_loads_back_through_the_registry(tmp_path: Path) -> None:
    m = Audio(noise(), sample_rate=8000, caption="c").save(tmp_path)
    back = _registry.load(m, tmp_path)
    assert isinstance(back, Audio) and back.caption == "c"
    assert back.to_manifest(MemoryStore(), "audio")["sha256"] == m["sha256"]


def test_list_of_clips_keeps_rates_durations_and_captions(tmp_path: Path) -> None:
    clips = [
        Audio(noise(8000), sample_rate=8000, caption="one second"),
        Audio(noise(8000), sample_rate=16000, caption="half a second"),
        Audio(FIX / "tiny.mp3", caption=None),
    ]
    m = list_manifest(clips, DirectoryStore(tmp_path), "clips")
    schemas.validate(m)
    assert m["count"] == 3 and m["captions"] == ["one second", "half a second", None]
    assert [i["sample_rate"] for i in m["items"]] == [8000, 16000, 8000]
    assert [i["duration"] for i in m["items"]][:2] == [1.0, 0.5]
    for item in m["items"]:
        data, rate = sf.read(tmp_path / item["path"])
        assert rate == item["sample_rate"] and len(data) == item["frames"]


def test_wav_needs_no_soundfile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "soundfile", None)
    m = Audio(noise(), sample_rate=8000).save(tmp_path)
    monkeypatch.undo()
    got, _ = read(tmp_path, m)
    assert got.shape == (5000, 1)


def test_missing_soundfile_gives_the_install_line(
    monkeypatch: pytest.MonkeyPatch, assert_nothing_written: Path
) -> None:
    monkeypatch.setitem(sys.modules, "soundfile", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'mediatypes\[audio\]'"):
        Audio(noise(), sample_rate=8000, format="flac").save(assert_nothing_written)
    with pytest.raises(MissingDependencyError, match=r"pip install 'mediatypes\[audio\]'"):
        Audio(FIX / "tiny.wav")


# ---- bad input --------------------------------------------------------------------------------

x1 = noise(100)
BAD: list[tuple[str, Any, dict[str, Any], type[Exception], str]] = [
    ("missing rate", x1, {}, InvalidInputError, "`sample_rate` is required"),
    ("rate 0", x1, {"sample_rate": 0}, InvalidInputError, "`sample_rate`"),
    ("rate negative", x1, {"sample_rate": -8000}, InvalidInputError, "`sample_rate`"),
    ("rate absurd", x1, {"sample_rate": 10_000_000}, InvalidInputError, "`sample_rate`"),
    ("rate fraction", x1, {"sample_rate": 44100.5}, InvalidInputError, "`sample_rate`"),
    ("rate str", x1, {"sample_rate": "44100"}, InvalidTypeError, "`sample_rate`"),
    (
        "0 samples",
        np.zeros(0, np.float32),
        {"sample_rate": 8000},
        ShapeError,
        "at least one sample",
    ),
    (
        "0 samples 2-D",
        np.zeros((0, 2), np.float32),
        {"sample_rate": 8000},
        ShapeError,
        "at least one",
    ),
    ("3-D", np.zeros((10, 2, 2)), {"sample_rate": 8000}, ShapeError, "\\(samples, channels\\)"),
    ("channels first", np.zeros((2, 44100)), {"sample_rate": 8000}, ShapeError, "pass x.T"),
    ("0 channels", np.zeros((10, 0)), {"sample_rate": 8000}, ShapeError, "channels"),
    ("NaN", np.full(10, np.nan), {"sample_rate": 8000}, NonFiniteError, "`data_or_path`"),
    ("uint8", np.zeros(10, np.uint8), {"sample_rate": 8000}, InvalidTypeError, "int16 or int32"),
    ("list", [0.0, 0.1], {"sample_rate": 8000}, InvalidTypeError, "`data_or_path`"),
    ("format", x1, {"sample_rate": 8000, "format": "mp3"}, UnsupportedFormatError, "`format`"),
    ("aiff", FIX / "clip.aiff", {}, UnsupportedFormatError, "`data_or_path`.*\\.aiff"),
    ("truncated", FIX / "truncated.wav", {}, DecodeError, "`data_or_path`"),
    ("garbage", FIX / "garbage.ogg", {}, DecodeError, "`data_or_path`"),
    ("mislabelled", FIX / "mislabelled.flac", {}, DecodeError, "named .flac but holds wav"),
    ("missing", FIX / "nope.wav", {}, MediaFileNotFoundError, "not found"),
    ("bytes garbage", b"\x01" * 100, {}, DecodeError, "`data_or_path`"),
    ("rate on file", FIX / "tiny.wav", {"sample_rate": 0}, InvalidInputError, "`sample_rate`"),
    (
        "flac 9 channels",
        noise(10, 9),
        {"sample_rate": 8000, "format": "flac"},
        InvalidInputError,
        "at most 8",
    ),
    ("caption", x1, {"sample_rate": 8000, "caption": 1}, InvalidTypeError, "`caption`"),
]


@pytest.mark.parametrize("value,kwargs,exc,match", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_clear_error_and_writes_nothing(
    value: Any,
    kwargs: dict[str, Any],
    exc: type[Exception],
    match: str,
    assert_nothing_written: Path,
) -> None:
    with pytest.raises(exc, match=match) as info:
        Audio(value, **kwargs).save(assert_nothing_written)
    assert str(info.value).startswith("Audio")


@pytest.mark.parametrize(
    ("name", "kwargs", "ignored"),
    [
        ("tiny.wav", {"sample_rate": 8000, "format": "wav"}, None),  # what the file holds
        ("tiny.wav", {"sample_rate": 16000}, "sample_rate=16000 (the file has 8000 Hz)"),
        ("tiny.wav", {"format": "flac"}, "format='flac' (the file is wav)"),
    ],
)
def test_rate_and_format_for_a_file_keep_the_file_and_say_what_was_ignored(
    tmp_path: Path, name: str, kwargs: dict[str, Any], ignored: str | None
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = Audio(FIX / name, **kwargs).save(tmp_path)
    messages = [str(w.message) for w in caught]
    if ignored is None:
        assert messages == []
    else:
        assert len(messages) == 1 and ignored in messages[0] and "byte-for-byte" in messages[0]
    assert (tmp_path / m["path"]).read_bytes() == (FIX / name).read_bytes()
    assert (m["format"], m["sample_rate"]) == ("wav", sf.info(str(FIX / name)).samplerate)
