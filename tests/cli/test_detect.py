"""Type detection by magic bytes, extension and array shape (in-process: it is pure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediatypes.cli._detect import array_type, detect

MAGIC = {
    "a.bin": (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image"),
    "b.bin": (b"\xff\xd8\xff\xe0" + b"\0" * 20, "image"),
    "c.bin": (b"RIFF\0\0\0\0WAVEfmt ", "audio"),
    "d.bin": (b"RIFF\0\0\0\0WEBPVP8 ", "image"),
    "e.bin": (b"fLaC\0\0\0\x22", "audio"),
    "f.bin": (b"\0\0\0\x18ftypmp42", "video"),
    "g.bin": (b"\x1a\x45\xdf\xa3\x9f\x42\x86", "video"),
    "h.bin": (b"glTF\x02\0\0\0", "object3d"),
    "i.bin": (b"ply\nformat binary_little_endian 1.0\n", "object3d"),
    "j.bin": (b"\x93NUMPY\x01\x00", "array"),
    "k.bin": (b"PAR1\x15\x04", "table"),
    "l.bin": (b"  <!DOCTYPE html><html></html>", "html"),
    "m.bin": (b"OggS\0\x02" + b"\0" * 22 + b"\x80theora", "video"),
    "n.bin": (b"OggS\0\x02" + b"\0" * 22 + b"\x01vorbis", "audio"),
}


@pytest.mark.parametrize("name", sorted(MAGIC))
def test_magic_bytes_win_over_a_meaningless_extension(tmp_path: Path, name: str) -> None:
    data, kind = MAGIC[name]
    (tmp_path / name).write_bytes(data)
    assert detect(tmp_path / name) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [("m.csv", "table"), ("m.pdb", "molecule"), ("m.obj", "object3d"), ("m.txt", None)],
)
def test_text_formats_fall_back_to_the_extension(tmp_path: Path, name: str, kind: str) -> None:
    (tmp_path / name).write_text("ATOM 1\n")
    assert detect(tmp_path / name) == kind


def test_content_beats_a_wrong_extension(tmp_path: Path) -> None:
    (tmp_path / "really_a_wav.png").write_bytes(b"RIFF\0\0\0\0WAVEfmt ")
    assert detect(tmp_path / "really_a_wav.png") == "audio"


def test_animated_gif_is_a_video_still_gif_an_image(tmp_path: Path) -> None:
    import PIL.Image

    frames = [PIL.Image.new("RGB", (8, 8), (i * 60, 0, 0)) for i in range(3)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(tmp_path / "still.gif")
    assert detect(tmp_path / "anim.gif") == "video"
    assert detect(tmp_path / "still.gif") == "image"


@pytest.mark.parametrize(
    ("shape", "dtype", "kind"),
    [
        ((32, 32), np.uint8, "image"),
        ((32, 32, 3), np.float32, "image"),
        ((3, 32, 32), np.float32, "image"),
        ((8, 3, 16, 16), np.uint8, "video"),
        ((2, 8, 3, 16, 16), np.uint8, "video"),
        ((500, 3), np.float32, "object3d"),
        ((500, 6), np.float64, "object3d"),
        ((16000,), np.float32, "audio"),
        ((16000, 2), np.float32, "audio"),
        ((4, 5, 6, 7), np.uint8, None),
    ],
)
def test_array_type_by_shape(shape: tuple[int, ...], dtype: type, kind: str | None) -> None:
    assert array_type(np.zeros(shape, dtype)) == kind
