"""Reading file-like inputs the same way in every media type that keeps files byte-for-byte."""

from __future__ import annotations

import os
from typing import Any

from ..errors import DecodeError, InvalidInputError, InvalidTypeError, MediaFileNotFoundError

__all__ = ["is_binary_source", "read_binary", "read_path_or_file", "utf8"]


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
    """The bytes of a path or of a file object (text-mode content is encoded as UTF-8) and the
    file's path or name, if it has one (its extension tells the format)."""
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not os.path.isfile(path):
            raise MediaFileNotFoundError(
                f"{owner}: `{param}` expects an existing file; got {path!r}."
            )
        with open(path, "rb") as fh:
            return fh.read(), path
    content = value.read()
    raw = utf8(content, param, owner) if isinstance(content, str) else bytes(content)
    name = getattr(value, "name", None)
    return raw, name if isinstance(name, str) else None


def utf8(text: str, param: str, owner: str) -> bytes:
    """``text`` as UTF-8; a str that has no UTF-8 form (a lone surrogate) is an InvalidInputError."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{owner}: `{param}` expects valid Unicode text; got a str with {exc.reason} at "
            f"position {exc.start}."
        ) from exc
