"""Contract cases for Audio: WAV/FLAC/OGG from arrays and a kept MP3, read back with soundfile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mediatypes.audio import Audio

from .case import Case

FIXTURES = Path(__file__).parents[2] / "fixtures"


def _float(n: int = 4000, channels: int = 2) -> np.ndarray:
    rng = np.random.default_rng(7)
    return (rng.random((n, channels)) * 2 - 1).astype(np.float32)


def _int16() -> np.ndarray:
    return np.random.default_rng(8).integers(-32768, 32768, 3000, dtype=np.int16)


def _check_wav(m: dict[str, Any], root: Path) -> None:
    import soundfile as sf

    got, rate = sf.read(root / m["path"], dtype="float64", always_2d=True)
    assert (
        (rate, got.shape) == (m["sample_rate"], (m["frames"], m["channels"])) == (8000, (4000, 2))
    )
    assert np.abs(got - _float()).max() <= 1 / 32768
    assert m["subtype"] == "PCM_16" and m["duration"] == 0.5


def _check_flac(m: dict[str, Any], root: Path) -> None:
    import soundfile as sf

    got, rate = sf.read(root / m["path"], dtype="int16")
    assert rate == m["sample_rate"] == 22050
    np.testing.assert_array_equal(got, _int16())


def _check_ogg(m: dict[str, Any], root: Path) -> None:
    import soundfile as sf

    got, rate = sf.read(root / m["path"], always_2d=True)
    assert (rate, got.shape) == (16000, (m["frames"], 1)) == (16000, (16000, 1))
    t = np.arange(16000) / 16000
    want = 0.5 * np.sin(2 * np.pi * 440 * t)
    assert np.corrcoef(got[:, 0], want)[0, 1] > 0.99  # Vorbis is lossy; the tone survives


def _check_mp3(m: dict[str, Any], root: Path) -> None:
    assert (root / m["path"]).read_bytes() == (FIXTURES / "audio" / "tiny.mp3").read_bytes()
    assert (m["format"], m["sample_rate"], m["channels"]) == ("mp3", 8000, 1)


def _tone() -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)


CASES = [
    Case("audio-wav-float", lambda: Audio(_float(), sample_rate=8000, caption="noise"), _check_wav),
    Case(
        "audio-flac-int16", lambda: Audio(_int16(), sample_rate=22050, format="flac"), _check_flac
    ),
    Case("audio-ogg-vorbis", lambda: Audio(_tone(), sample_rate=16000, format="ogg"), _check_ogg),
    Case("audio-kept-mp3", lambda: Audio(FIXTURES / "audio" / "tiny.mp3"), _check_mp3),
]
