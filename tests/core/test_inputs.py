"""One reader for binary inputs: the same errors from every media type that keeps files."""

from __future__ import annotations

import io

import pytest

import mediatypes as mt
from mediatypes.core.inputs import is_binary_source, read_binary
from mediatypes.errors import DecodeError, InvalidTypeError


def test_read_binary_accepts_bytes_like_and_binary_files() -> None:
    assert read_binary(b"ab", "data", "X") == b"ab"
    assert read_binary(bytearray(b"ab"), "data", "X") == b"ab"
    assert read_binary(memoryview(b"ab"), "data", "X") == b"ab"
    assert read_binary(io.BytesIO(b"ab"), "data", "X") == b"ab"
    assert is_binary_source(io.BytesIO()) and is_binary_source(b"") and not is_binary_source("a")


@pytest.mark.parametrize(
    ("factory", "param"),
    [
        (lambda v: mt.Image(v), "data"),
        (lambda v: mt.Audio(v), "data_or_path"),
        (lambda v: mt.Video(v), "data_or_path"),
    ],
    ids=["image", "audio", "video"],
)
def test_text_mode_and_empty_inputs_are_refused_alike(
    factory, param, assert_nothing_written
) -> None:
    with pytest.raises(InvalidTypeError, match=f"`{param}` file object must be opened in binary"):
        factory(io.StringIO("abc")).save(assert_nothing_written)
    for empty in (b"", io.BytesIO(b"")):
        with pytest.raises(DecodeError, match=f"`{param}` is empty"):
            factory(empty).save(assert_nothing_written)
