"""Object3D: point clouds, lidar scenes and meshes → one compact binary 3-D file + manifest.

Encoding (``_type = "object3D-file"``, schema version 1):

* **Point clouds** (numpy/torch ``N×3`` xyz, ``N×4`` xyz + category 1–14, ``N×6`` xyz + rgb 0–255)
  and **lidar scenes** (``{"type": "lidar/beta", "points", "boxes", "vectors"}``) become a
  *binary little-endian PLY* written directly from a numpy structured array (about 7 ms for a
  million points; see BENCHMARKS.md). Vertices carry ``x y z`` (``float`` for float32/float16 input,
  ``double`` otherwise, so no precision is lost), ``red green blue`` (uchar) when the cloud has
  colours, and a ``category`` uchar property for ``N×4`` clouds (their colours come from a fixed
  14-colour palette so any viewer shows the classes). Boxes and vectors are validated, normalized
  and kept in the manifest. Points are never dropped silently: ``max_points`` (default ``None``: keep
  all) evenly subsamples and is recorded in the manifest with the original count.
* **Colours** (point ``r g b`` columns, box and vector ``color``): channels outside 0–255 are clipped
  with one warning per object and counted in the manifest (``clipped``); fractional values round
  half up (127.5 → 128). NaN/Inf colours are an error; categories must be whole numbers 1–14.
* **Meshes** (``obj``, ``gltf`` + buffers, ``glb``, ``stl``, ``ply`` from paths or file objects) become
  one self-contained GLB exported by trimesh. GLB input is kept byte-for-byte after it has been
  parsed (a re-export could only lose data). glTF buffers/images are resolved relative to the file's
  folder; URIs with a scheme (``http:``, ``file:``…) or that leave the folder are refused.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlparse

import numpy as np

from ._optional import require
from .core.arrays import check_finite, to_numpy, untensor
from .core.inputs import read_path_or_file
from .core.media import Encoded, Media, Payload, check_caption, file_type_of
from .core.store import safe_relpath
from .errors import (
    DecodeError,
    InvalidInputError,
    InvalidTypeError,
    MediaFileNotFoundError,
    NonFiniteError,
    ShapeError,
    UnsafePathError,
    UnsupportedFormatError,
    describe,
)

__all__ = ["CATEGORY_PALETTE", "MESH_TYPES", "POINT_CLOUD_TYPES", "Object3D", "box3d"]

OWNER = "Object3D"
MESH_TYPES: tuple[str, ...] = ("obj", "gltf", "glb", "stl", "ply")
POINT_CLOUD_TYPES: tuple[str, ...] = ("lidar/beta",)

# Colours shown for categories 1..14 (index 0 unused); the category itself is stored per vertex.
CATEGORY_PALETTE = np.array(
    [
        [0, 0, 0],
        [31, 119, 180],
        [255, 127, 14],
        [44, 160, 44],
        [214, 39, 40],
        [148, 103, 189],
        [140, 86, 75],
        [227, 119, 194],
        [127, 127, 127],
        [188, 189, 34],
        [23, 190, 207],
        [174, 199, 232],
        [255, 187, 120],
        [152, 223, 138],
        [255, 152, 150],
    ],
    dtype=np.uint8,
)

_BOX_KEYS = {"corners", "label", "color", "score"}
_VECTOR_KEYS = {"start", "end", "color"}
_SCENE_KEYS = {"type", "points", "boxes", "vectors"}


# ---------------------------------------------------------------------------------------------
# small validated vectors (boxes, vectors, box3d arguments)


def _vector(value: Any, n: int, param: str) -> np.ndarray:
    """A finite float64 vector of length ``n`` from a list, tuple or array."""
    if isinstance(value, (str, bytes, Mapping)):
        raise InvalidTypeError(f"{OWNER}: `{param}` expects {n} numbers; got {describe(value)}.")
    try:
        arr = np.asarray(untensor(value), dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidTypeError(
            f"{OWNER}: `{param}` expects {n} numbers; got {describe(value)}."
        ) from None
    if arr.shape != (n,):
        raise ShapeError(f"{OWNER}: `{param}` expects {n} numbers; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteError(f"{OWNER}: `{param}` expects finite numbers; got {arr.tolist()}.")
    return arr


def _round_half_up(values: np.ndarray) -> np.ndarray:
    """Exact round half up of floats (127.5 → 128, 0.49999999999999994 → 0); ``floor(x + 0.5)``
    is off by one where the addition itself rounds."""
    low = np.floor(values)
    return low + (values - low >= 0.5)


def _color(value: Any, param: str) -> list[float]:
    """A finite [r, g, b] as given; ``_settle_colors`` clips, counts and rounds it."""
    return [int(v) if v.is_integer() else v for v in _vector(value, 3, param).tolist()]


def _settle_colors(items: list[tuple[str, dict[str, Any]]]) -> tuple[int, list[str]]:
    """Clip each ``(param, item)``'s ``color`` to 0-255 and round it half up to ints, in place;
    return how many channels were clipped and where (for the one warning)."""
    clipped, where = 0, []
    for param, item in items:
        if "color" not in item:
            continue
        arr = np.asarray(item["color"], dtype=np.float64)
        n = int(np.count_nonzero((arr < 0) | (arr > 255)))
        if n:
            clipped += n
            where.append(f"{param}.color {item['color']}")
        item["color"] = [int(v) for v in _round_half_up(np.clip(arr, 0.0, 255.0))]
    return clipped, where


def _box(value: Any, param: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            f"{OWNER}: `{param}` expects a dict with `corners` (and optional label, color, score); "
            f"got {describe(value)}."
        )
    unknown = sorted(set(map(str, value)) - _BOX_KEYS)
    if unknown:
        raise InvalidInputError(
            f"{OWNER}: `{param}` has unknown key(s) {unknown}; allowed: {sorted(_BOX_KEYS)}."
        )
    if "corners" not in value:
        raise InvalidInputError(f"{OWNER}: `{param}` expects a `corners` entry (8 × [x, y, z]).")
    try:
        corners = np.asarray(untensor(value["corners"]), dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidTypeError(
            f"{OWNER}: `{param}.corners` expects 8 corners of [x, y, z]; "
            f"got {describe(value['corners'])}."
        ) from None
    if corners.shape != (8, 3):
        raise ShapeError(
            f"{OWNER}: `{param}.corners` expects 8 corners of [x, y, z] (shape (8, 3)); "
            f"got shape {corners.shape}."
        )
    if not np.all(np.isfinite(corners)):
        raise NonFiniteError(f"{OWNER}: `{param}.corners` expects finite coordinates.")
    box: dict[str, Any] = {"corners": corners.tolist()}
    label = value.get("label")
    if label is not None:
        if not isinstance(label, str):
            raise InvalidTypeError(
                f"{OWNER}: `{param}.label` expects a str; got {describe(label)}."
            )
        box["label"] = label
    if value.get("color") is not None:
        box["color"] = _color(value["color"], f"{param}.color")
    score = untensor(value.get("score"))
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, (int, float, np.number)):
            raise InvalidTypeError(
                f"{OWNER}: `{param}.score` expects a number; got {describe(score)}."
            )
        if not np.isfinite(score):
            raise NonFiniteError(f"{OWNER}: `{param}.score` expects a finite number; got {score}.")
        box["score"] = float(score)
    return box


def _vector_item(value: Any, param: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            f"{OWNER}: `{param}` expects a dict with `start` and `end`; got {describe(value)}."
        )
    unknown = sorted(set(map(str, value)) - _VECTOR_KEYS)
    if unknown:
        raise InvalidInputError(
            f"{OWNER}: `{param}` has unknown key(s) {unknown}; allowed: {sorted(_VECTOR_KEYS)}."
        )
    for k in ("start", "end"):
        if k not in value:
            raise InvalidInputError(f"{OWNER}: `{param}` expects a `{k}` entry ([x, y, z]).")
    out: dict[str, Any] = {
        "start": _vector(value["start"], 3, f"{param}.start").tolist(),
        "end": _vector(value["end"], 3, f"{param}.end").tolist(),
    }
    if value.get("color") is not None:
        out["color"] = _color(value["color"], f"{param}.color")
    return out


def _items(value: Any, param: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        return list(value.reshape(-1)) if value.dtype == object else [value]
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise InvalidTypeError(
            f"{OWNER}: `{param}` expects a list (or numpy object array) of dicts; "
            f"got {describe(value)}."
        )
    return list(value)


def _quaternion_matrix(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def box3d(
    center: Any,
    size: Any,
    orientation: Any,
    color: Any,
    label: str | None = None,
    score: float | None = None,
) -> dict[str, Any]:
    """An 8-corner box dict for ``Object3D.from_point_cloud(boxes=[...])``.

    ``center`` is ``[x, y, z]``, ``size`` the full extents ``[dx, dy, dz]`` along the box's own axes,
    ``orientation`` a rotation quaternion **(w, x, y, z)** (scalar first; normalized here, a zero
    quaternion is an error), ``color`` ``[r, g, b]`` in 0–255 (``Object3D`` clips and counts
    channels outside, and rounds fractions half up). Corners are listed in
    ``itertools.product((-1, 1), repeat=3)`` order of the half-extents (x slowest, z fastest).

    >>> box3d([0, 0, 0], [2, 1, 1], [1, 0, 0, 0], [255, 0, 0], label="car")["corners"][0]
    [-1.0, -0.5, -0.5]
    """
    c = _vector(center, 3, "center")
    s = _vector(size, 3, "size")
    if np.any(s < 0):
        raise InvalidInputError(f"{OWNER}: `size` expects non-negative extents; got {s.tolist()}.")
    q = _vector(orientation, 4, "orientation")
    if float(np.linalg.norm(q)) < 1e-12:
        raise InvalidInputError(
            f"{OWNER}: `orientation` expects a non-zero rotation quaternion (w, x, y, z); got "
            f"{q.tolist()}. Use [1, 0, 0, 0] for no rotation."
        )
    rot = _quaternion_matrix(q)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=3)))
    corners = c + (signs * (s / 2.0)) @ rot.T
    box: dict[str, Any] = {"corners": corners, "color": color}
    if label is not None:
        box["label"] = label
    if score is not None:
        box["score"] = score
    return _box(box, "box3d")


# ---------------------------------------------------------------------------------------------
# point clouds


def _points(value: Any, param: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, int]:
    """Validate a point array; return (xyz, rgb uint8 or None, category uint8 or None, number of
    r,g,b values clipped to 0-255), copied."""
    arr = to_numpy(value, param, OWNER)
    if arr.ndim != 2 or arr.shape[1] not in (3, 4, 6):
        raise ShapeError(
            f"{OWNER}: `{param}` expects an N×3 (xyz), N×4 (xyz + category) or N×6 (xyz + rgb) "
            f"array; got shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ShapeError(f"{OWNER}: `{param}` expects at least one point; got shape {arr.shape}.")
    if arr.dtype.kind not in "iuf":
        raise InvalidTypeError(
            f"{OWNER}: `{param}` expects a numeric (int or float) array; got dtype {arr.dtype}."
        )
    check_finite(arr, param, OWNER)
    xyz_dtype = np.float32 if arr.dtype in (np.float16, np.float32) else np.float64
    xyz = np.array(arr[:, :3], dtype=xyz_dtype, order="C", copy=True)  # never share caller memory
    rgb = cat = None
    clipped = 0
    if arr.shape[1] == 4:
        cat = _whole_uint8(arr[:, 3], 1, 14, param, "column 3 (category) expects", "1-14")
    elif arr.shape[1] == 6:
        rgb, clipped = _rgb_uint8(arr[:, 3:6])
    return xyz, rgb, cat, clipped


def _rgb_uint8(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Colour channels as uint8: clipped to 0-255 (returning how many were), rounded half up.

    Fast path for whole numbers in range: min/max, one cast and one exactness compare.
    """
    c = np.ascontiguousarray(values)
    clipped = 0
    if c.min() < 0 or c.max() > 255:
        clipped = int(np.count_nonzero((c < 0) | (c > 255)))
        c = np.clip(c, 0, 255)
    out = c.astype(np.uint8)
    if c.dtype.kind == "f" and not np.array_equal(out, c):
        out = _round_half_up(c).astype(np.uint8)
    return out, clipped


def _whole_uint8(
    values: np.ndarray, lo: int, hi: int, param: str, what: str, rng: str
) -> np.ndarray:
    """``values`` as uint8 if all are whole numbers in [lo, hi]; else a clear error.

    Fast path on a contiguous copy (min/max + one exactness compare); the slow path only runs to
    describe an error.
    """
    c = np.ascontiguousarray(values)
    out: np.ndarray | None = None
    if c.min() >= lo and c.max() <= hi:
        out = c.astype(np.uint8)
        if c.dtype.kind == "f" and not np.array_equal(out, c):
            out = None
    if out is None:
        bad = (c < lo) | (c > hi) | (c != np.floor(c))
        first = float(c.reshape(-1)[np.argmax(bad.reshape(-1))])
        raise InvalidInputError(
            f"{OWNER}: `{param}` {what} whole numbers {rng}; got {int(np.count_nonzero(bad))} "
            f"value(s) outside, e.g. {first:g}."
        )
    return out


def _ply_bytes(xyz: np.ndarray, rgb: np.ndarray | None, cat: np.ndarray | None) -> bytes:
    """Binary little-endian PLY of a point cloud, written straight from a structured array."""
    ply_type = "float" if xyz.dtype == np.float32 else "double"
    fields: list[tuple[Any, ...]] = [("xyz", "<f4" if ply_type == "float" else "<f8", (3,))]
    header = ["ply", "format binary_little_endian 1.0", "comment written by mediatypes"]
    header.append(f"element vertex {len(xyz)}")
    header += [f"property {ply_type} {a}" for a in "xyz"]
    if cat is not None and rgb is None:
        rgb = CATEGORY_PALETTE[cat]
    if rgb is not None:
        fields.append(("rgb", "u1", (3,)))
        header += ["property uchar red", "property uchar green", "property uchar blue"]
    if cat is not None:
        fields.append(("category", "u1"))
        header.append("property uchar category")
    header.append("end_header")
    head = ("\n".join(header) + "\n").encode("ascii")
    if rgb is None and cat is None:  # plain xyz: the body is the little-endian array itself
        return head + np.ascontiguousarray(xyz, dtype=fields[0][1]).tobytes()
    out = np.empty(len(xyz), dtype=np.dtype(fields))
    out["xyz"] = xyz
    if rgb is not None:
        out["rgb"] = rgb
    if cat is not None:
        out["category"] = cat
    return head + out.tobytes()


def _read_ply_points(data: bytes) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Read back a PLY written by ``_ply_bytes`` (xyz, rgb or None, category or None)."""
    end = data.index(b"end_header\n") + len(b"end_header\n")
    lines = data[:end].decode("ascii").splitlines()
    n = next(int(ln.split()[2]) for ln in lines if ln.startswith("element vertex"))
    kinds = {"float": "<f4", "double": "<f8", "uchar": "u1"}
    fields = [(ln.split()[2], kinds[ln.split()[1]]) for ln in lines if ln.startswith("property ")]
    arr = np.frombuffer(data, dtype=np.dtype(fields), count=n, offset=end)
    xyz = np.stack([arr["x"], arr["y"], arr["z"]], axis=1)
    names = arr.dtype.names or ()
    rgb = np.stack([arr["red"], arr["green"], arr["blue"]], axis=1) if "red" in names else None
    cat = arr["category"].copy() if "category" in names else None
    return xyz, rgb, cat


# ---------------------------------------------------------------------------------------------
# mesh files


def _sniff(head: bytes) -> str | None:
    """The mesh format the leading bytes clearly belong to, or None when text is ambiguous."""
    if head.startswith(b"glTF"):
        return "glb"
    if head.startswith(b"ply"):
        return "ply"
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        return "gltf"
    if stripped.startswith(b"solid"):
        return "stl"
    return None


def _check_glb(raw: bytes) -> None:
    """GLB container check: header, declared length, and a JSON chunk that parses."""
    if len(raw) < 20 or int.from_bytes(raw[8:12], "little") != len(raw):
        raise DecodeError(
            f"{OWNER}: `data` is not a complete GLB file (bad header or length); the file is "
            "corrupt or truncated."
        )
    n = int.from_bytes(raw[12:16], "little")
    if raw[16:20] != b"JSON" or 20 + n > len(raw):
        raise DecodeError(f"{OWNER}: `data` is a corrupt GLB file: the first chunk is not JSON.")
    try:
        doc = json.loads(raw[20 : 20 + n])
    except ValueError as exc:
        raise DecodeError(
            f"{OWNER}: `data` is a corrupt GLB file: its JSON chunk does not parse ({exc})."
        ) from exc
    if not isinstance(doc, dict) or "asset" not in doc:
        raise DecodeError(f"{OWNER}: `data` is a corrupt GLB file: no glTF `asset` in its JSON.")


def _check_gltf_uris(data: bytes, folder: Path | None, param: str) -> None:
    """Refuse buffer/image URIs that use a scheme (http, file, …) or leave the glTF's folder."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise DecodeError(f"{OWNER}: `{param}` is not valid glTF JSON: {exc}.") from exc
    if not isinstance(doc, dict):
        raise DecodeError(f"{OWNER}: `{param}` is not a glTF document (expects a JSON object).")
    for group in ("buffers", "images"):
        for i, item in enumerate(doc.get(group) or []):
            uri = item.get("uri") if isinstance(item, dict) else None
            if not isinstance(uri, str) or uri.startswith("data:"):
                continue
            where = f"glTF {group}[{i}].uri {uri!r}"
            if urlparse(uri).scheme or uri.startswith("//"):
                raise UnsafePathError(
                    f"{OWNER}: {where} points outside the file (a URL); only relative files next "
                    "to the .gltf and data: URIs are read. Nothing is fetched from the network."
                )
            if folder is None:
                raise InvalidInputError(
                    f"{OWNER}: {where} is an external file, but `{param}` is a file object without "
                    "a folder; pass the .gltf path instead (or a .glb)."
                )
            try:
                target = safe_relpath(folder, unquote(uri))
            except UnsafePathError:
                raise UnsafePathError(
                    f"{OWNER}: {where} leaves the folder of the .gltf ({folder}); only files "
                    "inside that folder are read."
                ) from None
            if not target.is_file():
                raise MediaFileNotFoundError(f"{OWNER}: {where} not found at {target}.")


def _read_input(data: Any, file_type: str | None) -> tuple[bytes, str, Path | None, str | None]:
    """Bytes, lower-case type, folder for relative buffers, and the file path (if any)."""
    raw, name = read_path_or_file(data, "data", OWNER)
    ftype = file_type_of(file_type, name, OWNER, MESH_TYPES)
    path = name if name is not None and os.path.isfile(name) else None
    folder = Path(path).resolve().parent if path else None
    return raw, ftype, folder, path


def _load_mesh(raw: bytes, ftype: str, folder: Path | None, path: str | None) -> Any:
    trimesh = require("trimesh", "Object3D meshes")
    sniffed = _sniff(raw[:64])
    if sniffed is not None and sniffed != ftype:
        raise DecodeError(
            f"{OWNER}: `file_type` is {ftype!r} but the content looks like {sniffed.upper()}; "
            "pass the matching file_type."
        )
    if ftype == "glb":
        _check_glb(raw)
    if ftype == "gltf":
        _check_gltf_uris(raw, folder, "data")
    resolver = None
    if folder is not None and ftype in ("gltf", "obj"):
        resolver = trimesh.resolvers.FilePathResolver(str(folder / "x"))
    try:
        scene = trimesh.load(
            io.BytesIO(raw), file_type=ftype, force="scene", process=False, resolver=resolver
        )
    except Exception as exc:  # trimesh raises many types; translate at this one boundary
        raise DecodeError(
            f"{OWNER}: `data` could not be read as {ftype.upper()}"
            f"{f' ({path})' if path else ''}: {type(exc).__name__}: {exc}"
        ) from exc
    if not any(len(getattr(g, "vertices", ())) for g in scene.geometry.values()):
        raise DecodeError(
            f"{OWNER}: `data` holds no geometry when read as {ftype.upper()}; the file is empty, "
            f"corrupt, or not {ftype.upper()}."
        )
    return scene


def _mesh_counts(scene: Any) -> tuple[int, int, list[list[float]]]:
    verts = faces = 0
    for g in scene.geometry.values():
        verts += len(getattr(g, "vertices", ()))
        f = getattr(g, "faces", None)
        faces += 0 if f is None else len(f)
    return verts, faces, np.asarray(scene.bounds, dtype=np.float64).tolist()


# ---------------------------------------------------------------------------------------------


class Object3D(Media):
    """A point cloud, lidar scene or mesh, stored as binary PLY (points) or GLB (meshes).

    ``data`` is an ``N×3|4|6`` numpy array / torch tensor, a lidar scene dict
    ``{"type": "lidar/beta", "points", "boxes", "vectors"}``, or an ``obj/gltf/glb/stl/ply`` path or
    file object (``file_type`` is required when the file object has no name).
    ``max_points`` (default: keep every point) evenly subsamples larger clouds; it is recorded.

    >>> Object3D(np.random.rand(100, 3)).save("out")["num_points"]  # doctest: +SKIP
    100
    """

    _type: ClassVar[str] = "object3D-file"
    SCHEMA_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        data: Any,
        file_type: str | None = None,
        caption: str | None = None,
        *,
        max_points: int | None = None,
    ) -> None:
        self.caption = check_caption(caption, OWNER)
        if max_points is not None and (
            isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 1
        ):
            raise InvalidInputError(
                f"{OWNER}: `max_points` expects a positive int or None; got {describe(max_points)}."
            )
        self.max_points = max_points
        self.kind: str
        self.scene_type: str | None = None
        self.boxes: list[dict[str, Any]] = []
        self.vectors: list[dict[str, Any]] = []
        self.clipped = 0  # colour channels clipped to 0-255 (recorded in the manifest)
        self._clip_where: list[str] = []
        if isinstance(data, Mapping):
            self._init_scene(data)
        elif isinstance(data, (str, os.PathLike)) or hasattr(data, "read"):
            self.kind = "mesh"
            raw, ftype, folder, path = _read_input(data, file_type)
            self.source_format = ftype
            self._scene = _load_mesh(raw, ftype, folder, path)
            self._raw = raw if ftype == "glb" else None
        else:
            if file_type is not None:
                raise InvalidInputError(
                    f"{OWNER}: `file_type` applies to mesh files only; got {file_type!r} with "
                    f"{describe(data)}."
                )
            self._init_points(data, "data")
        if self.clipped:  # one warning per object, however many colours were clipped
            where = "; ".join(self._clip_where[:3]) + ("; …" if len(self._clip_where) > 3 else "")
            warnings.warn(
                f"{OWNER}: {self.clipped} colour channel(s) outside 0-255 were clipped ({where}). "
                "Scale colours to 0-255 to avoid this; the manifest records the count "
                "(`clipped`).",
                stacklevel=2,
            )

    def _init_points(self, points: Any, param: str) -> None:
        self.kind = "point_cloud"
        xyz, rgb, cat, clipped = _points(points, param)
        self.source_num_points = len(xyz)
        if clipped:
            self.clipped += clipped
            self._clip_where.append(f"{clipped} r,g,b value(s) of `{param}`")
        if self.max_points is not None and len(xyz) > self.max_points:
            idx = (np.arange(self.max_points, dtype=np.int64) * len(xyz)) // self.max_points
            xyz = xyz[idx]
            rgb = None if rgb is None else rgb[idx]
            cat = None if cat is None else cat[idx]
        self.xyz, self.rgb, self.categories = xyz, rgb, cat

    def _init_scene(self, scene: Mapping[str, Any]) -> None:
        unknown = sorted(set(map(str, scene)) - _SCENE_KEYS)
        if unknown:
            raise InvalidInputError(
                f"{OWNER}: `data` scene dict has unknown key(s) {unknown}; allowed: "
                f"{sorted(_SCENE_KEYS)}."
            )
        kind = scene.get("type")
        if kind not in POINT_CLOUD_TYPES:
            raise UnsupportedFormatError(
                f"{OWNER}: `type` expects one of {list(POINT_CLOUD_TYPES)}; got {kind!r}."
            )
        if "points" not in scene:
            raise InvalidInputError(f"{OWNER}: `data` scene dict expects a `points` array.")
        self._init_points(scene["points"], "points")
        self.scene_type = str(kind)
        self.boxes = [
            _box(b, f"boxes[{i}]") for i, b in enumerate(_items(scene.get("boxes"), "boxes"))
        ]
        self.vectors = [
            _vector_item(v, f"vectors[{i}]")
            for i, v in enumerate(_items(scene.get("vectors"), "vectors"))
        ]
        clipped, where = _settle_colors(
            [(f"boxes[{i}]", b) for i, b in enumerate(self.boxes)]
            + [(f"vectors[{i}]", v) for i, v in enumerate(self.vectors)]
        )
        self.clipped += clipped
        self._clip_where += where

    # -- alternative constructors ------------------------------------------------------------

    @classmethod
    def from_numpy(
        cls, data: Any, caption: str | None = None, *, max_points: int | None = None
    ) -> Object3D:
        """A point cloud from an ``N×3|4|6`` numpy array or torch tensor."""
        if isinstance(data, (Mapping, str, os.PathLike)) or hasattr(data, "read"):
            raise InvalidTypeError(
                f"{OWNER}.from_numpy: `data` expects a numpy array or torch tensor; got "
                f"{describe(data)}."
            )
        return cls(data, caption=caption, max_points=max_points)

    @classmethod
    def from_point_cloud(
        cls,
        points: Any,
        boxes: Any,
        vectors: Any = None,
        point_cloud_type: str = "lidar/beta",
        caption: str | None = None,
        *,
        max_points: int | None = None,
    ) -> Object3D:
        """A lidar scene: points plus 8-corner boxes (see ``box3d``) and optional vectors."""
        scene = {"type": point_cloud_type, "points": points, "boxes": boxes, "vectors": vectors}
        return cls(scene, caption=caption, max_points=max_points)

    @classmethod
    def from_file(
        cls, data: Any, file_type: str | None = None, caption: str | None = None
    ) -> Object3D:
        """A mesh from an ``obj/gltf/glb/stl/ply`` path or file object."""
        if not (isinstance(data, (str, os.PathLike)) or hasattr(data, "read")):
            raise InvalidTypeError(
                f"{OWNER}.from_file: `data` expects a path or file object; got {describe(data)}."
            )
        return cls(data, file_type=file_type, caption=caption)

    # -- encoding ----------------------------------------------------------------------------

    def _encode(self) -> Encoded:
        if self.kind == "mesh":
            return self._encode_mesh()
        data = _ply_bytes(self.xyz, self.rgb, self.categories)
        # per column: a strided axis-0 reduction over (N, 3) is ~8x slower than three column scans
        lo = [self.xyz[:, i].min() for i in range(3)]
        hi = [self.xyz[:, i].max() for i in range(3)]
        fields: dict[str, Any] = {
            "kind": "point_cloud",
            "format": "ply",
            "num_points": len(self.xyz),
            "source_num_points": self.source_num_points,
            "max_points": self.max_points,
            "precision": "float32" if self.xyz.dtype == np.float32 else "float64",
            "has_colors": self.rgb is not None or self.categories is not None,
            "has_categories": self.categories is not None,
            "bounds": [[float(v) for v in lo], [float(v) for v in hi]],
            "scene_type": self.scene_type,
            "boxes": self.boxes,
            "vectors": self.vectors,
            "caption": self.caption,
        }
        if self.clipped:
            fields["clipped"] = self.clipped
        return Payload(ext="ply", data=data), fields

    def _encode_mesh(self) -> Encoded:
        # GLB input is kept as it came (already parsed); other formats are exported by trimesh
        data = self._raw if self._raw is not None else self._scene.export(file_type="glb")
        verts, faces, bounds = _mesh_counts(self._scene)
        fields = {
            "kind": "mesh",
            "format": "glb",
            "source_format": self.source_format,
            "num_vertices": verts,
            "num_faces": faces,
            "num_geometries": len(self._scene.geometry),
            "bounds": bounds,
            "caption": self.caption,
        }
        return Payload(ext="glb", data=bytes(data)), fields

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], root: str | os.PathLike[str]) -> Object3D:
        """Load a written Object3D back (point clouds with their boxes and vectors; meshes)."""
        from .core.media import root_path

        path = root_path(root, manifest)
        if manifest.get("kind") == "mesh":
            return cls(path, file_type="glb", caption=manifest.get("caption"))
        xyz, rgb, cat = _read_ply_points(path.read_bytes())
        if cat is not None:
            pts = np.column_stack([xyz, cat])
        elif rgb is not None:
            pts = np.column_stack([xyz, rgb])
        else:
            pts = xyz
        if manifest.get("scene_type"):
            return cls.from_point_cloud(
                pts,
                manifest.get("boxes") or [],
                manifest.get("vectors") or [],
                point_cloud_type=manifest["scene_type"],
                caption=manifest.get("caption"),
            )
        return cls(pts, caption=manifest.get("caption"))

    def default_name(self) -> str:
        return "object3d"
