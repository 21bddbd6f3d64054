"""Contract cases for Object3D: files decoded back with trimesh (an independent reader)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

import mediatypes as mt

from .case import Case

FIX = Path(__file__).parents[2] / "fixtures" / "object3d"
RNG_SEED = 11


def _cloud(cols: int) -> np.ndarray:
    rng = np.random.default_rng(RNG_SEED)
    xyz = rng.normal(size=(200, 3))
    if cols == 4:
        return np.column_stack([xyz, rng.integers(1, 15, 200)])
    if cols == 6:
        return np.column_stack([xyz, rng.integers(0, 256, (200, 3))])
    return xyz


def _check_points(cols: int) -> Any:
    def check(manifest: dict[str, Any], root: Path) -> None:
        import trimesh

        data = (root / manifest["path"]).read_bytes()
        pc = trimesh.load(io.BytesIO(data), file_type="ply")
        src = _cloud(cols)
        np.testing.assert_array_equal(pc.vertices, src[:, :3])
        assert manifest["num_points"] == len(src)
        raw = pc.metadata["_ply_raw"]["vertex"]["data"]
        if cols == 6:
            np.testing.assert_array_equal(pc.colors[:, :3], src[:, 3:6])
        if cols == 4:
            np.testing.assert_array_equal(raw["category"], src[:, 3])
        np.testing.assert_allclose(manifest["bounds"], [src[:, :3].min(0), src[:, :3].max(0)])

    return check


def _scene() -> mt.Object3D:
    boxes = [
        mt.box3d([1, 2, 3], [4, 2, 1], [0.7071068, 0, 0, 0.7071068], [0, 128, 255], "truck", 0.75)
    ]
    return mt.Object3D.from_point_cloud(_cloud(3), boxes, [{"start": [0, 0, 0], "end": [1, 0, 0]}])


def _check_scene(manifest: dict[str, Any], root: Path) -> None:
    _check_points(3)(manifest, root)
    assert manifest["scene_type"] == "lidar/beta"
    (box,) = manifest["boxes"]
    corners = np.array(box["corners"])
    np.testing.assert_allclose(corners.mean(0), [1, 2, 3], atol=1e-9)
    # rotated 90° about z: the 4-long x extent now lies along y
    np.testing.assert_allclose(corners.max(0) - corners.min(0), [2, 4, 1], atol=1e-6)
    assert box["label"] == "truck" and box["color"] == [0, 128, 255] and box["score"] == 0.75


def _check_mesh(manifest: dict[str, Any], root: Path) -> None:
    import trimesh

    scene = trimesh.load(root / manifest["path"], force="scene", process=False)
    verts = sum(len(g.vertices) for g in scene.geometry.values())
    faces = sum(len(g.faces) for g in scene.geometry.values())
    assert (verts, faces) == (manifest["num_vertices"], manifest["num_faces"]) == (8, 12)
    np.testing.assert_allclose(scene.bounds, [[0, 0, 0], [1, 1, 1]])


CASES = [
    Case("object3d-xyz", lambda: mt.Object3D(_cloud(3)), _check_points(3)),
    Case("object3d-category", lambda: mt.Object3D(_cloud(4)), _check_points(4)),
    Case("object3d-rgb", lambda: mt.Object3D(_cloud(6), caption="rgb"), _check_points(6)),
    Case("object3d-lidar-scene", _scene, _check_scene),
    Case("object3d-mesh-obj", lambda: mt.Object3D(FIX / "cube.obj"), _check_mesh),
    Case("object3d-mesh-gltf", lambda: mt.Object3D(FIX / "cube.gltf"), _check_mesh),
]
