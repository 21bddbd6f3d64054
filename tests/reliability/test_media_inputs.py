"""Every media type against random junk (only MediaError, nothing written), point clouds through
PLY and an independent decoder (trimesh), and regressions found on the way."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mediatypes
from mediatypes.errors import DecodeError, InvalidInputError, InvalidTypeError

from ._util import files_below, outcome

junk = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=6),
        st.binary(max_size=32),
        st.builds(object),
        hnp.arrays(
            hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)

CLASSES = [
    n
    for n in (
        "Object3D",
        "Molecule",
        "Html",
        "Plotly",
        "Histogram",
        "Image",
        "Table",
        "Video",
        "Audio",
    )
    if n in mediatypes.__all__
]


@pytest.mark.parametrize("name", CLASSES)
@given(
    data=junk,
    extra=st.dictionaries(
        st.sampled_from(
            ["caption", "file_type", "inject", "max_points", "fps", "sample_rate", "format"]
        ),
        junk,
        max_size=2,
    ),
)
def test_junk_input_raises_only_media_errors(name: str, data: object, extra: dict) -> None:
    cls = getattr(mediatypes, name)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")

        def build() -> None:
            try:
                obj = cls(data, **extra)
            except TypeError as exc:  # an unexpected keyword for this class: not what we test
                if "unexpected keyword" in str(exc):
                    return
                raise
            obj.save(tmp, name="x")

        exc = outcome(build)
        if exc is not None:
            assert files_below(Path(tmp)) == []


object3d = pytest.importorskip("mediatypes.object3d")

finite = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@given(
    xyz=st.integers(1, 50).flatmap(lambda n: hnp.arrays(np.float64, (n, 3), elements=finite)),
    rgb=st.booleans(),
    data=st.data(),
)
def test_point_clouds_roundtrip_exactly_through_trimesh(
    xyz: np.ndarray, rgb: bool, data: st.DataObject
) -> None:
    import trimesh

    pts = xyz
    if rgb:
        colors = data.draw(hnp.arrays(np.int64, (len(xyz), 3), elements=st.integers(0, 255)))
        pts = np.column_stack([xyz, colors])
    with tempfile.TemporaryDirectory() as tmp:
        m = mediatypes.Object3D(pts).save(tmp, name="pc")
        assert m["num_points"] == len(xyz)
        cloud = trimesh.load(Path(tmp) / m["path"], file_type="ply", process=False)
        np.testing.assert_array_equal(np.asarray(cloud.vertices), xyz)
        if rgb:
            np.testing.assert_array_equal(np.asarray(cloud.colors)[:, :3], colors)


@given(
    pts=hnp.arrays(
        st.sampled_from(
            [np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex64, np.dtype("O")]
        ),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7),
        elements=None,
    )
)
def test_random_point_arrays_raise_only_media_errors(pts: np.ndarray) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        exc = outcome(lambda: mediatypes.Object3D(pts).save(tmp))
        if exc is not None:
            assert files_below(Path(tmp)) == []


# -- regressions ------------------------------------------------------------------------------


def test_pdb_atom_record_without_coordinates_is_refused(tmp_path: Path) -> None:
    """Regression: RDKit accepted a PDB cut off inside its first atom record (no x, y, z)."""
    pytest.importorskip("mediatypes.molecule")
    src = tmp_path / "cut.pdb"
    src.write_bytes(b"HETATM    1  C1 ")
    with pytest.raises(DecodeError, match="no x, y, z"):
        mediatypes.Molecule(str(src))


@pytest.mark.parametrize(
    "make",
    [
        lambda d: mediatypes.Histogram([1.0]).save(d, name="ok"),  # control: works
        lambda d: mediatypes.Image(np.zeros((2, 2), np.uint8), caption="a\ud800").save(d),
        lambda d: mediatypes.Table(columns=["a"], data=[["x\udc80"]]).save(d),
        lambda d: mediatypes.Table(columns=["a"], data=[[2**70]]).save(d),
        lambda d: mediatypes.Html("\ud800"),
    ],
    ids=["control", "caption-surrogate", "cell-surrogate", "int-beyond-64-bit", "html-surrogate"],
)
def test_values_json_cannot_hold_are_media_errors(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Regression: orjson's bare JSONEncodeError / UnicodeEncodeError escaped from save()."""
    out = tmp_path / "out"
    exc = outcome(lambda: make(out))
    if exc is not None:
        assert isinstance(exc, (InvalidTypeError, InvalidInputError))
        assert files_below(out) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: mediatypes.Image(np.zeros((2, 2), np.uint8)),
        lambda: mediatypes.Table(columns=["a"], data=[[1]]),
        lambda: mediatypes.Html("<p>x</p>"),
        lambda: mediatypes.Object3D(np.zeros((3, 3))),
    ],
    ids=["image", "table", "html", "object3d"],
)
def test_loading_a_manifest_whose_file_is_gone(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Regression: a manifest whose file was deleted raised a bare FileNotFoundError on load."""
    from mediatypes import _registry
    from mediatypes.errors import MediaFileNotFoundError

    m = make().save(tmp_path, name="x")
    (tmp_path / m["path"]).unlink()
    with pytest.raises(MediaFileNotFoundError, match="missing"):
        _registry.load(m, tmp_path)


def test_mesh_files_never_pull_in_files_from_outside_their_folder(tmp_path: Path) -> None:
    """OBJ ``mtllib``/``map_Kd`` and glTF buffer URIs that leave the file's folder are not read:
    an untrusted mesh cannot smuggle a neighbouring file into the GLB we write."""
    from mediatypes.errors import MediaError

    secret = b"\x89PNG\r\n\x1a\n" + b"SECRET" * 50
    (tmp_path / "secret.png").write_bytes(secret)
    (tmp_path / "secret.mtl").write_text("newmtl m\nKd 1 0 0\nmap_Kd ../secret.png\n")
    (tmp_path / "in").mkdir()
    body = "usemtl m\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nf 1/1 2/2 3/3\n"
    for name, lib in [("rel", "../secret.mtl"), ("abs", str(tmp_path / "secret.mtl"))]:
        (tmp_path / "in" / f"{name}.obj").write_text(f"mtllib {lib}\n{body}")
        out = tmp_path / f"out-{name}"
        m = mediatypes.Object3D(str(tmp_path / "in" / f"{name}.obj")).save(out)
        glb = (out / m["path"]).read_bytes()
        assert b"SECRET" not in glb
        for g in mediatypes.Object3D(str(tmp_path / "in" / f"{name}.obj"))._scene.geometry.values():
            assert list(g.visual.material.diffuse[:3]) != [255, 0, 0], "the outside .mtl was read"
    for uri in [
        "../secret.png",
        str(tmp_path / "secret.png"),
        "file:///etc/passwd",
        "http://x/y.bin",
    ]:
        gltf = {
            "asset": {"version": "2.0"},
            "buffers": [{"uri": uri, "byteLength": 36}],
        }
        import json

        (tmp_path / "in" / "x.gltf").write_text(json.dumps(gltf))
        exc = outcome(lambda: mediatypes.Object3D(str(tmp_path / "in" / "x.gltf")))
        assert isinstance(exc, MediaError), uri


def test_huge_smiles_is_refused_before_embedding() -> None:
    """Regression: from_smiles("C" * 1000) ran for minutes (3-D embedding grows steeply with size);
    now a LimitExceededError names Molecule.MAX_EMBED_ATOMS, at once."""
    pytest.importorskip("rdkit")
    from mediatypes.errors import LimitExceededError

    from ._util import time_limit

    with time_limit(10), pytest.raises(LimitExceededError, match="MAX_EMBED_ATOMS"):
        mediatypes.Molecule.from_smiles("C" * 1000)
    assert mediatypes.Molecule.from_smiles("C" * 20).num_atoms == 62  # ordinary sizes still work


@pytest.mark.parametrize("figure", [{".": None}, {"data": [{"type": "scatter", ".": 1}]}])
def test_plotly_dict_with_an_impossible_key(figure: dict) -> None:
    """Regression (found by the junk-input property test): plotly raised a bare KeyError('.')."""
    pytest.importorskip("plotly")
    with pytest.raises(InvalidInputError):
        mediatypes.Plotly(figure)
