#!/usr/bin/env python3
"""W6: Video 32×3×128×128 uint8 → GIF / MP4 (SPEC §8 targets ≤ 50 ms / ≤ 35 ms), plus WebM, OGG
and the alternatives the encoders were chosen against. Median of N runs, in-memory encode
(construct + encode; ``save`` adds hashing and one file write and is reported separately)."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import median_ms

from mediatypes.video import Video

T, C, H, W = 32, 3, 128, 128


def workloads() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (T, C, H, W), dtype=np.uint8)
    yy, xx = np.mgrid[0:H, 0:W]
    smooth = np.asarray(
        [[(xx * 2 + 4 * t) % 256, (yy * 2) % 256, (xx + yy + 8 * t) % 256] for t in range(T)],
        dtype=np.uint8,
    )
    return {"random": noise, "smooth": smooth}


def encode(x: np.ndarray, fmt: str) -> int:
    payload, _ = Video(x, format=fmt).encode()
    assert payload is not None and payload.data is not None
    return len(payload.data)


def alt_gif(x: np.ndarray, method: int) -> None:
    from PIL import Image

    frames = [Image.fromarray(f).quantize(method=method) for f in x.transpose(0, 2, 3, 1)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=250, loop=0)


def alt_ffmpeg_pipe(x: np.ndarray) -> None:
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{W}x{H}", "-r", "4", "-i", "-", "-c:v", "libx264", "-preset", "veryfast",
           "-pix_fmt", "yuv420p", "-f", "ismv", "-"]  # fmt: skip
    subprocess.run(cmd, input=x.transpose(0, 2, 3, 1).tobytes(), capture_output=True, check=True)


def main() -> None:
    from PIL import Image

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    print(f"W6 video {T}x{C}x{H}x{W} uint8, median of {n} runs")
    for name, x in workloads().items():
        for fmt in ("gif", "mp4", "webm", "ogg"):
            ms = median_ms(lambda x=x, fmt=fmt: encode(x, fmt), repeat=n, warmup=1)
            print(
                f"  {name:7s} {fmt:5s} Video(...).encode()   {ms:7.1f} ms  {encode(x, fmt):>8d} bytes"
            )
        with tempfile.TemporaryDirectory() as tmp:
            ms = median_ms(
                lambda x=x, tmp=tmp: Video(x, format="mp4").save(tmp), repeat=n, warmup=1
            )
            print(
                f"  {name:7s} mp4   Video(...).save(dir)   {ms:7.1f} ms  (sha256 + schema check + manifest; same bytes are not rewritten)"
            )
        print(f"  {name:7s} alternatives:")
        ms = median_ms(lambda x=x: alt_gif(x, Image.Quantize.FASTOCTREE), repeat=n, warmup=1)
        print(f"    gif  Pillow save_all + FASTOCTREE     {ms:7.1f} ms (merges identical frames)")
        ms = median_ms(lambda x=x: alt_gif(x, Image.Quantize.MEDIANCUT), repeat=3, warmup=1)
        print(f"    gif  Pillow save_all + MEDIANCUT      {ms:7.1f} ms (3 runs)")
        ms = median_ms(lambda x=x: alt_gif(x, Image.Quantize.MAXCOVERAGE), repeat=3, warmup=1)
        print(f"    gif  Pillow save_all + MAXCOVERAGE    {ms:7.1f} ms (3 runs)")
        ms = median_ms(lambda x=x: alt_ffmpeg_pipe(x), repeat=max(5, n // 3), warmup=1)
        print(f"    mp4  imageio-ffmpeg binary, piped     {ms:7.1f} ms")


if __name__ == "__main__":
    main()
