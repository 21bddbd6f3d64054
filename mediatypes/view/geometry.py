"""3-D files of a run turned into the compact buffers the page's WebGL viewer draws.

Point clouds (binary PLY, read with ``object3d``'s own reader) and meshes (GLB, through trimesh)
become little-endian arrays, base64-encoded in the page data: ``positions`` (float32 xyz),
``colors`` (uint8 rgb per vertex), ``indices`` (uint32 triangles, meshes only) and ``lines``
(float32 segment end points, with ``line_colors`` uint8 rgb per end point) for lidar boxes and
vectors. No file format is parsed in JavaScript.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from .._optional import require
from ..errors import DecodeError

__all__ = ["BOX_EDGES", "geometry"]

# corner i of an 8-corner box is product((-1, 1), repeat=3)[i]: x is bit 2, y bit 1, z bit 0;
# the 12 edges join corners that differ in exactly one bit
BOX_EDGES = [(i, i | b) for b in (1, 2, 4) for i in range(8) if not i & b]
DEFAULT_COLOR = (120, 160, 220)


def _b64(a: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def _points(raw: bytes, manifest: dict[str, Any], limit: int) -> dict[str, Any]:
    from ..object3d import _read_ply_points  # our own PLY reader (the format object3d writes)

    try:
        xyz, rgb, _ = _read_ply_points(raw)
    except (ValueError, KeyError, StopIteration, UnicodeDecodeError, IndexError) as exc:
        raise DecodeError(f"point cloud {manifest.get('path')!r} does not read: {exc}") from exc
    n = len(xyz)
    note = None
    if n > limit:  # evenly spaced, so the shape stays recognizable
        keep = np.linspace(0, n - 1, limit).round().astype(np.int64)
        xyz = xyz[keep]
        rgb = None if rgb is None else rgb[keep]
        note = f"showing {limit:,} of {n:,} points"
    if rgb is None:
        rgb = np.tile(np.array(DEFAULT_COLOR, np.uint8), (len(xyz), 1))
    seg: list[list[float]] = []
    seg_rgb: list[list[int]] = []
    for box in manifest.get("boxes") or []:
        corners = box.get("corners") if isinstance(box, dict) else None
        if not isinstance(corners, list) or len(corners) != 8:
            continue
        color = box.get("color") or [255, 80, 80]
        for a, b in BOX_EDGES:
            seg += [corners[a], corners[b]]
            seg_rgb += [color, color]
    for vec in manifest.get("vectors") or []:
        if isinstance(vec, dict) and "start" in vec and "end" in vec:
            color = vec.get("color") or [255, 255, 255]
            seg += [vec["start"], vec["end"]]
            seg_rgb += [color, color]
    out: dict[str, Any] = {
        "positions": _b64(xyz, "<f4"),
        "colors": _b64(rgb, "u1"),
        "count": len(xyz),
    }
    if seg:
        out["lines"] = _b64(np.asarray(seg, np.float64), "<f4")
        out["line_colors"] = _b64(np.asarray(seg_rgb, np.float64).clip(0, 255), "u1")
        labels = []
        for box in manifest.get("boxes") or []:
            if isinstance(box, dict) and isinstance(box.get("label"), str):
                labels.append(box["label"])
        out["labels"] = labels
    if note:
        out["note"] = note
    return out


def _mesh(raw: bytes, manifest: dict[str, Any], limit: int) -> dict[str, Any]:
    trimesh = require("trimesh", "the viewer's 3-D panel for meshes")
    try:
        scene = trimesh.load(io.BytesIO(raw), file_type="glb", force="scene", process=False)
        mesh = scene.to_geometry()
    except Exception as exc:  # trimesh raises many types; translate at this one boundary
        raise DecodeError(f"mesh {manifest.get('path')!r} does not read: {exc}") from exc
    vertices = np.asarray(getattr(mesh, "vertices", np.zeros((0, 3))), np.float64)
    faces = getattr(mesh, "faces", None)
    colors = None
    try:
        colors = np.asarray(mesh.visual.to_color().vertex_colors)[:, :3]
    except Exception:  # no usable vertex colours (textures, no visual): draw the default colour
        colors = None
    if colors is None or len(colors) != len(vertices):
        colors = np.tile(np.array(DEFAULT_COLOR, np.uint8), (len(vertices), 1))
    out: dict[str, Any] = {
        "positions": _b64(vertices, "<f4"),
        "colors": _b64(colors, "u1"),
        "count": len(vertices),
    }
    if faces is not None and len(faces) and len(vertices) <= limit:
        out["indices"] = _b64(np.asarray(faces), "<u4")
    elif faces is not None and len(faces):
        out["note"] = f"{len(vertices):,} vertices: drawn as points"
    return out


def geometry(raw: bytes, manifest: dict[str, Any], limit: int = 1_000_000) -> dict[str, Any]:
    """The page buffers of one ``object3D-file`` (its file's bytes and its manifest)."""
    if manifest.get("kind") == "mesh" or manifest.get("format") == "glb":
        return _mesh(raw, manifest, limit)
    return _points(raw, manifest, limit)
