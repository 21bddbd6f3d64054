"""The tools on runs they did not write themselves: `mediatypes view` and `mediatypes export
tensorboard` straight from S3 URLs (moto's server), and on runs four real processes logged into
(group="shared"), in a folder and on S3: one chart line per rank, media by (step, rank), one
TensorBoard run per rank, ranks in `info` and `validate`. The pages are opened in headless
Chromium (one browser for the module)."""

from __future__ import annotations

import io
import multiprocessing as mp
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import charts
import mediatypes as mt
from mediatypes import _json
from mediatypes.view import build
from mediatypes.view.headless import browser, console_errors
from tests.cli.helpers import cli, cli_json
from tests.view.browser import (  # skips this module without a browser
    INK,
    By,
    WebDriverWait,
    card,
    open_page,
    png,
    requested_files,
    show_tab,
)
from tests.view.conftest import _image, _tone
from tests.view.test_site import page_data

from . import rank_worker
from .conftest import MotoServer, make_bucket

WORLD = 4
STEPS = 20
OFF = rank_worker.OFF
# the viewer's palette: rank r is drawn in colour r
PALETTE = [(0xE6, 0x9F, 0x00), (0x56, 0xB4, 0xE9), (0x00, 0x9E, 0x73), (0xF0, 0xE4, 0x42)]


@pytest.fixture(scope="module")
def drv() -> Iterator[Any]:
    with browser() as d:
        yield d


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Cache and spill folders of the module's own (media downloads, failed uploads)."""
    root = tmp_path_factory.mktemp("cloud-tools")
    with pytest.MonkeyPatch.context() as mpatch:
        mpatch.setenv("MEDIATYPES_CACHE_DIR", str(root / "cache"))
        mpatch.setenv("MEDIATYPES_SPILL_DIR", str(root / "spill"))
        yield root


@pytest.fixture(scope="module")
def prefix(s3: MotoServer, env: Path) -> str:
    """``s3://<bucket>/team`` holding two runs: ``media`` (images with masks and boxes, audio, a
    table, a logged chart, a point cloud, a histogram, system metrics) and ``second``."""
    url = f"s3://{make_bucket(s3.endpoint)}/team"
    with mt.init(
        transport=f"{url}/media",
        name="media",
        config={"lr": 0.1},
        **{**OFF, "system_metrics": True},
        system_interval=0.05,
    ) as run:
        for step in range(30):
            row: dict[str, Any] = {"loss": 1 / (step + 1), "acc": step / 30}
            if step % 10 == 0:
                row["examples"] = _image(step)
                row["weights"] = mt.Histogram(np.random.default_rng(step).normal(size=300))
            run.log(row)
        run.log(
            {
                "sound": mt.Audio(_tone(), sample_rate=8000, caption="tone"),
                "rows": mt.Table(columns=["a", "b"], data=[[i, i * i] for i in range(30)]),
                "squares": charts.line(
                    mt.Table(columns=["x", "y"], data=[[i, i * i] for i in range(10)]), "x", "y"
                ),
                "cloud": mt.Object3D.from_point_cloud(
                    np.random.default_rng(0).normal(size=(400, 3)),
                    boxes=[mt.box3d([0, 0, 0], [1, 1, 1], [1, 0, 0, 0], [255, 0, 0], label="car")],
                ),
            }
        )
    with mt.init(transport=f"{url}/second", name="second", **OFF) as run:
        for step in range(40):
            run.log({"loss": 2 / (step + 1), "acc": step / 45})
    return url


@pytest.fixture(scope="module")
def shared(s3: MotoServer, env: Path) -> tuple[Path, str]:
    """The same run logged by four real processes (spawned) into a folder and onto S3:
    ``(run folder, run URL)``."""
    url = f"s3://{make_bucket(s3.endpoint)}/shared/ranked"
    where = [f"dir:{env / 'runs'}", url]
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(target=rank_worker.log_media, args=(r, WORLD, where, STEPS))
        for r in range(WORLD)
    ]
    with pytest.MonkeyPatch.context() as mpatch:
        mpatch.setenv("MEDIATYPES_GROUP_WAIT", "60")
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * WORLD
    return env / "runs" / "ranked", url


def _inside(paths: list[str], root: Path) -> bool:
    return all(Path(p).resolve().is_relative_to(root.resolve()) for p in paths)


# ----------------------------------------------------------------------------- runs on S3


def test_view_cli_on_an_s3_run_copies_its_media_and_draws_offline(
    drv: Any, prefix: str, tmp_path: Path
) -> None:
    url = f"{prefix}/media"
    proc = cli("view", url)  # nowhere to write beside a remote run
    assert proc.returncode == 1
    assert "is not on the local disk" in proc.stderr and "-o" in proc.stderr, proc.stderr
    out = tmp_path / "site" / "index.html"
    code, report = cli_json("view", url, "-o", out)
    assert code == 0 and report["runs"] == 1, report
    copies = sorted((out.parent / "index_data" / "files").iterdir())
    linked = [r for r in mt.open_run(url).files.listing("media") if r.endswith((".png", ".wav"))]
    assert len(copies) == len(linked) == 5  # 3 images, their (identical) mask, the audio
    assert sorted(p.stat().st_size for p in copies) == sorted(
        len(mt.open_run(url).read_bytes(r)) for r in linked
    )
    data = page_data(out)
    assert dict(data["meta"])["id"] == mt.open_run(url).id

    open_page(drv, out.as_uri())
    for tab, plots in (("charts", 2), ("media", 1), ("plots", 1), ("system", 3)):
        show_tab(drv, tab)
        ink = drv.execute_script(INK)
        assert len(ink) >= plots and all(n > 100 for n in ink), (tab, ink)
    show_tab(drv, "media")
    stage = card(drv, "examples").find_element(By.CSS_SELECTOR, ".stage")
    WebDriverWait(drv, 10).until(
        lambda d: d.execute_script(
            "return arguments[0].complete", stage.find_element(By.CSS_SELECTOR, "img.base")
        )
    )
    assert (
        drv.execute_script(
            "return arguments[0].naturalWidth", stage.find_element(By.CSS_SELECTOR, "img.base")
        )
        == 64
    )
    assert png(stage).std() > 10  # the copied image shows pixels
    audio = card(drv, "sound").find_element(By.TAG_NAME, "audio")
    WebDriverWait(drv, 10).until(
        lambda d: d.execute_script("return arguments[0].readyState", audio)
    )
    assert drv.execute_script("return arguments[0].duration", audio) == pytest.approx(0.5, abs=0.1)
    canvas = card(drv, "cloud").find_element(By.CSS_SELECTOR, "canvas.gl")
    WebDriverWait(drv, 10).until(lambda d: canvas.get_attribute("data-drawn"))
    assert (np.abs(png(canvas) - np.array([26, 28, 33])).sum(axis=2) > 40).mean() > 0.01
    assert console_errors(drv) == []
    assert _inside(requested_files(drv), out.parent)  # every file read is the site's own copy


def test_view_cli_on_an_s3_prefix_lists_its_runs(drv: Any, prefix: str, tmp_path: Path) -> None:
    out = tmp_path / "team" / "index.html"
    assert "-o" in cli("view", prefix + "/").stderr  # a prefix needs -o too
    code, report = cli_json("view", prefix + "/", "-o", out)
    assert code == 0 and report["runs"] == 2, report
    assert sorted(p.name for p in out.parent.glob("*.html")) == [
        "index.html",
        "media.html",
        "second.html",
    ]
    open_page(drv, out.as_uri())
    rows = drv.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert [r.find_element(By.TAG_NAME, "a").text for r in rows] == ["media", "second"]
    (ink,) = drv.execute_script(INK.replace(".view:not([hidden]) ", ""))
    assert ink > 100
    drv.find_element(By.LINK_TEXT, "media").click()
    WebDriverWait(drv, 20).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    assert drv.find_element(By.TAG_NAME, "h1").text == "media"
    assert console_errors(drv) == []
    assert _inside(requested_files(drv), out.parent)
    missing = cli("view", prefix + "/nothing-here/", "-o", tmp_path / "x.html")
    assert missing.returncode == 1 and "holds neither" in missing.stderr, missing.stderr


def test_export_cli_on_an_s3_run(prefix: str, tmp_path: Path) -> None:
    helpers = pytest.importorskip("tests.tb.helpers")
    url = f"{prefix}/media"
    proc = cli("export", "tensorboard", url, tmp_path / "tb")
    assert proc.returncode == 0, proc.stderr
    run = mt.open_run(url)
    acc = helpers.accumulate(tmp_path / "tb" / run.id)
    rows = [r for r in run.rows() if "loss" in r]
    got = [(s, float(v)) for s, _, v in helpers.values(acc, "loss")]
    assert got == [(r["_step"], float(np.float32(r["loss"]))) for r in rows]
    assert helpers.plugin(acc, "examples") == "images"
    assert helpers.plugin(acc, "sound") == "audio"
    assert helpers.plugin(acc, "cloud_VERTEX") == "mesh"
    (_, _, blobs), *_ = helpers.values(acc, "examples")
    width, height, encoded = blobs.tolist()
    first = next(r["examples"] for r in run.history(keys=["examples"]))
    ours = np.asarray(Image.open(io.BytesIO(run.read_bytes(first["path"]))))
    assert (int(width), int(height)) == (64, 48)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encoded))), ours)  # the S3 image


# ----------------------------------------------------------------------------- shared runs


def test_view_of_a_shared_run_has_one_line_and_one_item_per_rank(
    drv: Any, shared: tuple[Path, str], tmp_path: Path
) -> None:
    folder, url = shared
    index = build(folder, tmp_path / "site" / "index.html").index
    data = page_data(index)
    charts_ = {c["title"]: c for c in data["charts"]}
    lines = charts_["loss"]["series"]
    assert sorted((s["key"], s["rank"]) for s in lines.values()) == [
        ("loss", r) for r in range(WORLD)
    ]
    for s in lines.values():  # each line is one rank's own values: no zig-zag between ranks
        assert s["x"] == list(range(STEPS)) and s["y"] == [
            (s["rank"] + 1) * 10 + i for i in range(STEPS)
        ]
    val = charts_["val/*"]["series"]  # against the step metric, tracked per rank
    assert {s["rank"]: s["x"] for s in val.values()} == {r: [0, 1] for r in range(WORLD)}
    (sample,) = [p for p in data["panels"] if p["key"] == "sample"]
    assert [(i["step"], i["rank"]) for i in sample["items"]] == [
        (s, r) for s in range(0, STEPS, 5) for r in range(WORLD)
    ]
    (weights,) = [p for p in data["panels"] if p["key"] == "weights"]
    assert [i["rank"] for i in weights["items"]] == list(range(WORLD))
    assert all(len(s.get("lines", {})) == WORLD for s in data["system"])
    # the same run on S3 gives the same page data (apart from where the files are)
    remote = page_data(build(url, tmp_path / "remote" / "index.html").index)
    assert remote["charts"] == data["charts"]
    assert [[(i.get("step"), i.get("rank")) for i in p["items"]] for p in remote["panels"]] == [
        [(i.get("step"), i.get("rank")) for i in p["items"]] for p in data["panels"]
    ]

    open_page(drv, index.as_uri())
    show_tab(drv, "charts")
    chart = card(drv, "loss").find_element(By.CSS_SELECTOR, ".plot canvas")
    pixels = png(chart)
    for r, colour in enumerate(PALETTE):  # a line in each rank's colour
        near = (np.abs(pixels - np.array(colour)).sum(axis=2) < 40).sum()
        assert near > 50, (r, near)
    show_tab(drv, "media")
    c = card(drv, "sample")
    label = c.find_element(By.CSS_SELECTOR, ".step")
    assert label.text == f"step 15 · rank 3 ({len(sample['items'])}/{len(sample['items'])})"
    seen = {}
    slider = c.find_element(By.CSS_SELECTOR, "input.slider")
    for i in range(4, 8):  # step 5, ranks 0..3: each rank's own image
        drv.execute_script(
            "arguments[0].value = arguments[1];arguments[0].dispatchEvent(new Event('input'))",
            slider,
            i,
        )
        img = c.find_element(By.CSS_SELECTOR, "img.base")
        WebDriverWait(drv, 10).until(
            lambda d, img=img: d.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth", img
            )
        )
        assert label.text.startswith(f"step 5 · rank {i - 4} ")
        stage = c.find_element(By.CSS_SELECTOR, ".stage")  # redrawn for each item
        seen[i - 4] = png(stage).reshape(-1, 3).mean(axis=0)
    for r in range(WORLD):  # the rank's colour channel is the brightest
        assert int(np.argmax(seen[r])) == r % 3, seen
    assert console_errors(drv) == []
    requested_files(drv)


def test_export_of_a_shared_run_writes_one_tensorboard_run_per_rank(
    shared: tuple[Path, str], tmp_path: Path
) -> None:
    helpers = pytest.importorskip("tests.tb.helpers")
    folder, url = shared
    for name, source in (("dir", folder), ("s3", url)):
        code, report = cli_json("export", "tensorboard", source, tmp_path / name)
        assert code == 0 and sorted(report["ranks"]) == [str(r) for r in range(WORLD)], report
        runs = tmp_path / name / "ranked"
        assert sorted(p.name for p in runs.iterdir()) == [f"rank-{r}" for r in range(WORLD)]
        for r in range(WORLD):
            acc = helpers.accumulate(runs / f"rank-{r}")
            got = [(s, float(v)) for s, _, v in helpers.values(acc, "loss")]
            assert got == [(s, float((r + 1) * 10 + s)) for s in range(STEPS)], (name, r)
            val = [(s, float(v)) for s, _, v in helpers.values(acc, "val/acc")]
            assert val == [(9, pytest.approx(r + 0.09)), (19, pytest.approx(r + 0.19))]
            assert [s for s, *_ in helpers.values(acc, "sample")] == list(range(0, STEPS, 5))
            assert "_rank" not in acc.Tags()["tensors"]
            assert any(t.startswith("system/") for t in acc.Tags()["tensors"])
    again = cli("export", "tensorboard", folder, tmp_path / "dir")
    assert again.returncode == 1 and "rank-0" in again.stderr  # refused without --overwrite
    code, report = cli_json("export", "tensorboard", folder, tmp_path / "dir", "--overwrite")
    assert code == 0
    for r in range(WORLD):  # replaced, not added to
        assert len(list((tmp_path / "dir" / "ranked" / f"rank-{r}").glob("*tfevents*"))) == 1


def test_info_and_validate_report_the_ranks(shared: tuple[Path, str], tmp_path: Path) -> None:
    for source in shared:
        code, info = cli_json("info", source)
        assert code == 0
        ranks = info["ranks"]
        assert ranks["world_size"] == WORLD and ranks["missing_ranks"] == []
        assert {r: (s["state"], s["rows"]) for r, s in ranks["states"].items()} == {
            str(r): ("finished", STEPS) for r in range(WORLD)
        }
        text = cli("info", source).stdout
        assert f"ranks: {WORLD} processes logged into this run" in text
        assert f"  rank 3: finished, {STEPS} rows" in text
        code, report = cli_json("validate", source)
        assert code == 0 and report["checked"]["ranks"] == WORLD, report
        assert report["checked"]["rows"] == WORLD * STEPS
    # a history of a rank the group does not have is reported
    folder = shared[0]
    meta = _json.loads((folder / "run.json").read_bytes())
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    meta["group"]["world_size"] = 2
    (broken / "run.json").write_bytes(_json.dumps(meta, indent=True))
    code, report = cli_json("validate", broken)
    assert code == 1
    assert [p["path"] for p in report["problems"]] == ["$.group.world_size"], report
