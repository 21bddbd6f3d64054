"""Image masks (PNG of class ids) and boxes (normalized into the manifest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest

from mediatypes import schemas
from mediatypes.image import Image

FIX = Path(__file__).parents[2] / "fixtures" / "image"
RGB = np.zeros((6, 8, 3), np.uint8)


def decode(root: Path, ref: dict[str, Any]) -> PIL.Image.Image:
    im = PIL.Image.open(root / ref["path"])
    im.load()
    return im


# ---- masks


def test_mask_stored_as_8_bit_png_of_class_ids_with_default_labels(tmp_path: Path) -> None:
    ids = np.random.default_rng(0).integers(0, 5, (6, 8))
    m = Image(RGB, masks={"pred": {"mask_data": ids, "class_labels": {1: "tree", 9: "sky"}}}).save(
        tmp_path, name="im"
    )
    layer = m["masks"]["pred"]
    assert layer["file"]["path"].startswith("im-mask-pred_")
    im = decode(tmp_path, layer["file"])
    assert im.mode == "L"
    np.testing.assert_array_equal(np.asarray(im), ids)
    present = {str(i) for i in np.unique(ids)}
    expected = {k: f"class_{k}" for k in present} | {"1": "tree", "9": "sky"}
    assert layer["class_labels"] == expected  # labels for absent ids are kept, present ones filled


def test_mask_16_bit_when_ids_exceed_255(tmp_path: Path) -> None:
    ids = np.array([[0, 256, 65535, 7]] * 6)[:, :4]
    img = Image(np.zeros((6, 4), np.uint8), masks={"m": {"mask_data": ids}})
    m = img.save(tmp_path)
    im = decode(tmp_path, m["masks"]["m"]["file"])
    assert im.mode == "I;16"
    np.testing.assert_array_equal(np.asarray(im), ids)
    assert m["masks"]["m"]["class_labels"]["65535"] == "class_65535"


def test_mask_inputs_bool_float_torch_and_path(tmp_path: Path) -> None:
    b = np.zeros((6, 8), bool)
    b[2:4, 3:6] = True
    variants: list[Any] = [b, b.astype(np.float32), b.astype(np.int64)]
    torch = pytest.importorskip("torch")
    variants.append(torch.from_numpy(b.astype(np.int64)))
    for data in variants:
        m = Image(RGB, masks={"m": {"mask_data": data}}).save(tmp_path)
        np.testing.assert_array_equal(np.asarray(decode(tmp_path, m["masks"]["m"]["file"])), b)
    m = Image(np.zeros((6, 8, 3), np.uint8), masks={"seg": {"path": FIX / "tiny_mask.png"}}).save(
        tmp_path
    )
    got = np.asarray(decode(tmp_path, m["masks"]["seg"]["file"]))
    np.testing.assert_array_equal(got, np.asarray(PIL.Image.open(FIX / "tiny_mask.png")))
    assert m["masks"]["seg"]["class_labels"] == {str(i): f"class_{i}" for i in range(4)}


def test_mask_copied_at_construction(tmp_path: Path) -> None:
    ids = np.zeros((6, 8), np.uint8)
    img = Image(RGB, masks={"m": {"mask_data": ids}})
    ids[:] = 3
    m = img.save(tmp_path)
    assert np.asarray(decode(tmp_path, m["masks"]["m"]["file"])).max() == 0


def test_several_layers_and_odd_layer_names_stay_inside(tmp_path: Path) -> None:
    ids = np.ones((6, 8), np.uint8)
    m = Image(RGB, masks={"../../evil": {"mask_data": ids}, "gt": {"mask_data": ids * 2}}).save(
        tmp_path
    )
    schemas.validate(m)
    assert sorted(m["masks"]) == ["../../evil", "gt"]
    for layer in m["masks"].values():
        assert (tmp_path / layer["file"]["path"]).resolve().is_relative_to(tmp_path.resolve())
    assert all(p.resolve().is_relative_to(tmp_path.resolve()) for p in tmp_path.rglob("*"))


# ---- boxes


def test_both_position_forms_normalize_to_min_max() -> None:
    a = {"position": {"minX": 0.25, "maxX": 0.75, "minY": 0.0, "maxY": 0.5}, "class_id": 1}
    b = {"position": {"middle": [0.5, 0.25], "width": 0.5, "height": 0.5}, "class_id": 1}
    c = {**b, "domain": "percentage"}  # the reference SDK's name for fractions
    fields = [Image(RGB, boxes={"p": {"box_data": [x]}}).encode()[1]["boxes"] for x in (a, b, c)]
    assert fields[0] == fields[1] == fields[2]
    box = fields[0]["p"]["box_data"][0]
    assert box == {
        "position": {"minX": 0.25, "maxX": 0.75, "minY": 0.0, "maxY": 0.5},
        "domain": "fraction",
        "class_id": 1,
    }


def test_pixel_boxes_captions_scores_and_labels(tmp_path: Path) -> None:
    boxes = {
        "pred": {
            "box_data": [
                {
                    "position": {"middle": [np.int64(4), 3.0], "width": 2, "height": np.float32(4)},
                    "domain": "pixel",
                    "class_id": np.int32(7),
                    "box_caption": "dog 0.8",
                    "scores": {"conf": np.float32(0.5), "iou": 1},
                },
                {
                    "position": {"minX": -3, "maxX": 20, "minY": 0, "maxY": 6},
                    "domain": "pixel",
                    "class_id": 2,
                },
            ],
            "class_labels": {7: "dog"},
        },
        "empty": {"box_data": []},
    }
    m = Image(RGB, boxes=boxes).save(tmp_path)
    first, second = m["boxes"]["pred"]["box_data"]
    assert first == {
        "position": {"minX": 3.0, "maxX": 5.0, "minY": 1.0, "maxY": 5.0},
        "domain": "pixel",
        "class_id": 7,
        "box_caption": "dog 0.8",
        "scores": {"conf": 0.5, "iou": 1.0},
    }
    assert second["position"]["minX"] == -3.0  # pixel boxes may extend past the border
    assert m["boxes"]["pred"]["class_labels"] == {"2": "class_2", "7": "dog"}
    assert m["boxes"]["empty"] == {"box_data": [], "class_labels": {}}


def test_masks_and_boxes_survive_json_round_trip(tmp_path: Path) -> None:
    ids = np.arange(48).reshape(6, 8) % 3
    boxes = {
        "p": {
            "box_data": [{"position": {"minX": 0, "maxX": 1, "minY": 0, "maxY": 1}, "class_id": 0}]
        }
    }
    m = Image(RGB, masks={"m": {"mask_data": ids}}, boxes=boxes).save(tmp_path / "a")
    back = Image.from_manifest(m, tmp_path / "a")
    assert back.save(tmp_path / "b") == m
