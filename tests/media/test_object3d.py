"""Object3D: point clouds / lidar scenes as binary PLY, meshes as GLB, read back with trimesh."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mediatypes as mt
from mediatypes import _registry, schemas
from mediatypes.errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    MediaFileNotFoundError,
    NonFiniteError,
    ShapeError,
    UnsafePathError,
    UnsupportedFormatError,
)
from mediatypes.object3d import CATEGORY_PALETTE

trimesh = pytest.importorskip("trimesh")

FIX = Path(__file__).parents[2] / "fixtures" / "object3d"
SEED_CORNERS = [
    [0, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
    [1, 1, 0],
    [0, 1, 1],
    [1, 0, 1],
    [1, 1, 1],
]


def _load_ply(root: Path, manifest: dict[str, Any]) -> Any:
    return trimesh.load(root / manifest["path"], file_type="ply")


def _mesh_counts(path: Path) -> tuple[int, int]:
    scene = trimesh.load(path, force="scene", process=False)
    geoms = list(scene.geometry.values())
    return sum(len(g.vertices) for g in geoms), sum(len(g.faces) for g in geoms)


# --- point clouds: round trips ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_xyz_round_trip_is_exact_for_each_dtype(tmp_path: Path, dtype: Any) -> None:
    pts = (np.random.default_rng(0).normal(size=(500, 3)) * 100).astype(dtype)
    m = mt.Object3D(pts).save(tmp_path)
    pc = _load_ply(tmp_path, m)
    np.testing.assert_array_equal(pc.vertices, pts.astype(np.float64))
    assert m["precision"] == ("float32" if dtype == np.float32 else "float64")
    assert (m["num_points"], m["has_colors"], m["has_categories"]) == (500, False, False)
    assert m["format"] == "ply" and m["kind"] == "point_cloud"
    assert (tmp_path / m["path"]).read_bytes().startswith(b"ply\nformat binary_little_endian 1.0\n")


def test_rgb_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.random((300, 3)), rng.integers(0, 256, (300, 3))])
    m = mt.Object3D(pts).save(tmp_path)
    pc = _load_ply(tmp_path, m)
    np.testing.assert_array_equal(pc.vertices, pts[:, :3])
    np.testing.assert_array_equal(pc.colors[:, :3], pts[:, 3:])
    assert m["has_colors"] and not m["has_categories"]


def test_categories_round_trip_as_vertex_property(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    cats = rng.integers(1, 15, 400)
    pts = np.column_stack([rng.random((400, 3)), cats])
    m = mt.Object3D(pts).save(tmp_path)
    pc = _load_ply(tmp_path, m)
    raw = pc.metadata["_ply_raw"]["vertex"]["data"]
    np.testing.assert_array_equal(raw["category"], cats)
    np.testing.assert_array_equal(pc.colors[:, :3], CATEGORY_PALETTE[cats])
    assert m["has_categories"] and m["has_colors"]


def test_torch_tensor_input(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    t = torch.rand(50, 3, requires_grad=True)
    m = mt.Object3D(t).save(tmp_path)
    np.testing.assert_array_equal(_load_ply(tmp_path, m).vertices, t.detach().numpy())


def test_input_is_copied(tmp_path: Path) -> None:
    pts = np.zeros((4, 3), np.float32)
    obj = mt.Object3D(pts)
    pts[:] = 7
    m = obj.save(tmp_path)
    assert m["bounds"] == [[0, 0, 0], [0, 0, 0]]


def test_points_are_kept_unless_max_points_is_given(tmp_path: Path) -> None:
    pts = np.random.default_rng(3).random((1000, 3))
    full = mt.Object3D(pts).save(tmp_path / "a")
    assert full["num_points"] == full["source_num_points"] == 1000 and full["max_points"] is None
    capped = mt.Object3D(pts, max_points=300).save(tmp_path / "b")
    assert (capped["num_points"], capped["source_num_points"], capped["max_points"]) == (
        300,
        1000,
        300,
    )
    kept = _load_ply(tmp_path / "b", capped).vertices
    # an even subsample of the original points, in order
    idx = np.arange(300) * 1000 // 300
    np.testing.assert_array_equal(kept, pts[idx])


def test_from_numpy_and_registry_load(tmp_path: Path) -> None:
    pts = np.random.default_rng(4).random((20, 6)) * [1, 1, 1, 0, 0, 0]
    m = mt.Object3D.from_numpy(pts, caption="c").save(tmp_path)
    back = _registry.load(m, tmp_path)
    assert isinstance(back, mt.Object3D) and back.caption == "c"
    assert back.save(tmp_path)["sha256"] == m["sha256"]
    with pytest.raises(InvalidTypeError, match="from_numpy: `data`"):
        mt.Object3D.from_numpy({"type": "lidar/beta"})


# --- lidar scenes ---------------------------------------------------------------------------


def test_seed_lidar_dict_form(tmp_path: Path) -> None:
    scene = {
        "type": "lidar/beta",
        "points": np.array([[0.4, 1, 1.3], [1, 1, 1], [1.2, 1, 1.2]]),
        "boxes": np.array(
            [
                {"corners": SEED_CORNERS, "label": "Box", "color": [123, 321, 111]},
                {"corners": (np.array(SEED_CORNERS) * 2).tolist(), "label": "Box-2"},
            ]
        ),
        "vectors": [{"start": [0, 0, 0], "end": [0.1, 0.2, 0.5]}],
    }
    with pytest.warns(UserWarning, match=r"1 colour channel\(s\) outside 0-255 were clipped"):
        m = mt.Object3D(scene).save(tmp_path)
    assert m["scene_type"] == "lidar/beta" and m["num_points"] == 3 and m["clipped"] == 1
    assert m["boxes"][0] == {"corners": [[float(v) for v in c] for c in SEED_CORNERS], "label": "Box", "color": [123, 255, 111]}  # fmt: skip
    assert m["boxes"][1]["corners"][7] == [2.0, 2.0, 2.0] and "color" not in m["boxes"][1]
    assert m["vectors"] == [{"start": [0.0, 0.0, 0.0], "end": [0.1, 0.2, 0.5]}]
    schemas.validate(m)
    back = mt.Object3D.from_manifest(m, tmp_path)
    assert back.boxes == m["boxes"] and back.vectors == m["vectors"] and back.clipped == 0


def test_from_point_cloud_with_box3d(tmp_path: Path) -> None:
    pts = np.random.default_rng(5).random((10, 3))
    box = mt.box3d([0, 0, 0], [2, 2, 2], [1, 0, 0, 0], [255, 0, 0], label="car", score=0.5)
    m = mt.Object3D.from_point_cloud(pts, [box], caption="scene").save(tmp_path)
    assert m["boxes"] == [box] and m["vectors"] == [] and m["caption"] == "scene"
    schemas.validate(m)


def test_box3d_corners_rotation_and_normalisation() -> None:
    b = mt.box3d([1, 2, 3], [2, 4, 6], [1, 0, 0, 0], [0, 0, 0])
    c = np.array(b["corners"])
    assert c.shape == (8, 3)
    np.testing.assert_allclose(c.min(0), [0, 0, 0])
    np.testing.assert_allclose(c.max(0), [2, 4, 6])
    # 90° about z (w, x, y, z), given unnormalised: x and y extents swap
    r = np.array(mt.box3d([0, 0, 0], [2, 4, 6], [2, 0, 0, 2], [0, 0, 0])["corners"])
    np.testing.assert_allclose(r.max(0) - r.min(0), [4, 2, 6], atol=1e-9)
    # an arbitrary rotation keeps every corner-to-corner distance (a rigid motion)
    q = np.array(mt.box3d([5, 5, 5], [1, 2, 3], [0.3, 0.1, -0.7, 0.2], [1, 2, 3])["corners"])
    a = np.array(mt.box3d([0, 0, 0], [1, 2, 3], [1, 0, 0, 0], [1, 2, 3])["corners"])
    dist = lambda c: np.linalg.norm(c[:, None] - c[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(dist(q), dist(a), atol=1e-9)
    np.testing.assert_allclose(q.mean(0), [5, 5, 5], atol=1e-9)


def test_box3d_zero_quaternion_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="`orientation` expects a non-zero"):
        mt.box3d([0, 0, 0], [1, 1, 1], [0, 0, 0, 0], [0, 0, 0])
    with pytest.raises(ShapeError, match="`orientation` expects 4 numbers"):
        mt.box3d([0, 0, 0], [1, 1, 1], [0, 0, 1], [0, 0, 0])
    with pytest.raises(InvalidInputError, match="`size` expects non-negative"):
        mt.box3d([0, 0, 0], [-1, 1, 1], [1, 0, 0, 0], [0, 0, 0])
    with pytest.raises(NonFiniteError, match=r"`box3d.color` expects finite numbers"):
        mt.box3d([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [0, 0, float("nan")])
    with pytest.raises(ShapeError, match=r"`box3d.color` expects 3 numbers"):
        mt.box3d([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [0, 0])


# --- colours: clipped with one warning and counted, fractions round half up -----------------


def test_rgb_columns_outside_0_255_are_clipped_with_one_warning(tmp_path: Path) -> None:
    rgb = np.array([[-5, 0, 300], [256.7, 12, 1e9], [1, 2, 3], [255, 0, -0.2]])
    pts = np.column_stack([np.zeros((4, 3)), rgb])
    with pytest.warns(UserWarning) as caught:
        obj = mt.Object3D(pts)
    assert len(caught) == 1  # one warning per object, not one per channel
    assert "5 colour channel(s) outside 0-255 were clipped (5 r,g,b value(s) of `data`)" in str(
        caught[0].message
    )
    m = obj.save(tmp_path)
    assert m["clipped"] == 5 and schemas.problems(m) == []
    expected = [[0, 0, 255], [255, 12, 255], [1, 2, 3], [255, 0, 0]]
    np.testing.assert_array_equal(_load_ply(tmp_path, m).colors[:, :3], expected)


ROUNDING = [
    (np.array([0.5, 0.2, 1.0, 0.0]) * 255, [128, 51, 255, 0]),  # intensity * 255: 127.5, 51.000…01
    ([0.5, 1.5, 2.5, 254.5], [1, 2, 3, 255]),  # half up, not half to even (numpy's round)
]
# just below .5: floor(x + 0.5) would give 1 for the first (the addition itself rounds up)
EDGES = ([0.49999999999999994, 127.49999999999999, 3.4, 3.6], [0, 127, 3, 4])


@pytest.mark.parametrize(
    ("dtype", "cases"), [(np.float64, [*ROUNDING, EDGES]), (np.float32, ROUNDING)]
)
def test_fractional_colours_round_half_up_exactly(tmp_path: Path, dtype: Any, cases: Any) -> None:
    pts = np.zeros((4, 6), dtype)
    pts[:, 3 : 3 + len(cases)] = np.array([c for c, _ in cases]).T  # one channel per case
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is clipped, so nothing to warn about
        m = mt.Object3D(pts).save(tmp_path)
    assert "clipped" not in m and schemas.problems(m) == []
    expected = np.array([e for _, e in cases]).T
    np.testing.assert_array_equal(_load_ply(tmp_path, m).colors[:, : len(cases)], expected)


def test_scene_colours_clip_round_and_count_in_one_warning(tmp_path: Path) -> None:
    scene = {
        "type": "lidar/beta",
        "points": np.array([[0, 0, 0, 300, 0, 0], [1, 1, 1, 0, 0, -1]]),
        "boxes": [
            {"corners": SEED_CORNERS, "color": [123, 321, 111]},
            {"corners": SEED_CORNERS, "color": [127.5, 0.5, 254.5]},
            {"corners": SEED_CORNERS, "color": np.array([-1.0, 256.0, 9.0])},
        ],
        "vectors": [{"start": [0, 0, 0], "end": [1, 0, 0], "color": [1000, 2.5, 3]}],
    }
    with pytest.warns(UserWarning) as caught:
        obj = mt.Object3D(scene)
    assert len(caught) == 1
    msg = str(caught[0].message)
    assert msg.startswith("Object3D: 6 colour channel(s) outside 0-255 were clipped")
    for where in ("2 r,g,b value(s) of `points`", "boxes[0].color [123, 321, 111]", "boxes[2]"):
        assert where in msg
    m = obj.save(tmp_path)
    assert m["clipped"] == 6 and schemas.problems(m) == []
    assert [b["color"] for b in m["boxes"]] == [[123, 255, 111], [128, 1, 255], [0, 255, 9]]
    assert m["vectors"][0]["color"] == [255, 3, 3]
    np.testing.assert_array_equal(_load_ply(tmp_path, m).colors[:, :3], [[255, 0, 0], [0, 0, 0]])


def test_box3d_keeps_colour_for_the_object_to_clip_and_count(tmp_path: Path) -> None:
    box = mt.box3d([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [0, 127.5, 300])
    assert box["color"] == [0, 127.5, 300]
    with pytest.warns(UserWarning, match=r"1 colour channel\(s\).*boxes\[0\]\.color"):
        m = mt.Object3D.from_point_cloud(np.zeros((1, 3)), [box]).save(tmp_path)
    assert m["boxes"][0]["color"] == [0, 128, 255] and m["clipped"] == 1


def test_clipped_is_schema_checked() -> None:
    base = {
        "_type": "object3D-file",
        "schema_version": 1,
        "path": "media/o.glb",
        "sha256": "0" * 64,
        "size": 1,
        "caption": None,
        "kind": "mesh",
        "format": "glb",
        "bounds": [[0, 0, 0], [1, 1, 1]],
        "source_format": "obj",
        "num_vertices": 8,
        "num_faces": 12,
        "num_geometries": 1,
    }
    assert schemas.problems(base) == []
    assert schemas.problems({**base, "clipped": 3}) != []  # meshes have no colours to clip
    pts = mt.Object3D(np.zeros((1, 6)))._encode()[1]
    manifest = {**base, **pts, "num_faces": None}
    for key in ("source_format", "num_vertices", "num_faces", "num_geometries"):
        manifest.pop(key)
    manifest["format"] = "ply"
    assert schemas.problems(manifest) == []
    assert schemas.problems({**manifest, "clipped": 0}) != []  # present only when > 0


# --- bad inputs: clear errors, nothing written -----------------------------------------------

GOOD = np.zeros((3, 3))

BAD_POINTS = [
    (
        [[0, 0, 0], [1, 1, 1]],
        InvalidTypeError,
        r"`data` expects a numpy array or torch tensor; got list",
    ),
    (np.zeros((5, 2)), ShapeError, r"`data` expects an N×3 .*got shape \(5, 2\)"),
    (np.zeros(9), ShapeError, r"`data` expects an N×3 .*got shape \(9,\)"),
    (np.zeros((2, 3, 3)), ShapeError, r"got shape \(2, 3, 3\)"),
    (np.zeros((0, 3)), ShapeError, "at least one point"),
    (np.array([[0, 0, np.nan]]), NonFiniteError, "`data` expects finite values"),
    (np.array([[0, 0, 0, 0]]), InvalidInputError, r"category\) expects whole numbers 1-14"),
    (np.array([[0, 0, 0, 15]]), InvalidInputError, r"category\) expects whole numbers 1-14"),
    (np.array([[0, 0, 0, 1.5]]), InvalidInputError, "1-14"),
    (np.array([[0, 0, 0, 0, np.nan, 0]]), NonFiniteError, "`data` expects finite values"),
    (np.zeros((3, 3), bool), InvalidTypeError, "numeric"),
]


@pytest.mark.parametrize(("data", "exc", "msg"), BAD_POINTS)
def test_bad_points(assert_nothing_written: Path, data: Any, exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        mt.Object3D(data).save(assert_nothing_written)


def _scene(**over: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "lidar/beta", "points": GOOD, "boxes": [{"corners": SEED_CORNERS}]}
    s.update(over)
    return s


BAD_SCENES = [
    (_scene(type="lidar/alpha"), UnsupportedFormatError, r"`type` expects one of \['lidar/beta'\]"),
    (
        _scene(boxes=[{"corners": SEED_CORNERS[:4]}]),
        ShapeError,
        r"`boxes\[0\].corners` expects 8 corners.*\(4, 3\)",
    ),
    (_scene(boxes=[{"label": "x"}]), InvalidInputError, r"`boxes\[0\]` expects a `corners` entry"),
    (
        _scene(boxes=[{"corners": SEED_CORNERS, "colour": [1, 2, 3]}]),
        InvalidInputError,
        "unknown key",
    ),
    (
        _scene(boxes=[{"corners": SEED_CORNERS, "color": [123, np.nan, 111]}]),
        NonFiniteError,
        r"`boxes\[0\].color` expects finite numbers",
    ),
    (
        _scene(vectors=[{"start": [0, 0, 0], "end": [1, 1, 1], "color": [np.inf, 0, 0]}]),
        NonFiniteError,
        r"`vectors\[0\].color` expects finite numbers",
    ),
    (_scene(boxes=[{"corners": SEED_CORNERS, "score": float("nan")}]), NonFiniteError, "score"),
    (
        _scene(boxes=[{"corners": SEED_CORNERS, "label": 3}]),
        InvalidTypeError,
        r"`boxes\[0\].label` expects a str",
    ),
    (_scene(boxes="box"), InvalidTypeError, "`boxes` expects a list"),
    (
        _scene(vectors=[{"start": [0, 0, 0]}]),
        InvalidInputError,
        r"`vectors\[0\]` expects a `end` entry",
    ),
    (
        _scene(vectors=[{"start": [0, 0], "end": [1, 1, 1]}]),
        ShapeError,
        r"`vectors\[0\].start` expects 3 numbers",
    ),
    (_scene(extra=1), InvalidInputError, "unknown key"),
    ({"type": "lidar/beta"}, InvalidInputError, "expects a `points` array"),
    (_scene(points=[[0, 0, 0]]), InvalidTypeError, "`points` expects a numpy array"),
]


@pytest.mark.parametrize(("scene", "exc", "msg"), BAD_SCENES)
def test_bad_scenes(assert_nothing_written: Path, scene: Any, exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        mt.Object3D(scene).save(assert_nothing_written)


def test_from_point_cloud_unsupported_type() -> None:
    with pytest.raises(UnsupportedFormatError, match="`type` expects one of"):
        mt.Object3D.from_point_cloud(GOOD, [], point_cloud_type="radar")


def test_bad_options() -> None:
    with pytest.raises(InvalidInputError, match="`max_points` expects a positive int"):
        mt.Object3D(GOOD, max_points=0)
    with pytest.raises(InvalidInputError, match="`file_type` applies to mesh files only"):
        mt.Object3D(GOOD, file_type="obj")
    with pytest.raises(InvalidTypeError, match="`caption` expects a str"):
        mt.Object3D(GOOD, caption=3)  # type: ignore[arg-type]


# --- meshes ---------------------------------------------------------------------------------

MESHES = [("cube.obj", 8), ("cube.gltf", 8), ("cube.glb", 8), ("cube.stl", 36), ("cube_ascii.stl", 36), ("cube.ply", 8)]  # fmt: skip


@pytest.mark.parametrize(("name", "verts"), MESHES)
def test_mesh_files_become_glb_with_counts_preserved(tmp_path: Path, name: str, verts: int) -> None:
    m = mt.Object3D(FIX / name, caption=name).save(tmp_path)
    out = tmp_path / m["path"]
    assert out.suffix == ".glb" and out.read_bytes()[:4] == b"glTF"
    assert m["source_format"] == Path(name).suffix[1:]
    assert (m["num_vertices"], m["num_faces"]) == (verts, 12)
    assert _mesh_counts(out) == (verts, 12)
    assert m["bounds"] == [[0, 0, 0], [1, 1, 1]]


def test_glb_is_kept_byte_for_byte(tmp_path: Path) -> None:
    m = mt.Object3D(FIX / "cube.glb").save(tmp_path)
    assert (tmp_path / m["path"]).read_bytes() == (FIX / "cube.glb").read_bytes()


def test_point_cloud_ply_file_is_a_mesh_without_faces(tmp_path: Path) -> None:
    m = mt.Object3D(FIX / "cloud.ply").save(tmp_path)
    assert (m["num_vertices"], m["num_faces"]) == (16, 0)


def test_mesh_file_objects(tmp_path: Path) -> None:
    with open(FIX / "cube.obj") as text_fh:  # text mode, named: the seeds' open("sample.obj")
        assert mt.Object3D(text_fh).save(tmp_path)["num_faces"] == 12
    nameless = io.BytesIO((FIX / "cube.stl").read_bytes())
    assert mt.Object3D(nameless, file_type="stl").save(tmp_path)["num_faces"] == 12
    with open(FIX / "cube.gltf", "rb") as fh:  # named: buffers resolve next to the file
        assert mt.Object3D(fh).save(tmp_path)["num_vertices"] == 8


def test_binary_mesh_opened_in_text_mode(tmp_path: Path) -> None:
    """The seeds' ``Object3D(open("sample.glb"))``: a text-mode file whose bytes are not UTF-8 is
    read from its binary buffer (byte-for-byte, GLB kept as is) when read from the start."""
    glb = (FIX / "cube.glb").read_bytes()
    with open(FIX / "cube.glb") as text_fh:
        m = mt.Object3D(text_fh).save(tmp_path)
    assert (tmp_path / m["path"]).read_bytes() == glb and m["num_vertices"] == 8
    with open(FIX / "cube.glb", encoding="utf-8") as text_fh:
        text_fh.seek(4)  # not at the start: which bytes were meant is unclear
        with pytest.raises(DecodeError, match=r"text-mode file object .*open the file in binary"):
            mt.Object3D(text_fh, file_type="glb")


def test_gltf_with_embedded_buffer_from_nameless_file(tmp_path: Path) -> None:
    import base64
    import json

    doc = json.loads((FIX / "cube.gltf").read_text())
    b64 = base64.b64encode((FIX / "cube.bin").read_bytes()).decode()
    doc["buffers"][0]["uri"] = "data:application/octet-stream;base64," + b64
    m = mt.Object3D(io.BytesIO(json.dumps(doc).encode()), file_type="gltf").save(tmp_path)
    assert (m["num_vertices"], m["num_faces"]) == (8, 12)


BAD_MESHES = [
    (lambda: io.BytesIO(b"v 0 0 0\n"), None, InvalidInputError, "`file_type` is required"),
    (
        lambda: FIX / "cube.obj",
        "fbx",
        UnsupportedFormatError,
        "`file_type` expects one of obj, gltf, glb, stl, ply; got 'fbx'",
    ),
    (
        lambda: io.BytesIO((FIX / "cube_ascii.stl").read_bytes()),
        "ply",
        DecodeError,
        "`file_type` is 'ply' but the content looks like STL",
    ),
    (lambda: FIX / "cube.glb", "obj", DecodeError, "content looks like GLB"),
    (
        lambda: io.BytesIO((FIX / "cube.obj").read_bytes()),
        "stl",
        DecodeError,
        "could not be read as STL|no geometry",
    ),
    (lambda: FIX / "corrupt.glb", None, DecodeError, "corrupt GLB"),
    (lambda: FIX / "truncated.glb", None, DecodeError, "corrupt or truncated"),
    (lambda: FIX / "empty.obj", None, DecodeError, "holds no geometry"),
    (lambda: FIX / "escape.gltf", None, UnsafePathError, r"uri '../secret.bin' leaves the folder"),
    (lambda: FIX / "remote.gltf", None, UnsafePathError, "Nothing is fetched from the network"),
    (lambda: FIX / "missing_buffer.gltf", None, MediaFileNotFoundError, "not found"),
    (
        lambda: io.BytesIO((FIX / "cube.gltf").read_bytes()),
        "gltf",
        InvalidInputError,
        "pass the .gltf path",
    ),
    (lambda: FIX / "nope.obj", None, MediaFileNotFoundError, "existing file"),
]


@pytest.mark.parametrize(("make", "ftype", "exc", "msg"), BAD_MESHES)
def test_bad_meshes(
    assert_nothing_written: Path, make: Any, ftype: Any, exc: type, msg: str
) -> None:
    with pytest.raises(exc, match=msg):
        mt.Object3D(make(), file_type=ftype).save(assert_nothing_written)


def test_mesh_manifest_loads_back(tmp_path: Path) -> None:
    m = mt.Object3D(FIX / "cube.obj").save(tmp_path)
    back = _registry.load(m, tmp_path)
    again = back.save(tmp_path / "again")
    assert again["sha256"] == m["sha256"] and again["num_faces"] == 12


@given(
    n=st.integers(1, 60),
    cols=st.sampled_from([3, 4, 6]),
    dtype=st.sampled_from([np.float32, np.float64, np.int16]),
    seed=st.integers(0, 2**16),
)
def test_property_any_valid_cloud_round_trips(
    tmp_path_factory: pytest.TempPathFactory, n: int, cols: int, dtype: Any, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    xyz = (rng.normal(size=(n, 3)) * 1000).astype(dtype)
    extra = {3: np.zeros((n, 0)), 4: rng.integers(1, 15, (n, 1)), 6: rng.integers(0, 256, (n, 3))}
    pts = np.column_stack([xyz, extra[cols]]).astype(dtype)
    root = tmp_path_factory.mktemp("prop")
    m = mt.Object3D(pts).save(root)
    pc = _load_ply(root, m)
    np.testing.assert_array_equal(pc.vertices, pts[:, :3].astype(np.float64))
    if cols == 6:
        np.testing.assert_array_equal(pc.colors[:, :3], pts[:, 3:])
    if cols == 4:
        np.testing.assert_array_equal(
            pc.metadata["_ply_raw"]["vertex"]["data"]["category"], pts[:, 3]
        )
    back = mt.Object3D.from_manifest(m, root)
    np.testing.assert_array_equal(back.xyz, pts[:, :3].astype(back.xyz.dtype))
