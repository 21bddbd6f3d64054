"""Which media type a file holds: magic bytes first, then the extension.

``detect(path)`` returns a CLI type name (``image``, ``video``, …), ``"array"`` for ``.npy``/``.npz``
(decided by shape once loaded, see ``array_type``) or ``None`` when nothing matches. Only the first
few hundred bytes are read; nothing heavy is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["CLI_TYPES", "EXTENSIONS", "array_type", "detect", "guess_from_extension"]

# CLI name -> manifest ``_type`` registered in ``mediatypes._registry.TYPES``
CLI_TYPES: dict[str, str] = {
    "image": "image-file",
    "video": "video-file",
    "audio": "audio-file",
    "object3d": "object3D-file",
    "molecule": "molecule-file",
    "html": "html-file",
    "table": "table-file",
}

EXTENSIONS: dict[str, str] = {
    **dict.fromkeys(("png", "jpg", "jpeg", "bmp", "webp", "gif"), "image"),
    **dict.fromkeys(("mp4", "m4v", "webm", "ogv"), "video"),
    **dict.fromkeys(("wav", "flac", "mp3", "oga", "ogg"), "audio"),
    **dict.fromkeys(("obj", "gltf", "glb", "stl", "ply"), "object3d"),
    **dict.fromkeys(
        ("pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf", "mol"),
        "molecule",
    ),
    **dict.fromkeys(("html", "htm"), "html"),
    **dict.fromkeys(("csv", "tsv", "parquet", "pq"), "table"),
    **dict.fromkeys(("npy", "npz"), "array"),
}


def guess_from_extension(path: str | Path) -> str | None:
    """The type a file's extension suggests (no I/O)."""
    return EXTENSIONS.get(Path(path).suffix.lower().lstrip("."))


def _magic(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return "image"
    if (head.startswith(b"BM") and len(head) >= 14) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    ):
        return "image"
    if (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or head.startswith(b"fLaC"):
        return "audio"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio"
    if head.startswith(b"OggS"):
        # the first page's packet names the codec
        return "video" if b"theora" in head[:128] else "audio"
    if head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"
    if head.startswith(b"glTF") or head.startswith(b"ply\n") or head.startswith(b"ply\r\n"):
        return "object3d"
    if head.startswith(b"\x93NUMPY") or head.startswith(b"PK\x03\x04"):
        return "array"  # .npz is a zip; other zips fail to load as arrays with a clear reason
    if head.startswith(b"PAR1"):
        return "table"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<!doctype html") or text.startswith(b"<html"):
        return "html"
    return None


def detect(path: str | Path) -> str | None:
    """The type of the file at ``path`` from its content, else its extension.

    GIFs are images unless animated (then videos); a file whose magic bytes say nothing (text
    formats such as CSV, OBJ, PDB, or a corrupt file) falls back to its extension.
    """
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "video" if _animated_gif(path) else "image"
    return _magic(head) or guess_from_extension(path)


def _animated_gif(path: str | Path) -> bool:
    import PIL.Image

    try:
        with PIL.Image.open(path) as im:
            return bool(getattr(im, "is_animated", False))
    except Exception:  # a corrupt GIF is reported by Image itself
        return False


def array_type(arr: np.ndarray) -> str | None:
    """The media type an array's shape describes, or None.

    ``(H, W)`` / ``(H, W, 1|3|4)`` → image; ``(T, C, H, W)`` / ``(B, T, C, H, W)`` with C in 1|3|4
    → video; ``(N, 3|4|6)`` with N > 64 → point cloud (object3d); ``(samples,)`` /
    ``(samples, channels ≤ 2)`` float → audio.
    """
    shape = arr.shape
    if arr.ndim == 1 and arr.size > 0:
        return "audio"
    if arr.ndim == 2:
        if shape[1] in (3, 4, 6) and shape[0] > 64 and arr.dtype.kind == "f":
            return "object3d"
        if shape[1] in (1, 2) and arr.dtype.kind == "f" and shape[0] > 64:
            return "audio"
        return "image"
    if arr.ndim == 3 and shape[2] in (1, 3, 4):
        return "image"
    if arr.ndim == 3 and shape[0] in (1, 3, 4):
        return "image"  # channel-first
    if arr.ndim == 4 and shape[1] in (1, 3, 4):
        return "video"
    if arr.ndim == 5 and shape[2] in (1, 3, 4):
        return "video"
    return None
