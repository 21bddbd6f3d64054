#!/usr/bin/env python3
"""W7: Audio 10 s mono 44.1 kHz float32 → WAV (SPEC §8 target ≤ 4 ms), numpy RIFF writer vs
soundfile, plus FLAC/OGG for reference. Median of N runs, in-memory encode (construct + encode)."""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import median_ms

from mediatypes.audio import Audio

RATE = 44100


def main() -> None:
    import soundfile as sf

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 101
    x = (np.random.default_rng(0).random(10 * RATE) * 2 - 1).astype(np.float32)
    print(f"W7 audio 10 s mono {RATE} Hz float32, median of {n} runs")
    for fmt in ("wav", "flac", "ogg"):
        runs = n if fmt == "wav" else max(5, n // 10)
        ms = median_ms(
            lambda fmt=fmt: Audio(x, sample_rate=RATE, format=fmt).encode(), repeat=runs, warmup=1
        )
        print(f"  {fmt:4s} Audio(...).encode()            {ms:7.2f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        ms = median_ms(lambda: Audio(x, sample_rate=RATE).save(tmp), repeat=n, warmup=1)
        print(
            f"  wav  Audio(...).save(dir)             {ms:7.2f} ms (sha256 + schema check + manifest; same bytes are not rewritten)"
        )

    def with_soundfile() -> bytes:
        buf = io.BytesIO()
        sf.write(buf, x, RATE, format="WAV", subtype="PCM_16")
        return buf.getvalue()

    ms = median_ms(with_soundfile, repeat=n, warmup=1)
    print(f"  alternative: soundfile.write PCM_16   {ms:7.2f} ms")
    got, _ = sf.read(io.BytesIO(with_soundfile()))
    print(
        f"    soundfile round-trip max error {np.abs(got - x).max() * 32768:.3f} steps of 1/32768"
    )
    p, _ = Audio(x, sample_rate=RATE).encode()
    assert p is not None and p.data is not None
    got, _ = sf.read(io.BytesIO(p.data))
    print(
        f"    ours      round-trip max error {np.abs(got - x).max() * 32768:.3f} steps of 1/32768"
    )


if __name__ == "__main__":
    main()
