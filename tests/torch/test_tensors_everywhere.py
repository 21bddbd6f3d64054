"""torch tensors are accepted wherever numpy arrays are (SPEC §4, issue 9).

Each media type is fed tensors that are awkward in practice — requiring grad, non-contiguous views,
float16 and bfloat16 (no numpy dtype: upcast exactly to float32), ``nn.Parameter`` — and the written
file is decoded with an independent library and compared with what the same values give as numpy.

Devices: only the CPU build of torch is installed, so a CUDA tensor cannot be tested. The non-CPU
path in ``tensor_to_numpy`` is ``t.cpu()`` (``.to("cpu")`` semantics, nothing else differs); the
"meta" device, a real non-CPU device available on CPU builds, is tested to be refused clearly.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mediatypes as mt  # noqa: E402
from mediatypes.core.arrays import tensor_to_numpy, to_numpy, untensor  # noqa: E402
from mediatypes.errors import InvalidInputError, InvalidTypeError  # noqa: E402

GEN = torch.Generator().manual_seed(9)


def _rand(*shape: int) -> Any:
    return torch.rand(*shape, generator=GEN)


def _bf16_exact(*shape: int) -> Any:
    """Values on a 1/256 grid in [0, 1): exactly representable in bfloat16 and float32."""
    return torch.randint(0, 256, shape, generator=GEN).float() / 256


def _variants(base: Any) -> dict[str, Any]:
    """The same values as tensors in awkward forms; each must give exactly ``base``'s values."""
    grad = base.clone().requires_grad_(True)
    return {
        "requires_grad": grad * 1.0,  # non-leaf, part of a graph
        "leaf_requires_grad": grad,
        "parameter": torch.nn.Parameter(base.clone()),
        "non_contiguous": base.t().contiguous().t() if base.dim() == 2 else base.flip(0).flip(0),
        "bfloat16": base.to(torch.bfloat16),
        "float16": base.to(torch.float16),
        "to_cpu": base.to("cpu"),
    }


# ---------------------------------------------------------------------------------- core


def test_bfloat16_upcasts_exactly_to_float32() -> None:
    t = torch.tensor([0.5, -1.25, 3.0e38, 1e-38], dtype=torch.bfloat16)
    arr = to_numpy(t, "x", "Test")
    assert arr.dtype == np.float32
    np.testing.assert_array_equal(arr, t.float().numpy())


@pytest.mark.parametrize("name", ["float8_e4m3fn", "float8_e5m2"])
def test_float8_upcasts(name: str) -> None:
    t = torch.tensor([0.5, -2.0, 0.0]).to(getattr(torch, name))
    arr = tensor_to_numpy(t)
    assert arr.dtype == np.float32
    np.testing.assert_array_equal(arr, [0.5, -2.0, 0.0])


def test_lazy_bits_sparse_and_quantized_are_resolved() -> None:
    z = torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64)
    np.testing.assert_array_equal(tensor_to_numpy(z.conj()), [1 - 2j, 3 + 4j])
    np.testing.assert_array_equal(tensor_to_numpy(z.conj().imag), [-2.0, 4.0])  # negative bit
    np.testing.assert_array_equal(tensor_to_numpy(torch.eye(3).to_sparse()), np.eye(3))
    with pytest.warns(UserWarning):  # quantized creation is deprecated in torch 2.13
        q = torch.quantize_per_tensor(torch.tensor([0.0, 0.5, 1.0]), 0.5, 0, torch.quint8)
    np.testing.assert_array_equal(tensor_to_numpy(q), [0.0, 0.5, 1.0])
    with pytest.warns(UserWarning):  # "ComplexHalf support is experimental"
        half = torch.tensor([1 + 1j], dtype=torch.complex32)
    assert tensor_to_numpy(half).dtype == np.complex64


def test_meta_device_is_refused_clearly() -> None:
    t = torch.ones(4, device="meta")
    with pytest.raises(InvalidInputError, match=r"Image: `data` is a tensor on the 'meta' device"):
        mt.Image(t.reshape(1, 2, 2))
    with pytest.raises(InvalidInputError, match="meta"):
        mt.Histogram(t)


def test_copy_never_shares_memory_with_the_tensor() -> None:
    t = torch.arange(6, dtype=torch.float32)
    shared = to_numpy(t, "x", "Test")
    assert np.shares_memory(shared, t.numpy())  # no copy unless asked for (documented)
    owned = to_numpy(t, "x", "Test", copy=True)
    t.add_(100)
    np.testing.assert_array_equal(owned, np.arange(6))


def test_untensor_scalars_and_arrays() -> None:
    v = untensor(torch.tensor(2.5, requires_grad=True))
    assert v == 2.5 and type(v) is float
    assert type(untensor(torch.tensor(True))) is bool
    arr = untensor(torch.ones(2, 2, dtype=torch.bfloat16))
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32
    assert untensor("x") == "x"


def test_unconvertible_dtype_is_our_error() -> None:
    t = torch.zeros(2, dtype=torch.uint8).view(torch.bits8)
    with pytest.raises(InvalidTypeError, match=r"Histogram: `sequence` expects a tensor"):
        mt.Histogram(t)


# ---------------------------------------------------------------------------------- Image


def _png_pixels(img: mt.Image, tmp_path: Path, name: str) -> np.ndarray:
    import PIL.Image

    manifest = img.save(tmp_path / name)
    with PIL.Image.open(tmp_path / name / manifest["path"]) as im:
        return np.asarray(im)


@pytest.mark.parametrize("variant", list(_variants(torch.zeros(1))))
def test_image_chw_tensor_variants(variant: str, tmp_path: Path) -> None:
    base = _bf16_exact(3, 12, 10)
    t = _variants(base)[variant]
    expected = _png_pixels(mt.Image(base.numpy().transpose(1, 2, 0)), tmp_path, "np")
    got = _png_pixels(mt.Image(t), tmp_path, "t")
    assert got.shape == (12, 10, 3)
    np.testing.assert_array_equal(got, expected)


def test_image_from_strided_view_and_uint8(tmp_path: Path) -> None:
    big = torch.randint(0, 256, (3, 40, 30), generator=GEN, dtype=torch.uint8)
    view = big[:, ::2, 1::3]  # non-contiguous slice
    assert not view.is_contiguous()
    got = _png_pixels(mt.Image(view), tmp_path, "v")
    np.testing.assert_array_equal(got, view.permute(1, 2, 0).numpy())


def test_image_does_not_alias_the_tensor(tmp_path: Path) -> None:
    t = torch.randint(0, 256, (3, 8, 8), generator=GEN, dtype=torch.uint8)
    before = t.permute(1, 2, 0).numpy().copy()
    img = mt.Image(t)
    t.zero_()  # in place, as an optimizer step would
    np.testing.assert_array_equal(_png_pixels(img, tmp_path, "a"), before)


def test_image_mask_tensor(tmp_path: Path) -> None:
    import PIL.Image

    mask = torch.randint(0, 4, (8, 8), generator=GEN)
    img = mt.Image(
        torch.zeros(3, 8, 8, dtype=torch.uint8), masks={"pred": {"mask_data": mask.t().t()}}
    )
    manifest = img.save(tmp_path)
    with PIL.Image.open(tmp_path / manifest["masks"]["pred"]["file"]["path"]) as im:
        np.testing.assert_array_equal(np.asarray(im), mask.numpy())


# ---------------------------------------------------------------------------------- Histogram


@pytest.mark.parametrize("variant", list(_variants(torch.zeros(1))))
def test_histogram_tensor_variants(variant: str, tmp_path: Path) -> None:
    base = torch.randn(50, 40, generator=GEN).to(torch.bfloat16).float()  # bf16-exact values
    t = _variants(base)[variant]
    manifest = mt.Histogram(t, num_bins=32).save(tmp_path)
    # numpy on the same values in the same dtype (bfloat16 has none: float32); float16 data gets
    # float16 edges from numpy too, so its counts legitimately differ from float32 binning
    same = t.detach().float() if t.dtype == torch.bfloat16 else t.detach()
    values, edges = np.histogram(same.numpy().ravel(), bins=32)
    assert manifest["values"] == values.tolist()
    np.testing.assert_allclose(manifest["bins"], edges, rtol=1e-6)
    assert manifest["count"] == 2000


def test_histogram_np_histogram_pair_of_tensors() -> None:
    x = torch.randn(300, generator=GEN)
    counts, edges = torch.histogram(x, bins=8)
    h = mt.Histogram(np_histogram=(counts.requires_grad_(True), edges.to(torch.bfloat16)))
    assert h.values.tolist() == counts.long().tolist()
    np.testing.assert_array_equal(h.bins, edges.to(torch.bfloat16).float().numpy())


def test_histogram_counts_nonfinite_in_tensor() -> None:
    t = torch.tensor([1.0, float("nan"), float("inf"), 2.0], dtype=torch.bfloat16)
    h = mt.Histogram(t)
    assert h.nonfinite == {"nan": 1, "posinf": 1, "neginf": 0}
    assert h.count == 2


# ---------------------------------------------------------------------------------- Table


def _table_json(t: mt.Table, tmp_path: Path) -> dict[str, Any]:
    manifest = t.save(tmp_path)
    return dict(json.loads((tmp_path / manifest["path"]).read_bytes()))


def test_table_tensor_cells(tmp_path: Path) -> None:
    w = torch.tensor([[0.5, 1.5]], requires_grad=True) * 1
    t = mt.Table(
        columns=["loss", "weights", "half"],
        data=[[torch.tensor(0.25, requires_grad=True), w, torch.ones(2, dtype=torch.bfloat16)]],
    )
    t.add_data(torch.tensor(0.125), w.t(), torch.zeros(2, dtype=torch.float16))
    doc = _table_json(t, tmp_path)
    assert doc["column_types"] == {"loss": "number", "weights": "ndarray", "half": "ndarray"}
    assert doc["data"] == [
        [0.25, [[0.5, 1.5]], [1.0, 1.0]],
        [0.125, [[0.5], [1.5]], [0.0, 0.0]],
    ]


def test_table_data_and_column_from_tensors(tmp_path: Path) -> None:
    data = torch.arange(6, dtype=torch.float32).reshape(3, 2).t().t()
    t = mt.Table(columns=["a", "b"], data=data.requires_grad_(True))
    t.add_column("c", torch.tensor([True, False, True]))
    t.add_column("d", torch.tensor([1.0, 2.0, 3.0], dtype=torch.bfloat16))
    data.detach().zero_()  # the table owns its values
    doc = _table_json(t, tmp_path)
    assert doc["data"] == [[0.0, 1.0, True, 1.0], [2.0, 3.0, False, 2.0], [4.0, 5.0, True, 3.0]]
    assert doc["column_types"] == {"a": "number", "b": "number", "c": "boolean", "d": "number"}


# ---------------------------------------------------------------------------------- Object3D


@pytest.mark.parametrize("variant", list(_variants(torch.zeros(1))))
def test_point_cloud_tensor_variants(variant: str, tmp_path: Path) -> None:
    trimesh = pytest.importorskip("trimesh")
    base = torch.randn(64, 3, generator=GEN).to(torch.bfloat16).float()
    t = _variants(base)[variant]
    manifest = mt.Object3D(t).save(tmp_path)
    pc = trimesh.load(io.BytesIO((tmp_path / manifest["path"]).read_bytes()), file_type="ply")
    np.testing.assert_array_equal(pc.vertices, base.numpy())
    assert manifest["num_points"] == 64


def test_lidar_scene_boxes_from_tensors(tmp_path: Path) -> None:
    points = torch.randn(20, 3, generator=GEN, requires_grad=True)
    box = mt.box3d(
        torch.tensor([1.0, 2.0, 3.0], requires_grad=True),
        torch.tensor([2.0, 2.0, 2.0], dtype=torch.bfloat16),
        torch.tensor([1.0, 0.0, 0.0, 0.0]),
        torch.tensor([255, 0, 0]),
        "car",
        torch.tensor(0.5),
    )
    manifest = mt.Object3D.from_point_cloud(points, [box]).save(tmp_path)
    corners = np.array(manifest["boxes"][0]["corners"])
    np.testing.assert_allclose(corners.mean(0), [1, 2, 3])
    assert manifest["boxes"][0]["score"] == 0.5


# ---------------------------------------------------------------------------------- charts


def test_charts_accept_tensors() -> None:
    import charts

    y = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    p = np.random.default_rng(3).random((8, 2)).astype(np.float32)
    p_bf = torch.from_numpy(p).to(torch.bfloat16)
    ref = charts.pr_curve(y, p_bf.float().numpy()).table.data
    got = charts.pr_curve(torch.from_numpy(y), p_bf.requires_grad_(True)).table.data
    assert got == ref
    xs = [torch.arange(3), torch.arange(3)]
    ys = [torch.ones(3, requires_grad=True), [torch.tensor(1.0), torch.tensor(2.0), 3.0]]
    line = charts.line_series(xs, ys, ["a", "b"], "t")
    assert line.table.get_column("lineVal") == [1.0, 1.0, 1.0, 1.0, 2.0, 3.0]


# ---------------------------------------------------------------------------------- later types


@pytest.mark.parametrize("variant", list(_variants(torch.zeros(1))))
def test_video_tensor_variants(variant: str, tmp_path: Path) -> None:
    import PIL.Image

    video = pytest.importorskip("mediatypes.video", reason="Video not on this branch yet")
    frames = _bf16_exact(4, 3, 16, 16)
    t = _variants(frames)[variant]
    ref = video.Video(frames.numpy(), fps=4).save(tmp_path / "np")
    got = video.Video(t, fps=4).save(tmp_path / "t")
    data = (tmp_path / "t" / got["path"]).read_bytes()
    assert data == (tmp_path / "np" / ref["path"]).read_bytes()
    with PIL.Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == 4 and gif.size == (16, 16)


def test_video_batch_from_strided_tensor(tmp_path: Path) -> None:
    video = pytest.importorskip("mediatypes.video", reason="Video not on this branch yet")
    frames = torch.randint(0, 256, (2, 3, 3, 8, 8), generator=GEN, dtype=torch.uint8)
    strided = frames.permute(0, 1, 2, 4, 3).contiguous().permute(0, 1, 2, 4, 3)
    assert not strided.is_contiguous()
    ref = video.Video(frames.numpy(), fps=2).save(tmp_path / "np")
    got = video.Video(strided, fps=2).save(tmp_path / "t")
    assert ref["sha256"] == got["sha256"]


@pytest.mark.parametrize("variant", list(_variants(torch.zeros(1))))
def test_audio_tensor_variants(variant: str, tmp_path: Path) -> None:
    audio = pytest.importorskip("mediatypes.audio", reason="Audio not on this branch yet")
    sf = pytest.importorskip("soundfile")
    samples = torch.arange(1600, dtype=torch.float32) % 256 / 256 - 0.5  # bf16/fp16-exact
    t = _variants(samples)[variant]
    ref = audio.Audio(samples.numpy(), sample_rate=16000).save(tmp_path / "np")
    manifest = audio.Audio(t, sample_rate=16000).save(tmp_path / "t")
    data, rate = sf.read(tmp_path / "t" / manifest["path"], dtype="float32")
    assert rate == 16000 and manifest["sha256"] == ref["sha256"]
    np.testing.assert_allclose(data, samples.numpy(), atol=1 / 32767)


def test_audio_stereo_from_transposed_tensor(tmp_path: Path) -> None:
    audio = pytest.importorskip("mediatypes.audio", reason="Audio not on this branch yet")
    sf = pytest.importorskip("soundfile")
    chans = (torch.rand(2, 800, generator=GEN) - 0.5).requires_grad_(True)
    manifest = audio.Audio(chans.t(), sample_rate=8000).save(tmp_path)  # (samples, 2) view
    data, _ = sf.read(tmp_path / manifest["path"], dtype="float32")
    assert data.shape == (800, 2)
    np.testing.assert_allclose(data, chans.detach().t().numpy(), atol=1 / 32767)


def test_summary_tensor_values(tmp_path: Path) -> None:
    pytest.importorskip("mediatypes.runs.run", reason="run layer not on this branch yet")
    t = torch.randn(10, 10, generator=GEN).to(torch.bfloat16).requires_grad_(True)
    with mt.init(
        dir=tmp_path, id="r", console=False, system_metrics=False, git=False, packages=False
    ) as run:
        run.summary["w"] = t
        run.summary["loss"] = torch.tensor(0.5, requires_grad=True)
    r = mt.open_run(tmp_path / "r")
    assert r.summary["loss"] == 0.5
    assert r.summary["w"]["dtype"] == "float32" and r.summary["w"]["shape"] == [10, 10]
    np.testing.assert_array_equal(r.media("w"), t.detach().float().numpy())


def test_logged_values_from_tensors(tmp_path: Path) -> None:
    pytest.importorskip("mediatypes.runs.run", reason="run layer not on this branch yet")
    loss = (torch.ones(3, requires_grad=True) * 0.5).mean()  # 0-d, part of a graph
    with mt.init(
        dir=tmp_path, id="r", console=False, system_metrics=False, git=False, packages=False
    ) as run:
        run.log(
            {
                "loss": loss,
                "lr": torch.tensor(0.25, dtype=torch.bfloat16),
                "w": mt.Histogram(torch.arange(8.0).to(torch.bfloat16), num_bins=4),
                "img": mt.Image(torch.zeros(3, 4, 4, requires_grad=True)),
            }
        )
    (row,) = mt.open_run(tmp_path / "r").history()
    assert row["loss"] == 0.5 and row["lr"] == 0.25
    assert row["w"]["values"] == [2, 2, 2, 2]
    assert row["img"]["width"] == 4
