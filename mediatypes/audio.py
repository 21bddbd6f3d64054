"""Audio: sample arrays ``(samples,)`` / ``(samples, channels)`` → WAV, FLAC or OGG (Vorbis).

Encoding (figures in BENCHMARKS.md):

* ``wav`` (default) — float samples become 16-bit PCM: ``round(x * 32768)`` clipped to
  ``[-32768, 32767]``, so reading back with ``x = v / 32768`` (soundfile's rule) is within half a
  step (up to one step for x above 32767.5 / 32768, where 16 bits clip). Mono/stereo PCM16 WAV
  is written with numpy and a 44-byte RIFF header
  (10× faster than libsndfile, and libsndfile's ``x * 32767`` scale loses up to one step); other
  cases go through soundfile. int16 → PCM_16 and int32 → PCM_32 WAV, bit-exact.
* ``flac`` — through soundfile: float → PCM_16; int16 → PCM_16 (lossless); int32 → PCM_24 only
  when the low 8 bits are zero (24-bit audio in 32-bit words), else an error (FLAC has no 32-bit).
* ``ogg`` — Vorbis through soundfile (lossy by design).

Float samples outside ``[-1, 1]`` are clipped with exactly one warning per clip and the manifest
counts them (``clipped``). Files and file objects of wav/flac/ogg/mp3 are kept byte-for-byte after
probing them with soundfile (libsndfile ≥ 1.1 reads MP3).
"""

from __future__ import annotations

import io
import math
import os
import struct
import warnings
import zlib
from typing import Any, ClassVar

import numpy as np

from .core.arrays import check_finite, to_numpy
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

__all__ = ["Audio"]

FORMATS = ("wav", "flac", "ogg")
_EXT_FORMAT = {
    "wav": "wav",
    "wave": "wav",
    "flac": "flac",
    "ogg": "ogg",
    "oga": "ogg",
    "mp3": "mp3",
}
_SF_FORMAT = {
    "WAV": "wav",
    "WAVEX": "wav",
    "RF64": "wav",
    "FLAC": "flac",
    "OGG": "ogg",
    "MP3": "mp3",
}
MIN_RATE, MAX_RATE = 1, 768_000
MAX_CHANNELS = 64
OWNER = "Audio"


def _sf() -> Any:
    from ._optional import require

    return require("soundfile", "Audio")


def _check_rate(rate: Any) -> int:
    if rate is None:
        raise InvalidInputError(
            f"{OWNER}: `sample_rate` is required for array input (samples per second, e.g. "
            "sample_rate=16000)."
        )
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)):
        raise InvalidTypeError(f"{OWNER}: `sample_rate` expects an int; got {describe(rate)}.")
    if isinstance(rate, (float, np.floating)) and not float(rate).is_integer():
        raise InvalidInputError(
            f"{OWNER}: `sample_rate` expects a whole number of samples per second; got {rate!r}."
        )
    value = int(rate)
    if not MIN_RATE <= value <= MAX_RATE:
        raise InvalidInputError(
            f"{OWNER}: `sample_rate` expects {MIN_RATE}..{MAX_RATE} Hz; got {rate!r}."
        )
    return value


class Audio(Media):
    """An audio clip from samples, an audio file or a file object.

    ``data_or_path``: array ``(samples,)`` or ``(samples, channels)`` of floats in [-1, 1] or
    int16/int32 (numpy or torch), a ``.wav``/``.flac``/``.ogg``/``.mp3`` path, or a binary file
    object / bytes. ``sample_rate`` (Hz) is required for arrays. ``format``: ``wav`` (default,
    16-bit PCM for floats), ``flac`` or ``ogg``; files keep their own format.

    >>> Audio(np.sin(np.linspace(0, 2000, 16000)), sample_rate=16000).save("out")  # doctest: +SKIP
    """

    _type: ClassVar[str] = "audio-file"
    SCHEMA_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        data_or_path: Any,
        sample_rate: int | None = None,
        caption: str | None = None,
        format: str | None = None,
    ) -> None:
        self.caption = check_caption(caption, OWNER)
        fmt = check_format(format, OWNER, "format", FORMATS)
        self._samples: np.ndarray | None = None
        self._file: dict[str, Any] | None = None
        self._source: str | None = None
        self._data: bytes | None = None
        self._clipped = 0
        if isinstance(data_or_path, (str, os.PathLike)) or is_binary_source(data_or_path):
            kept = kept_source(data_or_path, _EXT_FORMAT, "data_or_path", OWNER)
            self._source, self._data = kept.path, kept.data
            self._init_kept(kept.probe, kept.ext_format, fmt, sample_rate)
        else:
            self._init_samples(data_or_path, sample_rate, fmt or "wav")

    def _init_samples(self, value: Any, sample_rate: Any, fmt: str) -> None:
        arr = to_numpy(value, "data_or_path", OWNER)
        if arr.ndim not in (1, 2):
            raise ShapeError(
                f"{OWNER}: `data_or_path` expects samples of shape (samples,) or (samples, "
                f"channels); got shape {arr.shape}."
            )
        if arr.shape[0] == 0:
            raise ShapeError(
                f"{OWNER}: `data_or_path` expects at least one sample; got shape {arr.shape}."
            )
        if arr.ndim == 2 and not 1 <= arr.shape[1] <= MAX_CHANNELS:
            hint = (
                " It looks (channels, samples): pass x.T." if arr.shape[0] <= MAX_CHANNELS else ""
            )
            raise ShapeError(
                f"{OWNER}: `data_or_path` expects (samples, channels) with 1..{MAX_CHANNELS} "
                f"channels; got shape {arr.shape}.{hint}"
            )
        self.sample_rate = _check_rate(sample_rate)
        kind = arr.dtype.kind
        if kind == "f":
            check_finite(arr, "data_or_path", OWNER)
            samples = arr.astype(np.float32)  # always a private copy
            lo, hi = float(samples.min()), float(samples.max())
            if lo < -1.0 or hi > 1.0:
                self._clipped = int(np.count_nonzero((samples < -1.0) | (samples > 1.0)))
                warnings.warn(
                    f"{OWNER}: `data_or_path` float samples span [{lo:g}, {hi:g}]; "
                    f"{self._clipped} sample(s) outside [-1, 1] were clipped. Scale the audio "
                    "first to avoid this.",
                    stacklevel=3,
                )
                np.clip(samples, -1.0, 1.0, out=samples)
        elif arr.dtype in (np.int16, np.int32):
            samples = arr.copy()
            if fmt == "flac" and arr.dtype == np.int32 and np.any(arr & 0xFF):
                raise InvalidInputError(
                    f"{OWNER}: `data_or_path` int32 samples need 32 bits, which FLAC cannot store "
                    "without loss; use format='wav' (PCM_32) or convert to int16."
                )
        else:
            raise InvalidTypeError(
                f"{OWNER}: `data_or_path` expects float, int16 or int32 samples; got dtype "
                f"{arr.dtype}. Convert first, e.g. x.astype(np.float32) / 32768."
            )
        self._samples = samples if samples.ndim == 2 else samples[:, None]
        self.format = fmt

    def _init_kept(self, src: Any, ext_fmt: str | None, fmt: str | None, rate: Any) -> None:
        wanted = None if rate is None else _check_rate(rate)
        info = _probe(src, ext_fmt)
        # As Video: a file is kept byte-for-byte (never resampled or re-encoded); a `sample_rate`
        # or `format` that differs from what the file holds is ignored with a warning saying so
        # (the reference ignores them without a word).
        ignored = []
        if fmt is not None and fmt != info["format"]:
            ignored.append(f"format={fmt!r} (the file is {info['format']})")
        if wanted is not None and wanted != info["sample_rate"]:
            ignored.append(f"sample_rate={wanted} (the file has {info['sample_rate']} Hz)")
        if ignored:
            warnings.warn(
                f"{OWNER}: an audio file is kept byte-for-byte, so {' and '.join(ignored)} "
                "was ignored; pass the samples as an array to encode them with these settings.",
                stacklevel=3,
            )
        self._file = info
        self.format = info["format"]
        self.sample_rate = info["sample_rate"]

    def _encode(self) -> Encoded:
        if self._file is not None:
            payload = kept_payload(self.format, self._source, self._data)
            return payload, {**self._file, "caption": self.caption}
        assert self._samples is not None
        x = self._samples
        data, subtype = _encode_samples(x, self.sample_rate, self.format)
        fields: dict[str, Any] = {
            "format": self.format,
            "subtype": subtype,
            "sample_rate": self.sample_rate,
            "channels": int(x.shape[1]),
            "frames": int(x.shape[0]),
            "duration": x.shape[0] / self.sample_rate,
            "caption": self.caption,
        }
        if self._clipped:
            fields["clipped"] = self._clipped
        return Payload(self.format, data=data), fields

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Audio:
        """The audio file of a manifest, kept as it is."""
        return cls(root_path(root, manifest), caption=manifest.get("caption"))

    def __repr__(self) -> str:
        cap = f", caption={self.caption!r}" if self.caption else ""
        return f"<Audio format={self.format!r} sample_rate={self.sample_rate}{cap}>"


def _pcm16(x: np.ndarray) -> np.ndarray:
    """Float in [-1, 1] → int16 by round(x * 32768), clipped (float32 math is exact here)."""
    a = np.multiply(x, np.float32(32768.0), dtype=np.float32)
    a += np.float32(0.5)
    np.floor(a, out=a)
    np.clip(a, -32768.0, 32767.0, out=a)
    return a.astype("<i2")


def _riff_pcm16(pcm: np.ndarray, rate: int) -> bytes:
    """A canonical 44-byte-header WAV (WAVE_FORMAT_PCM, 16-bit) around interleaved samples."""
    channels = pcm.shape[1]
    body = pcm.tobytes()
    n = len(body)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + n, b"WAVE", b"fmt ", 16, 1, channels, rate, rate * 2 * channels,
        2 * channels, 16, b"data", n,
    )  # fmt: skip
    return header + body


def _encode_samples(x: np.ndarray, rate: int, fmt: str) -> tuple[bytes, str]:
    if fmt == "wav" and x.shape[1] <= 2 and x.dtype != np.int32:
        pcm = x.astype("<i2") if x.dtype == np.int16 else _pcm16(x)
        return _riff_pcm16(pcm, rate), "PCM_16"
    sf = _sf()
    if fmt == "wav":
        subtype = "PCM_32" if x.dtype == np.int32 else "PCM_16"
        data = _pcm16(x) if x.dtype.kind == "f" else x
    elif fmt == "flac":
        if x.shape[1] > 8:
            raise InvalidInputError(
                f"{OWNER}: `format` 'flac' holds at most 8 channels; got {x.shape[1]}. Use 'wav'."
            )
        if rate > 655_350:
            raise InvalidInputError(
                f"{OWNER}: `format` 'flac' supports sample rates up to 655350 Hz; got {rate}."
            )
        subtype = "PCM_24" if x.dtype == np.int32 else "PCM_16"
        data = _pcm16(x) if x.dtype.kind == "f" else x
    else:
        subtype = "VORBIS"
        data = x.astype(np.float32) / 32768.0 if x.dtype == np.int16 else x
        if x.dtype == np.int32:
            data = x.astype(np.float64) / 2147483648.0
    buf = io.BytesIO()
    try:
        sf.write(buf, data, rate, format=fmt.upper(), subtype=subtype)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise EncodingError(
            f"{OWNER}: libsndfile failed to write {fmt} ({subtype}): {exc}"
        ) from exc
    out = buf.getvalue()
    if fmt == "ogg":
        out = _fix_ogg_serial(out, zlib.crc32(np.ascontiguousarray(x).tobytes()))
    return out, subtype


# Ogg's CRC-32 is zlib's polynomial run MSB-first with no initial value or final xor; the same
# CRC read LSB-first over bit-reversed bytes is zlib's own (with those two undone), so zlib's C
# loop does the work: ~50 µs for a 64 KB page, 140x faster than a Python table loop.
_REVERSED_BITS = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _ogg_crc(page: bytes | bytearray) -> int:
    lsb_first = zlib.crc32(bytes(page).translate(_REVERSED_BITS), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{lsb_first:032b}"[::-1], 2)


def _fix_ogg_serial(data: bytes, serial: int) -> bytes:
    """Replace libsndfile's random Ogg stream serial by ``serial`` (re-checksumming each page), so
    the same samples always give the same bytes."""
    out = bytearray(data)
    pos = 0
    while pos + 27 <= len(out) and out[pos : pos + 4] == b"OggS":
        nseg = out[pos + 26]
        end = pos + 27 + nseg + sum(out[pos + 27 : pos + 27 + nseg])
        struct.pack_into("<I", out, pos + 14, serial)
        struct.pack_into("<I", out, pos + 22, 0)
        struct.pack_into("<I", out, pos + 22, _ogg_crc(out[pos:end]))
        pos = end
    if pos != len(out):
        raise EncodingError(f"{OWNER}: unexpected Ogg page layout from libsndfile at byte {pos}.")
    return bytes(out)


def _probe(src: Any, ext_fmt: str | None) -> dict[str, Any]:
    """Read a file's header with soundfile and decode its first block to prove it decodes."""
    sf = _sf()
    name = src if isinstance(src, str) else "file object"
    try:
        with sf.SoundFile(src) as f:
            fmt = _SF_FORMAT.get(f.format)
            if fmt is None:
                raise UnsupportedFormatError(
                    f"{OWNER}: `data_or_path` {name!r} is a {f.format} file; expected wav, flac, "
                    "ogg or mp3."
                )
            if ext_fmt is not None and fmt != ext_fmt:
                raise DecodeError(
                    f"{OWNER}: `data_or_path` {name!r} is named .{ext_fmt} but holds {fmt} data."
                )
            rate, channels, frames, subtype = f.samplerate, f.channels, f.frames, f.subtype
            block = f.read(min(frames, 4096) if frames > 0 else 4096, dtype="float32")
    except (sf.LibsndfileError, RuntimeError, EOFError) as exc:
        raise DecodeError(
            f"{OWNER}: `data_or_path` {name!r} does not decode as audio: {exc}"
        ) from exc
    if rate <= 0 or channels <= 0 or len(block) == 0:
        raise DecodeError(f"{OWNER}: `data_or_path` {name!r} holds no audio samples.")
    if not np.isfinite(block).all():
        raise DecodeError(f"{OWNER}: `data_or_path` {name!r} decodes to NaN/Inf samples.")
    if frames <= 0 or frames > 2**62:  # some streams report an unknown length
        raise DecodeError(f"{OWNER}: `data_or_path` {name!r} does not report its length.")
    if rate > MAX_RATE:
        raise LimitExceededError(
            f"{OWNER}: `data_or_path` {name!r} has sample rate {rate} Hz; at most {MAX_RATE}."
        )
    return {
        "format": fmt,
        "subtype": str(subtype),
        "sample_rate": int(rate),
        "channels": int(channels),
        "frames": int(frames),
        "duration": frames / rate if rate else math.nan,
    }
