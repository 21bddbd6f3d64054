"""Reading file-like inputs the same way in every media type that keeps files byte-for-byte."""

from __future__ import annotations

from typing import Any

from ..errors import DecodeError, InvalidTypeError

__all__ = ["is_binary_source", "read_binary"]


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
