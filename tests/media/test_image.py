"""Image inputs and pixels: every accepted input decodes (with Pillow) to the expected pixels."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mediatypes as mt
from mediatypes import _registry, schemas
from mediatypes.core.media import list_manifest
from mediatypes.core.store import DirectoryStore, MemoryStore
from mediatypes.errors import DecodeError
from mediatypes.image import Image, png_bytes

FIX = Path(__file__).parents[2] / "fixtures" / "image"


def decoded(m: dict[str, Any], root: Path) -> np.ndarray:
    with PIL.Image.open(root / m["path"]) as im:
        return np.asarray(im)


def save_and_decode(img: Image, root: Path) -> tuple[dict[str, Any], np.ndarray]:
    m = img.save(root)
    return m, decoded(m, root)


# ---- arrays: exact pixel expectations


def test_uint8_rgb_kept_exactly(tmp_path: Path) -> None:
    arr = np.random.default_rng(0).integers(0, 256, (17, 23, 3), dtype=np.uint8)
    m, got = save_and_decode(Image(arr), tmp_path)
    np.testing.assert_array_equal(got, arr)
    assert (m["format"], m["mode"], m["width"], m["height"]) == ("png", "RGB", 23, 17)
    assert m["path"].endswith(".png") and m["caption"] is None


def test_uint8_gray_and_single_channel(tmp_path: Path) -> None:
    arr = np.arange(30, dtype=np.uint8).reshape(5, 6)
    for data in (arr, arr[:, :, None], arr[None, :, :]):
        m, got = save_and_decode(Image(data), tmp_path)
        assert m["mode"] == "L"
        np.testing.assert_array_equal(got, arr)


def test_float_01_scaled_round_half_up(tmp_path: Path) -> None:
    arr = np.array([[0.0, 0.5, 1.0], [0.25, 0.002, 0.998]])
    _, got = save_and_decode(Image(arr), tmp_path)
    # x * 255 rounded half up: 127.5 -> 128, 63.75 -> 64, 0.51 -> 1, 254.49 -> 254
    np.testing.assert_array_equal(got, [[0, 128, 255], [64, 1, 254]])


def test_float_minus1_1_scaled(tmp_path: Path) -> None:
    arr = np.array([[-1.0, 0.0, 1.0], [-0.5, 0.5, -0.999]], dtype=np.float32)
    _, got = save_and_decode(Image(arr), tmp_path)
    # (x + 1) * 127.5 rounded half up: 0, 127.5 -> 128, 255, 63.75 -> 64, 191.25 -> 191, 0.13 -> 0
    np.testing.assert_array_equal(got, [[0, 128, 255], [64, 191, 0]])


def test_float_0_255_kept_in_pixel_units(tmp_path: Path) -> None:
    arr = np.array([[0.0, 1.5, 254.4], [255.0, 100.5, 7.49]])
    _, got = save_and_decode(Image(arr), tmp_path)
    np.testing.assert_array_equal(got, [[0, 2, 254], [255, 101, 7]])


def test_float_other_range_min_max_with_warning(tmp_path: Path) -> None:
    arr = np.array([[-10.0, 0.0], [10.0, 30.0]])
    with pytest.warns(UserWarning, match="min-max"):
        _, got = save_and_decode(Image(arr), tmp_path)
    np.testing.assert_array_equal(got, [[0, 64], [128, 255]])


def test_bool_is_0_255(tmp_path: Path) -> None:
    arr = np.array([[True, False], [False, True]])
    m, got = save_and_decode(Image(arr), tmp_path)
    assert m["mode"] == "L"
    np.testing.assert_array_equal(got, [[255, 0], [0, 255]])


def test_uint16_kept_as_16_bit_png(tmp_path: Path) -> None:
    arr = np.array([[0, 1, 255], [256, 40000, 65535]], dtype=np.uint16)
    m, got = save_and_decode(Image(arr), tmp_path)
    assert m["mode"] == "I;16"
    with PIL.Image.open(tmp_path / m["path"]) as im:
        assert im.mode == "I;16"
    np.testing.assert_array_equal(got, arr)


def test_2d_int_above_255_is_16_bit_and_small_ints_are_8_bit(tmp_path: Path) -> None:
    m, got = save_and_decode(Image(np.array([[0, 300], [1000, 7]], dtype=np.int32)), tmp_path)
    assert m["mode"] == "I;16"
    np.testing.assert_array_equal(got, [[0, 300], [1000, 7]])
    m, got = save_and_decode(Image(np.array([[[0, 200, 255]]], dtype=np.int64)), tmp_path)
    assert m["mode"] == "RGB"
    np.testing.assert_array_equal(got, [[[0, 200, 255]]])


def test_rgba_kept(tmp_path: Path) -> None:
    arr = np.random.default_rng(1).integers(0, 256, (6, 5, 4), dtype=np.uint8)
    m, got = save_and_decode(Image(arr), tmp_path)
    assert m["mode"] == "RGBA"
    np.testing.assert_array_equal(got, arr)


def test_la_kept(tmp_path: Path) -> None:
    pil = PIL.Image.fromarray(np.random.default_rng(1).integers(0, 256, (6, 5, 2), np.uint8), "LA")
    m, got = save_and_decode(Image(pil), tmp_path)
    assert m["mode"] == "LA"
    np.testing.assert_array_equal(got, np.asarray(pil))


def test_chw_input_transposed(tmp_path: Path) -> None:
    hwc = np.random.default_rng(2).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    chw = np.ascontiguousarray(hwc.transpose(2, 0, 1))
    m, got = save_and_decode(Image(chw), tmp_path)
    assert (m["width"], m["height"]) == (9, 7)
    np.testing.assert_array_equal(got, hwc)
    rgba = np.random.default_rng(2).integers(0, 256, (4, 6, 8), dtype=np.uint8)
    _, got = save_and_decode(Image(rgba), tmp_path)
    np.testing.assert_array_equal(got, rgba.transpose(1, 2, 0))


def test_torch_tensor_chw(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    hwc = np.random.default_rng(3).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    t = torch.from_numpy(hwc).permute(2, 0, 1).float().div(255).requires_grad_(True)
    m, got = save_and_decode(Image(t), tmp_path)
    assert (m["width"], m["height"], m["mode"]) == (4, 5, "RGB")
    np.testing.assert_array_equal(got, hwc)
    # torch prefers channel-first even when the last dim is also 3
    t3 = torch.from_numpy(np.random.default_rng(4).integers(0, 256, (3, 6, 3), dtype=np.uint8))
    _, got = save_and_decode(Image(t3), tmp_path)
    np.testing.assert_array_equal(got, t3.numpy().transpose(1, 2, 0))


def test_caller_mutation_after_construction_does_not_leak(tmp_path: Path) -> None:
    arr = np.zeros((4, 4), np.uint8)
    img = Image(arr)
    arr[:] = 99
    _, got = save_and_decode(img, tmp_path)
    assert got.max() == 0


def test_mode_converts_via_pil(tmp_path: Path) -> None:
    arr = np.random.default_rng(5).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    m, got = save_and_decode(Image(arr, mode="L"), tmp_path)
    assert m["mode"] == "L"
    np.testing.assert_array_equal(got, np.asarray(PIL.Image.fromarray(arr).convert("L")))
    m, got = save_and_decode(Image(arr[:, :, 0] > 127, mode="1"), tmp_path)  # 1-bit PNG via Pillow
    assert m["mode"] == "1"
    np.testing.assert_array_equal(got, arr[:, :, 0] > 127)


# ---- PIL images


def test_pil_modes(tmp_path: Path) -> None:
    rgb = PIL.Image.fromarray(np.random.default_rng(6).integers(0, 256, (5, 7, 3), np.uint8))
    m, got = save_and_decode(Image(rgb), tmp_path)
    np.testing.assert_array_equal(got, np.asarray(rgb))
    pal = rgb.convert("P")
    m, got = save_and_decode(Image(pal), tmp_path)
    assert m["mode"] == "P"
    np.testing.assert_array_equal(got, np.asarray(pal))
    cmyk = rgb.convert("CMYK")
    m, got = save_and_decode(Image(cmyk), tmp_path)
    assert m["mode"] == "RGB"
    np.testing.assert_array_equal(got, np.asarray(cmyk.convert("RGB")))
    f = PIL.Image.fromarray(np.array([[0.0, 0.5], [1.0, 0.25]], np.float32), "F")
    m, got = save_and_decode(Image(f), tmp_path)
    np.testing.assert_array_equal(got, [[0, 128], [255, 64]])
    i32 = PIL.Image.fromarray(np.array([[0, 70000 // 2], [5, 1]], np.int32))
    m, got = save_and_decode(Image(i32), tmp_path)
    assert m["mode"] == "I;16"
    np.testing.assert_array_equal(got, [[0, 35000], [5, 1]])


def test_pil_source_is_copied(tmp_path: Path) -> None:
    pil = PIL.Image.new("L", (3, 3), 0)
    img = Image(pil)
    pil.paste(200, (0, 0, 3, 3))
    _, got = save_and_decode(img, tmp_path)
    assert got.max() == 0


# ---- files, bytes, file objects: kept byte-for-byte


@pytest.mark.parametrize(
    ("name", "fmt"), [("tiny.png", "png"), ("tiny.jpg", "jpeg"), ("tiny.gif", "gif")]
)
def test_path_kept_byte_for_byte(tmp_path: Path, name: str, fmt: str) -> None:
    src = FIX / name
    for data in (src, str(src), src.read_bytes(), io.BytesIO(src.read_bytes())):
        m = Image(data).save(tmp_path)
        assert m["format"] == fmt
        assert (tmp_path / m["path"]).read_bytes() == src.read_bytes()
        assert (m["width"], m["height"]) == (8, 6)
    with open(src, "rb") as fh:
        m = Image(fh).save(tmp_path)
    assert (tmp_path / m["path"]).read_bytes() == src.read_bytes()


@pytest.mark.parametrize(("fmt", "pil_fmt"), [("bmp", "BMP"), ("webp", "WEBP")])
def test_bmp_webp_paths_kept(tmp_path: Path, fmt: str, pil_fmt: str) -> None:
    src = tmp_path / f"in.{fmt}"
    PIL.Image.open(FIX / "tiny.png").save(src, format=pil_fmt)
    m = Image(src).save(tmp_path / "out")
    assert m["format"] == fmt and m["path"].endswith("." + fmt)
    assert (tmp_path / "out" / m["path"]).read_bytes() == src.read_bytes()


def test_path_with_mode_or_other_file_type_is_converted(tmp_path: Path) -> None:
    m, got = save_and_decode(Image(FIX / "tiny.jpg", file_type="png"), tmp_path)
    assert m["format"] == "png"
    np.testing.assert_array_equal(got, np.asarray(PIL.Image.open(FIX / "tiny.jpg")))
    m, got = save_and_decode(Image(FIX / "tiny.png", mode="L"), tmp_path)
    assert m["mode"] == "L"
    np.testing.assert_array_equal(got, np.asarray(PIL.Image.open(FIX / "tiny.png").convert("L")))
    m = Image(FIX / "tiny.jpg", file_type="jpeg").save(tmp_path)  # same format: kept
    assert (tmp_path / m["path"]).read_bytes() == (FIX / "tiny.jpg").read_bytes()


# ---- output formats


def test_jpeg_drops_alpha_with_warning_and_keeps_format(tmp_path: Path) -> None:
    y, x = np.mgrid[0:16, 0:16]
    rgba = np.stack([x * 16, y * 16, x * 8, np.full_like(x, 128)], -1).astype(np.uint8)
    with pytest.warns(UserWarning, match="alpha"):
        img = Image(rgba, file_type="jpeg")
    m, got = save_and_decode(img, tmp_path)
    assert (m["format"], m["mode"]) == ("jpeg", "RGB") and m["path"].endswith(".jpg")
    with PIL.Image.open(tmp_path / m["path"]) as im:
        assert im.format == "JPEG" and im.mode == "RGB"
    assert np.abs(got.astype(int) - rgba[:, :, :3].astype(int)).mean() < 3


def test_jpeg_without_alpha_does_not_warn(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = Image(np.zeros((8, 8, 3), np.uint8), file_type="JPG").save(tmp_path)
    assert m["format"] == "jpeg"


def test_webp_is_lossless_and_bmp_exact(tmp_path: Path) -> None:
    arr = np.random.default_rng(8).integers(0, 256, (9, 11, 3), dtype=np.uint8)
    for ft in ("webp", "bmp"):
        m, got = save_and_decode(Image(arr, file_type=ft), tmp_path)
        assert m["format"] == ft
        np.testing.assert_array_equal(got, arr)


# ---- figures, adapters, Image(Image), round trips


def test_matplotlib_figure_is_rendered_deterministically(tmp_path: Path) -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    fig = plt.figure(figsize=(2, 1), dpi=50)
    fig.gca().plot([0, 1, 0])
    m1 = Image(fig, caption="fig").save(tmp_path / "a")
    m2 = _registry.adapt(fig).save(tmp_path / "b")
    plt.close(fig)
    assert (m1["width"], m1["height"], m1["format"]) == (100, 50, "png")
    assert m1["sha256"] == m2["sha256"]
    data = (tmp_path / "a" / m1["path"]).read_bytes()
    assert b"Software" not in data and b"matplotlib" not in data
    got = decoded(m1, tmp_path / "a")
    assert got.shape == (50, 100, 4) and len(np.unique(got.reshape(-1, 4), axis=0)) > 2


def test_image_of_image_copies_and_inherits(tmp_path: Path) -> None:
    arr = np.random.default_rng(9).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    a = Image(arr, caption="a", boxes={"b": {"box_data": []}})
    b = Image(a)
    assert b.caption == "a"
    mb = b.save(tmp_path / "b")
    assert mb == a.save(tmp_path / "a")
    c = Image(a, caption="c", file_type="bmp")
    m, got = save_and_decode(c, tmp_path)
    assert (m["caption"], m["format"]) == ("c", "bmp")
    np.testing.assert_array_equal(got, arr)
    kept = Image(Image(FIX / "tiny.gif")).save(tmp_path / "g")
    assert (tmp_path / "g" / kept["path"]).read_bytes() == (FIX / "tiny.gif").read_bytes()


def test_from_manifest_round_trip(tmp_path: Path) -> None:
    arr = np.random.default_rng(10).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    mask = np.random.default_rng(10).integers(0, 300, (6, 8))
    img = Image(
        arr,
        caption="rt",
        masks={"m": {"mask_data": mask, "class_labels": {3: "x"}}},
        boxes={
            "b": {
                "box_data": [
                    {"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 3}
                ]
            }
        },
    )
    m = img.save(tmp_path / "a")
    back = _registry.load(m, tmp_path / "a")
    assert isinstance(back, Image) and back.caption == "rt"
    np.testing.assert_array_equal(back.to_numpy(), arr)
    assert back.save(tmp_path / "b") == m
    (tmp_path / "a" / m["path"]).write_bytes(png_bytes(np.zeros((6, 8, 3), np.uint8)))
    with pytest.raises(DecodeError, match="sha256"):
        Image.from_manifest(m, tmp_path / "a")


def test_list_of_images_uses_list_manifest(tmp_path: Path) -> None:
    imgs = [Image(np.full((4, 4), i * 50, np.uint8), caption=f"c{i}") for i in range(3)]
    store = MemoryStore()
    m = list_manifest(imgs, store, "examples")
    schemas.validate(m)
    assert (m["item_type"], m["count"], m["captions"]) == ("image-file", 3, ["c0", "c1", "c2"])
    for i, item in enumerate(m["items"]):
        got = np.asarray(PIL.Image.open(io.BytesIO(store.files[item["path"]])))
        np.testing.assert_array_equal(got, np.full((4, 4), i * 50, np.uint8))
    disk = list_manifest(imgs, DirectoryStore(tmp_path), "examples")
    assert [i["path"] for i in disk["items"]] == [i["path"] for i in m["items"]]
    assert [str(p.relative_to(tmp_path)) for p in sorted(tmp_path.rglob("*.png"))] == sorted(
        i["path"] for i in m["items"]
    )
    loaded = _registry.load(m | {"items": disk["items"]}, tmp_path)
    assert [x.caption for x in loaded] == ["c0", "c1", "c2"]


def test_public_name_and_repr() -> None:
    img = mt.Image(np.zeros((2, 3), np.uint8), caption="z")
    assert img is not None and "3x2" in repr(img) and "'z'" in repr(img)


# ---- properties


@settings(deadline=None)
@given(
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    channels=st.sampled_from([None, 1, 3, 4]),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_uint8_array_and_its_float_twin_decode_exactly(
    h: int, w: int, channels: int | None, seed: int
) -> None:
    shape = (h, w) if channels is None else (h, w, channels)
    arr = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    expected = arr if channels != 1 else arr[:, :, 0]
    for data in (arr, arr.astype(np.float64) / 255.0):  # k / 255 must come back as k
        payload, fields = Image(data).encode()
        assert payload is not None and payload.data is not None
        got = np.asarray(PIL.Image.open(io.BytesIO(payload.data)))
        np.testing.assert_array_equal(got, expected)
        assert (fields["height"], fields["width"]) == (h, w)


@settings(deadline=None)
@given(h=st.integers(1, 30), w=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_any_uint16_gray_decodes_exactly(h: int, w: int, seed: int) -> None:
    arr = np.random.default_rng(seed).integers(0, 65536, (h, w), dtype=np.uint16)
    payload, _ = Image(arr).encode()
    assert payload is not None and payload.data is not None
    np.testing.assert_array_equal(np.asarray(PIL.Image.open(io.BytesIO(payload.data))), arr)
