"""Reading file-like inputs the same way in every media type that keeps files byte-for-byte."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    MediaFileNotFoundError,
    UnsupportedFormatError,
)

__all__ = [
    "KeptSource",
    "is_binary_source",
    "kept_source",
    "read_binary",
    "read_path_or_file",
    "utf8",
]


def is_binary_source(value: Any) -> bool:
    """True for bytes-like values and objects with ``read()`` (file objects, BytesIO)."""
    return isinstance(value, (bytes, bytearray, memoryview)) or hasattr(value, "read")


def read_binary(value: Any, param: str, owner: str) -> bytes:
    """The bytes of a bytes-like value or a binary file object; a text-mode file object is an
    InvalidTypeError and empty input a DecodeError, both naming ``param``."""
    raw = value.read() if hasattr(value, "read") else value
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise InvalidTypeError(
            f"{owner}: `{param}` file object must be opened in binary mode ('rb'); "
            f"read() returned {type(raw).__name__}."
        )
    if len(raw) == 0:
        raise DecodeError(f"{owner}: `{param}` is empty (0 bytes); expected the bytes of a file.")
    return bytes(raw)


def read_path_or_file(value: Any, param: str, owner: str) -> tuple[bytes, str | None]:
    """The bytes of a path or of a file object (text-mode content is encoded as UTF-8; a binary
    file opened in text mode is read from its binary buffer) and the file's path or name, if it
    has one (its extension tells the format)."""
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not os.path.isfile(path):
            raise MediaFileNotFoundError(
                f"{owner}: `{param}` expects an existing file; got {path!r}."
            )
        with open(path, "rb") as fh:
            return fh.read(), path
    fresh = _at_start_of_text(value)
    try:
        content = value.read()
    except UnicodeDecodeError as exc:
        # a binary file opened in text mode (``open("x.glb")``, as the reference SDK's examples
        # do): its bytes are in the binary buffer below, if the text was read from the start
        buffer = getattr(value, "buffer", None)
        if not fresh or buffer is None:
            raise DecodeError(
                f"{owner}: `{param}` is a text-mode file object whose content is not text "
                f"({exc.reason} at byte {exc.start}); open the file in binary mode ('rb')."
            ) from exc
        value.seek(0)  # also drops what the failed read had decoded ahead
        content = buffer.read()
    raw = utf8(content, param, owner) if isinstance(content, str) else bytes(content)
    name = getattr(value, "name", None)
    return raw, name if isinstance(name, str) else None


def _at_start_of_text(value: Any) -> bool:
    """True for a seekable text-mode file object positioned at its start."""
    try:
        return isinstance(value, io.TextIOBase) and value.seekable() and value.tell() == 0
    except (OSError, ValueError):
        return False


def utf8(text: str, param: str, owner: str) -> bytes:
    """``text`` as UTF-8; a str that has no UTF-8 form (a lone surrogate) is an InvalidInputError."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{owner}: `{param}` expects valid Unicode text; got a str with {exc.reason} at "
            f"position {exc.start}."
        ) from exc


class KeptSource(NamedTuple):
    """A file input that is kept byte-for-byte: ``probe`` is what a decoder opens (the path, or
    the bytes wrapped in BytesIO), ``ext_format`` the format its extension names (None for
    bytes), and exactly one of ``path`` / ``data`` is set."""

    probe: Any
    ext_format: str | None
    path: str | None
    data: bytes | None


def kept_source(
    value: Any, extensions: dict[str, str], param: str, owner: str, hint: str = ""
) -> KeptSource:
    """A path (its extension one of ``extensions``: spelling → format; the file must exist) or
    bytes / a binary file object (read once, see ``read_binary``)."""
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        ext = path.suffix.lower().lstrip(".")
        if ext not in extensions:
            names = ", ".join(f".{e}" for e in extensions)
            raise UnsupportedFormatError(
                f"{owner}: `{param}` expects a {names} file; got {str(path)!r}.{hint}"
            )
        if not path.is_file():
            raise MediaFileNotFoundError(f"{owner}: `{param}` file not found: {str(path)!r}.")
        return KeptSource(str(path), extensions[ext], str(path), None)
    data = read_binary(value, param, owner)
    return KeptSource(io.BytesIO(data), None, None, data)
