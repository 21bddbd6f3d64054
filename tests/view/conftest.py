"""Runs for the viewer's tests, written with the real API (session-scoped: built once)."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import charts
import mediatypes as mt
from mediatypes import _json
from mediatypes.runs.history import RunWarning

QUIET = {"console": False, "system_metrics": False, "git": False, "packages": False}
HOSTILE = '<script>window.pwned=1;alert("x")</script><img src=x onerror="window.pwned=2">'


def _image(step: int) -> Any:
    """A 48×64 image whose colour depends on the step, a 3-class mask and two scored boxes."""
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[..., 0] = 40 + 60 * step % 256
    rgb[..., 1] = 200 - 40 * step % 200
    rgb[:, ::8, 2] = 255
    mask = np.zeros((48, 64), np.uint8)
    mask[:, 22:44] = 1
    mask[:, 44:] = 2
    boxes = [
        {
            "position": {"minX": 0.1, "maxX": 0.4, "minY": 0.1, "maxY": 0.5},
            "class_id": 1,
            "box_caption": "cat",
            "scores": {"conf": 0.9},
        },
        {
            "position": {"minX": 30, "maxX": 60, "minY": 20, "maxY": 40},
            "domain": "pixel",
            "class_id": 2,
            "scores": {"conf": 0.2},
        },
    ]
    labels = {0: "bg", 1: "cat", 2: "dog"}
    return mt.Image(
        rgb,
        caption=f"frame {step}",
        masks={"seg": {"mask_data": mask, "class_labels": labels}},
        boxes={"pred": {"box_data": boxes, "class_labels": labels}},
    )


def _tone(seconds: float = 0.5, rate: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def _frames(n: int = 8) -> np.ndarray:
    frames = np.zeros((n, 3, 32, 32), np.uint8)
    for i in range(n):
        frames[i, 0, :, i * 4 : i * 4 + 4] = 255
    return frames


def _mesh_glb() -> bytes:
    import trimesh

    return trimesh.creation.box(extents=(1, 2, 3)).export(file_type="glb")


def write_full_run(root: Path) -> Path:
    """A run with every kind the viewer shows."""
    quiet = {**QUIET, "system_metrics": True, "system_interval": 0.05}  # a few samples
    with mt.init(
        dir=str(root), project="viewer", config={"lr": 0.1, "model": {"depth": 3}}, **quiet
    ) as run:
        run.define_metric("val/*", step_metric="epoch")
        for step in range(30):
            row: dict[str, Any] = {"loss": 1 / (step + 1), "acc": step / 30}
            if step % 10 == 0:
                row["examples"] = _image(step)
                row["weights"] = mt.Histogram(np.random.default_rng(step).normal(step / 10, 1, 500))
            if step % 10 == 9:
                row["epoch"] = step // 10
                row["val/loss"] = 1 / (step + 2)
                row["val/acc"] = step / 40
            run.log(row)
        table = mt.Table(columns=["id", "name", "image", "score"])
        for i in range(60):
            table.add_data(i, f"row {i}", _image(i) if i < 2 else None, float(60 - i))
        points = np.random.default_rng(0).normal(size=(500, 3))
        run.log(
            {
                "sound": mt.Audio(_tone(), sample_rate=8000, caption="tone"),
                "clip_gif": mt.Video(_frames(), fps=4, caption="gif clip"),
                "clip_webm": mt.Video(_frames(), fps=4, format="webm", caption="webm clip"),
                "cloud": mt.Object3D.from_point_cloud(
                    points,
                    boxes=[mt.box3d([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [255, 0, 0], label="car")],
                    caption="lidar",
                ),
                "mesh": mt.Object3D(io.BytesIO(_mesh_glb()), file_type="glb", caption="box mesh"),
                "molecule": mt.Molecule.from_smiles("CCO", caption="ethanol"),
                "report": mt.Html("<h1>report</h1><p>all good</p>"),
                "rows": table,
                "pr": charts.line(
                    mt.Table(columns=["x", "y"], data=[[i, i * i] for i in range(10)]),
                    "x",
                    "y",
                    title="squares",
                ),
            }
        )
        run.summary["best"] = 0.97
    return Path(run.dir)


def write_hostile_run(root: Path) -> Path:
    """A run whose strings try to break out of the page, with a huge table and an Html that runs
    scripts and loads remote images, plus a manifest pointing outside the run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunWarning)  # the odd key names are the point here
        path = _hostile(root)
    return _append_outside(path)


def _hostile(root: Path) -> Path:
    with mt.init(
        dir=str(root), project=HOSTILE, name="hostile", config={"</script><!--": HOSTILE}, **QUIET
    ) as run:
        for step in range(5):
            run.log(
                {HOSTILE: float(step), "../../escape": float(step), "ok/" + HOSTILE: float(-step)}
            )
        mt.Table.MAX_ROWS = 20_000
        try:
            big = mt.Table(columns=[HOSTILE, "n"], data=[[HOSTILE * 3, i] for i in range(15_000)])
        finally:
            mt.Table.MAX_ROWS = 10_000
        run.log(
            {
                "img/" + HOSTILE: mt.Image(np.full((8, 8, 3), 200, np.uint8), caption=HOSTILE),
                "html": mt.Html(
                    '<h1>hostile</h1><script>parent.pwned=3;alert("html")</script>'
                    '<img src="http://198.51.100.7/beacon.png"><iframe src="https://example.com/"></iframe>',
                    inject=False,
                ),
                "big_table": big,
            }
        )
        run.summary[HOSTILE] = HOSTILE
    return Path(run.dir)


def _append_outside(path: Path) -> Path:
    """A manifest (as a mailed run could hold) whose file lies outside the run."""
    row = {
        "_step": 99,
        "_timestamp": 0.0,
        "_runtime": 0.0,
        "outside": {
            "_type": "image-file",
            "schema_version": 1,
            "path": "../../outside.png",
            "sha256": "0" * 64,
            "size": 1,
            "format": "png",
            "width": 1,
            "height": 1,
            "mode": "RGB",
            "caption": None,
        },
    }
    with (path / "history.jsonl").open("ab") as fh:
        fh.write(_json.dumps(row) + b"\n")
    return path


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of runs: the full run, a second small run and the hostile run."""
    root = tmp_path_factory.mktemp("view-runs")
    write_full_run(root)
    with mt.init(dir=str(root), name="second", **QUIET) as run:
        for step in range(40):
            run.log({"loss": 2 / (step + 1), "acc": step / 45})
    write_hostile_run(root)
    return root


def run_dir(root: Path, name: str) -> Path:
    for d in sorted(root.iterdir()):
        if (d / "run.json").is_file() and _json.loads((d / "run.json").read_bytes()).get(
            "name"
        ) == name:
            return d
    for d in sorted(root.iterdir()):
        if (d / "run.json").is_file() and _json.loads((d / "run.json").read_bytes()).get(
            "project"
        ) == name:
            return d
    raise LookupError(name)


@pytest.fixture(scope="session")
def full_run(runs_root: Path) -> Path:
    return run_dir(runs_root, "viewer")


@pytest.fixture(scope="session")
def hostile_run(runs_root: Path) -> Path:
    return run_dir(runs_root, "hostile")


@contextlib.contextmanager
def served(run: Path) -> Iterator[str]:
    """``mediatypes view RUN --serve`` in a subprocess; yields the URL it prints, and stops the
    server by its pid (SIGINT, then SIGKILL) when the block ends."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediatypes", "view", str(run), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = next((line.split()[2] for line in proc.stdout if line.startswith("serving on ")), "")
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
