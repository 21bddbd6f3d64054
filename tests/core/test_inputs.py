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


@pytest.mark.parametrize(
    "factory",
    [
        lambda v: mt.Html(v),
        lambda v: mt.Molecule(v, file_type="pdb"),
        lambda v: mt.Object3D(v, file_type="obj"),
    ],
    ids=["html", "molecule", "object3d"],
)
def test_text_inputs_refuse_text_without_a_utf8_form_and_missing_files(
    factory, tmp_path, assert_nothing_written
) -> None:
    from mediatypes.errors import InvalidInputError, MediaFileNotFoundError

    with pytest.raises(InvalidInputError, match="`data` expects valid Unicode text"):
        factory(io.StringIO("ATOM \ud800")).save(assert_nothing_written)
    with pytest.raises(MediaFileNotFoundError, match="`data` expects an existing file"):
        factory(tmp_path / "missing.txt").save(assert_nothing_written)


def test_file_type_comes_from_the_name_or_must_be_given() -> None:
    from mediatypes.errors import InvalidInputError, UnsupportedFormatError

    pdb = "ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\nEND\n"
    named = io.StringIO(pdb)
    named.name = "x.PDB"  # type: ignore[attr-defined]
    assert mt.Molecule(named).format == "pdb"
    with pytest.raises(InvalidInputError, match="`file_type` is required for a file object"):
        mt.Molecule(io.StringIO(pdb))
    with pytest.raises(UnsupportedFormatError, match="`file_type` expects one of pdb, "):
        mt.Molecule(io.StringIO(pdb), file_type="xyz")
