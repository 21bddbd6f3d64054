"""``run.watch(model)``: histograms of gradients / parameters from a real CPU training loop."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mediatypes.runs.run", reason="run layer not on this branch yet")

import mediatypes as mt  # noqa: E402
from mediatypes.errors import (  # noqa: E402
    InvalidInputError,
    InvalidTypeError,
    MissingDependencyError,
    RunError,
)
from mediatypes.runs.reader import problems  # noqa: E402

OFF: dict[str, Any] = dict(console=False, system_metrics=False, git=False, packages=False)
PARAMS = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]


def _model() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(8, 32),
        torch.nn.ReLU(),
        torch.nn.Linear(32, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 2),
    )


def _train(
    run: Any, model: Any, steps: int, snapshot_every: int | None = None
) -> dict[int, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """SGD on a fixed regression task; ``run.log({"loss"})`` once per step (one backward each).

    Returns copies of (grad, param) per name at the passes a watcher with that frequency logs,
    keyed by the step the histograms land in (pass n -> step n - 1).
    """
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(256, 8, generator=gen)
    y = torch.randn(256, 2, generator=gen)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    seen: dict[int, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for i in range(steps):
        idx = torch.randint(0, 256, (32,), generator=gen)
        loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        if snapshot_every and (i + 1) % snapshot_every == 0:
            seen[i] = {
                n: (p.grad.detach().numpy().copy(), p.detach().numpy().copy())
                for n, p in model.named_parameters()
            }
        opt.step()
        run.log({"loss": loss.item()})
    return seen


def test_training_loop_logs_expected_histogram_rows(tmp_path: Path) -> None:
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no metric-name or other warnings from watch
        with mt.init(dir=tmp_path, id="r", **OFF) as run:
            watcher = run.watch(model, log="all", log_freq=50)
            seen = _train(run, model, 200, snapshot_every=50)
    assert watcher.passes == 200 and watcher.logged == 4
    r = mt.open_run(tmp_path / "r")
    rows = r.history()
    assert len(rows) == 200  # histograms created no step of their own
    hist_rows = [row for row in rows if any(k.startswith("gradients/") for k in row)]
    assert [row["_step"] for row in hist_rows] == [49, 99, 149, 199]
    expected = {f"{kind}/{n}" for kind in ("gradients", "parameters") for n in PARAMS}
    for row in hist_rows:
        assert {k for k in row if "/" in k} == expected
        assert "loss" in row  # joined the caller's row
    assert sorted(seen) == [49, 99, 149, 199]
    # every histogram is exactly numpy's on the same tensor at that pass
    for row in hist_rows:
        for name, (grad, param) in seen[row["_step"]].items():
            for kind, arr in (("gradients", grad), ("parameters", param)):
                m = row[f"{kind}/{name}"]
                values, edges = np.histogram(arr.ravel(), bins=64)
                assert m["_type"] == "histogram"
                assert m["values"] == values.tolist()
                np.testing.assert_array_equal(m["bins"], edges.astype(np.float64))
                assert m["count"] == arr.size
    assert problems(tmp_path / "r") == []
    h = r.media("gradients/4.weight", step=99)
    assert isinstance(h, mt.Histogram) and h.count == 32


def _near_inner_edges(t: Any, bins: int) -> int:
    """How many values lie within rounding of an inner bin edge of [min, max]."""
    lo, hi = float(t.min()), float(t.max())
    pos = (t.double() - lo) * bins / (hi - lo)
    near = (pos - pos.round()).abs() < 1e-4
    return int((near & (pos > 0.5) & (pos < bins - 0.5)).sum())


def _histc_vs_ours(t: Any) -> tuple[np.ndarray, np.ndarray]:
    ours = mt.Histogram(t, num_bins=64).values
    histc = torch.histc(t, bins=64, min=float(t.min()), max=float(t.max())).long().numpy()
    return ours, histc


def test_torch_histc_differs_only_at_bin_edges(tmp_path: Path) -> None:
    """Our histograms are numpy's exactly. torch.histc splits [min, max] into the same bins but
    computes a value's bin as float32 (x - min) * bins / (max - min), so a value on (or within
    rounding of) an inner edge may land one bin lower than numpy puts it; all other counts agree."""
    model = _model()
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        run.watch(model, log="gradients", log_freq=10)
        seen = _train(run, model, 10, snapshot_every=10)
    row = mt.open_run(tmp_path / "r").history(keys=["gradients/2.weight"])[0]
    grad = torch.from_numpy(seen[9]["2.weight"][0])
    logged = np.array(row["gradients/2.weight"]["values"])
    ours, histc = _histc_vs_ours(grad)
    assert logged.tolist() == ours.tolist() == np.histogram(grad.numpy(), bins=64)[0].tolist()
    assert histc.sum() == ours.sum() == grad.numel()
    assert np.abs(histc - ours).sum() <= 2 * _near_inner_edges(grad, 64)
    # values placed exactly on the edges: numpy and histc disagree, only there
    edges = torch.from_numpy(np.linspace(-0.37, 1.91, 65).astype(np.float32))
    noise = torch.rand(500, generator=torch.Generator().manual_seed(2)) * 2.28 - 0.37
    t = torch.cat([edges, noise.clamp(-0.37, 1.91)])
    ours, histc = _histc_vs_ours(t)
    assert ours.tolist() == np.histogram(t.numpy(), bins=64)[0].tolist()
    assert histc.sum() == ours.sum() and (histc != ours).any()
    assert 0 < np.abs(histc - ours).sum() <= 2 * _near_inner_edges(t, 64)


def test_gradients_only_and_parameters_only(tmp_path: Path) -> None:
    m1, m2 = _model(), _model()
    with mt.init(dir=tmp_path, id="g", **OFF) as run:
        run.watch(m1, log="gradients", log_freq=5)
        _train(run, m1, 10)
    with mt.init(dir=tmp_path, id="p", **OFF) as run:
        run.watch(m2, log="parameters", log_freq=5)
        _train(run, m2, 10)
    keys_g = set(mt.open_run(tmp_path / "g").keys())
    keys_p = set(mt.open_run(tmp_path / "p").keys())
    assert keys_g == {"loss"} | {f"gradients/{n}" for n in PARAMS}
    assert keys_p == {"loss"} | {f"parameters/{n}" for n in PARAMS}


def test_frozen_and_unused_parameters(tmp_path: Path) -> None:
    model = _model()
    model[0].weight.requires_grad_(False)  # frozen: never watched
    extra = torch.nn.Linear(2, 2)  # registered but unused: no gradient, skipped
    model.add_module("unused", extra)
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        run.watch(model, log="all", log_freq=1)
        gen = torch.Generator().manual_seed(0)
        model[:5](torch.randn(4, 8, generator=gen)).sum().backward()
        run.log({"x": 1})
    (row,) = mt.open_run(tmp_path / "r").history()
    assert "gradients/0.weight" not in row and "parameters/0.weight" not in row
    assert "gradients/unused.weight" not in row and "parameters/unused.weight" in row
    assert "gradients/0.bias" in row


def test_nonfinite_gradients_are_counted(tmp_path: Path) -> None:
    model = _model()
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        run.watch(model, log="gradients", log_freq=1)
        out = model(torch.randn(4, 8))
        (out.sum() * float("nan")).backward()
        run.log({"x": 1})
    (row,) = mt.open_run(tmp_path / "r").history()
    m = row["gradients/4.weight"]
    assert m["nonfinite"]["nan"] == 32 and m["count"] == 0


def test_unwatch_and_finish_remove_hooks(tmp_path: Path) -> None:
    model = _model()
    run = mt.init(dir=tmp_path, id="r", **OFF)
    w = run.watch(model, log="gradients", log_freq=1)
    _train(run, model, 3)
    run.unwatch(model)
    _train(run, model, 3)
    assert w.passes == 3
    w2 = run.watch(model, log="gradients", log_freq=1)
    run.finish()
    _train(mt.init(dir=tmp_path, id="r2", **OFF), model, 2)  # backward after finish: no error
    mt.finish()
    assert w2.passes == 0
    assert all(not p._post_accumulate_grad_hooks for p in model.parameters())
    rows = mt.open_run(tmp_path / "r").history()
    assert [("gradients/0.weight" in row) for row in rows] == [True] * 3 + [False] * 3


def test_module_level_watch_acts_on_the_current_run(tmp_path: Path) -> None:
    model = _model()
    with pytest.raises(RunError, match="no current run"):
        mt.watch(model)
    mt.unwatch()  # no run: nothing to do
    run = mt.init(dir=tmp_path, id="m", **OFF)
    w = mt.watch(model, log="parameters", log_freq=2)
    _train(run, model, 4)
    mt.unwatch(model)
    _train(run, model, 2)
    mt.finish()
    assert w.passes == 4
    rows = mt.open_run(tmp_path / "m").history()
    assert [("parameters/0.weight" in row) for row in rows] == [False, True, False, True] + [
        False
    ] * 2
    assert problems(tmp_path / "m") == []


def test_watch_again_replaces_and_prefix(tmp_path: Path) -> None:
    model = _model()
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        first = run.watch(model, log="gradients", log_freq=1)
        run.watch(model, log="parameters", log_freq=2, prefix="net.")
        _train(run, model, 2)
        assert first.passes == 0
        assert run.watch(model, log=None) is None  # watch nothing = unwatch
        _train(run, model, 2)
    keys = set(mt.open_run(tmp_path / "r").keys())
    assert keys == {"loss"} | {f"parameters/net.{n}" for n in PARAMS}


def test_bad_arguments(tmp_path: Path) -> None:
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        with pytest.raises(InvalidInputError, match=r"watch: `log` expects"):
            run.watch(_model(), log="weights")
        with pytest.raises(InvalidInputError, match=r"watch: `log_freq` expects a positive int"):
            run.watch(_model(), log_freq=0)
        with pytest.raises(InvalidInputError, match=r"watch: `num_bins` expects 1 to 512"):
            run.watch(_model(), num_bins=513)
        with pytest.raises(InvalidTypeError, match=r"watch: `model` expects a torch.nn.Module"):
            run.watch(torch.ones(3))
        frozen = _model().requires_grad_(False)
        with pytest.raises(InvalidInputError, match="no parameters that require grad"):
            run.watch(frozen)
    with pytest.raises(RunError, match="finished"):
        run.watch(_model())


def test_missing_torch_names_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mt.init(dir=tmp_path, id="r", **OFF) as run:
        monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
        with pytest.raises(MissingDependencyError, match=r"watch needs .*pip install torch"):
            run.watch(object())
