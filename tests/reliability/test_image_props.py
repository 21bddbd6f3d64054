"""Image property tests: random valid arrays round-trip exactly through PNG (decoded by Pillow),
floats follow the documented scaling rule, lossy JPEG stays within a PSNR bound; random invalid
input raises only MediaError subclasses and writes nothing. Decompression bombs are refused from
the header, with bounded memory."""

from __future__ import annotations

import io
import struct
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mediatypes import schemas
from mediatypes.errors import LimitExceededError

from ._util import files_below, outcome

image_mod = pytest.importorskip("mediatypes.image")
Image = image_mod.Image
PIL = pytest.importorskip("PIL.Image")

side = st.integers(1, 24)
shapes = st.one_of(
    st.tuples(side, side),
    st.tuples(side, side, st.sampled_from([1, 3, 4])),
)


def _roundtrip(img: object) -> tuple[dict, np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        m = img.save(tmp, name="img")  # type: ignore[attr-defined]
        schemas.validate(m)
        with PIL.open(Path(tmp) / m["path"]) as im:
            return m, np.asarray(im)


@given(a=shapes.flatmap(lambda s: hnp.arrays(np.uint8, s)))
def test_uint8_arrays_roundtrip_exactly(a: np.ndarray) -> None:
    m, got = _roundtrip(Image(a))
    expected = a[:, :, 0] if a.ndim == 3 and a.shape[2] == 1 else a
    assert m["format"] == "png" and (m["height"], m["width"]) == a.shape[:2]
    np.testing.assert_array_equal(got, expected)


@given(a=st.tuples(side, side).flatmap(lambda s: hnp.arrays(np.uint16, s)))
def test_uint16_grayscale_keeps_16_bits(a: np.ndarray) -> None:
    _, got = _roundtrip(Image(a))
    np.testing.assert_array_equal(got.astype(np.uint16), a)


@given(a=shapes.flatmap(lambda s: hnp.arrays(np.bool_, s)))
def test_bool_arrays_are_0_or_255(a: np.ndarray) -> None:
    _, got = _roundtrip(Image(a))
    flat = a[:, :, 0] if a.ndim == 3 and a.shape[2] == 1 else a
    np.testing.assert_array_equal(got, flat.astype(np.uint8) * 255)


@given(a=shapes.flatmap(lambda s: hnp.arrays(np.float32, s, elements=st.floats(0, 1, width=32))))
def test_unit_floats_follow_the_documented_rule(a: np.ndarray) -> None:
    _, got = _roundtrip(Image(a))
    flat = a[:, :, 0] if a.ndim == 3 and a.shape[2] == 1 else a
    expected = np.floor(flat.astype(np.float64) * 255 + 0.5)
    assert np.abs(got.astype(np.int64) - expected).max() <= 1  # float32 rounding at .5 ties


@given(seed=st.integers(0, 2**32 - 1), h=st.integers(8, 40), w=st.integers(8, 40))
def test_jpeg_is_lossy_within_bounds(seed: int, h: int, w: int) -> None:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = rng.uniform(0, 255, 3)
    a = np.clip(base + np.stack([x * 3, y * 3, (x + y) * 2], -1), 0, 255).astype(np.uint8)
    _, got = _roundtrip(Image(a, file_type="jpeg"))
    mse = np.mean((got.astype(np.float64) - a) ** 2)
    psnr = 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)
    assert psnr > 35, psnr


any_dtype = st.one_of(
    hnp.scalar_dtypes(),
    st.just(np.dtype("O")),
    hnp.byte_string_dtypes(max_len=3),
    hnp.unicode_string_dtypes(max_len=3),
)
bad_arrays = st.tuples(
    any_dtype, hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=6)
).flatmap(lambda t: hnp.arrays(t[0], t[1]))


@given(a=bad_arrays)
def test_random_arrays_give_an_image_or_a_media_error(a: np.ndarray) -> None:
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # min-max normalisation warns by design
        exc = outcome(lambda: Image(a).save(tmp, name="img"))
        if exc is not None:
            assert files_below(Path(tmp)) == [], "a failed save left files"


junk = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.binary(max_size=64),
    st.lists(st.integers(0, 255), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(
    data=st.one_of(junk, st.just(np.zeros((4, 4), np.uint8))),
    mode=st.one_of(st.none(), st.sampled_from(["L", "RGB", "RGBA", "P", "1", "I;16", "CMYK", "x"])),
    caption=st.one_of(st.none(), st.text(max_size=5), st.integers()),
    file_type=st.one_of(
        st.none(),
        st.sampled_from(["png", "jpeg", "bmp", "webp", "gif", "tiff", ".PNG"]),
        st.integers(),
    ),
)
def test_random_arguments_raise_only_media_errors(data, mode, caption, file_type) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exc = outcome(
            lambda: Image(data, mode=mode, caption=caption, file_type=file_type).save(tmp)
        )
        if exc is not None:
            assert files_below(Path(tmp)) == []


layer = st.one_of(
    junk,
    st.fixed_dictionaries(
        {
            "mask_data": st.one_of(
                junk, hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(max_dims=3, max_side=6))
            )
        },
        optional={
            "class_labels": st.one_of(
                junk,
                st.dictionaries(st.one_of(st.integers(), st.text(max_size=2)), junk, max_size=2),
            )
        },
    ),
)
box = st.one_of(
    junk,
    st.fixed_dictionaries(
        {
            "position": st.one_of(
                junk,
                st.fixed_dictionaries(
                    {
                        k: st.one_of(st.floats(), st.integers(), junk)
                        for k in ("minX", "maxX", "minY", "maxY")
                    }
                ),
                st.fixed_dictionaries(
                    {
                        "middle": st.one_of(junk, st.lists(st.floats(), max_size=3)),
                        "width": st.floats(),
                        "height": st.floats(),
                    }
                ),
            ),
            "class_id": st.one_of(st.integers(), junk),
        },
        optional={
            "domain": st.sampled_from(["pixel", "fraction", "percentage", "x"]),
            "scores": st.one_of(
                junk, st.dictionaries(st.text(max_size=2), st.floats(), max_size=2)
            ),
            "box_caption": junk,
        },
    ),
)


@given(
    masks=st.one_of(st.none(), junk, st.dictionaries(st.text(max_size=4), layer, max_size=2)),
    boxes=st.one_of(
        st.none(),
        junk,
        st.dictionaries(
            st.text(max_size=4),
            st.one_of(
                junk,
                st.fixed_dictionaries({"box_data": st.one_of(junk, st.lists(box, max_size=3))}),
            ),
            max_size=2,
        ),
    ),
)
def test_random_masks_and_boxes_raise_only_media_errors(masks, boxes) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exc = outcome(lambda: Image(np.zeros((6, 6), np.uint8), masks=masks, boxes=boxes).save(tmp))
        if exc is not None:
            assert files_below(Path(tmp)) == []


# -- resource bounds --------------------------------------------------------------------------


def _png_claiming(width: int, height: int) -> bytes:
    """A ~100-byte PNG whose header claims width x height RGB pixels (one row of real data)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _gif_claiming(width: int, height: int) -> bytes:
    """A tiny GIF whose logical screen and one frame claim width x height."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return header + frame + b"\x3b"


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.parametrize(
    "blob",
    [
        _png_claiming(100_000, 100_000),
        _png_claiming(2**31 - 1, 2**31 - 1),
        _gif_claiming(65535, 65535),
    ],
    ids=["png-100k", "png-2g", "gif-64k"],
)
@pytest.mark.parametrize("as_path", [False, True])
def test_decompression_bombs_refused_from_the_header(
    blob: bytes, as_path: bool, tmp_path: Path, assert_nothing_written: Path
) -> None:
    src = tmp_path / "bomb.bin"
    src.write_bytes(blob)
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError, match="MAX_PIXELS"):
            Image(str(src) if as_path else blob).save(assert_nothing_written)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MiB allocated while refusing a bomb"


def test_bomb_guard_is_adjustable_and_still_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lower MAX_PIXELS refuses a genuinely large (but tiny on disk) image before decoding it."""
    buf = io.BytesIO()
    PIL.new("L", (4000, 4000)).save(buf, format="PNG")
    assert len(buf.getvalue()) < 100_000
    monkeypatch.setattr(Image, "MAX_PIXELS", 1_000_000)
    with pytest.raises(LimitExceededError):
        Image(buf.getvalue())
    with pytest.raises(LimitExceededError):
        Image(np.zeros((2000, 1000), np.uint8))


def test_many_frame_gif_as_image_is_cheap(tmp_path: Path) -> None:
    """A GIF claiming 100k frames: Image keeps the file and decodes one frame only."""
    one = _gif_claiming(2, 2)[:-1]
    frame = one[13 + 6 :]  # after header + 2-entry color table
    blob = one + frame * 99_999 + b"\x3b"
    before = _rss_mb()
    img = Image(blob)
    assert (img.width, img.height) == (2, 2)
    assert _rss_mb() - before < 100


def test_pillow_guard_message_names_the_override() -> None:
    """Regression: between Pillow's limit (~179 M pixels) and Image.MAX_PIXELS, Pillow refused the
    header with its own message, and raising Image.MAX_PIXELS (the documented fix) did nothing."""
    blob = _png_claiming(15_000, 15_000)  # 225 M pixels: under MAX_PIXELS, over Pillow's guard
    with pytest.raises(
        LimitExceededError, match=r"Image\.MAX_PIXELS and PIL\.Image\.MAX_IMAGE_PIXELS"
    ):
        Image(blob)


@pytest.mark.parametrize(
    "a, expected",
    [
        (np.array([[1e300, -1e300]]), [[255, 0]]),
        (np.array([[1e39, 0.0]]), [[255, 0]]),
        (np.array([[np.finfo(np.float64).max, -np.finfo(np.float64).max, 0.0]]), [[255, 0, 128]]),
    ],
)
def test_finite_float64_beyond_float32_range(a: np.ndarray, expected: list) -> None:
    """Regression: finite float64 values beyond float32's range were cast to Inf and refused as
    "NaN/Inf"; a span overflowing float64 made every pixel black."""
    with pytest.warns(UserWarning, match="min-max"):
        _, got = _roundtrip(Image(a))
    assert got.tolist() == expected


@pytest.mark.parametrize("size", [(0, 0), (0, 5), (5, 0)])
def test_empty_pil_image_is_a_shape_error(size: tuple[int, int]) -> None:
    """Regression: a 0x0 PIL image raised IndexError; 0xN failed only at save (SchemaError)."""
    from mediatypes.errors import ShapeError

    with pytest.raises(ShapeError, match="non-empty"):
        Image(PIL.new("RGB", size))


def test_unconvertible_pil_mode_is_a_media_error() -> None:
    """Regression: a PIL image in mode 'La' raised Pillow's bare ValueError."""
    from mediatypes.errors import UnsupportedFormatError

    with pytest.raises(UnsupportedFormatError, match="'La'"):
        Image(PIL.new("La", (3, 3)))


def test_a_large_non_image_path_is_not_read_whole(tmp_path: Path) -> None:
    """Regression: Image(path) read the whole file before looking at it; a wrong path (a large
    archive or dataset) cost its full size in memory before the DecodeError. Peak allocation is
    measured with tracemalloc (RSS peaks are inherited across fork/exec, so unusable here)."""
    import tracemalloc

    from mediatypes.errors import DecodeError

    big = tmp_path / "dataset.bin"
    with open(big, "wb") as fh:  # 512 MiB sparse file: costs no disk, would cost RAM if read
        fh.truncate(512 * 2**20)
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError):
            Image(str(big))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"peak allocation {peak / 2**20:.0f} MiB"
