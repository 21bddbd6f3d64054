"""The viewer in a real browser: headless Chromium driven by selenium (one browser per module).

Skipped, with the reason, only where Chromium and chromedriver are not installed (``make
browser`` installs them with apt-get).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from mediatypes.view import build
from mediatypes.view.headless import browser, console_errors, network_requests
from tests.view.browser import (  # skips this module without a browser
    INK,
    REMOTE,
    By,
    NoAlertPresentException,
    WebDriverWait,
    card,
    open_page,
    png,
    requested_files,
    show_tab,
)
from tests.view.conftest import HOSTILE, served


@pytest.fixture(scope="module")
def drv():
    with browser() as d:
        yield d


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, full_run: Path) -> Path:
    root = tmp_path_factory.mktemp("browser")
    run = root / full_run.name
    shutil.copytree(full_run, run, ignore=shutil.ignore_patterns("view"))
    return build(run).index


def test_every_chart_draws_marks_without_errors_or_network(drv, site: Path) -> None:
    open_page(drv, site.as_uri())
    counts = {}
    for tab in ("charts", "media", "plots", "overview", "system"):
        show_tab(drv, tab)
        ink = drv.execute_script(INK)
        counts[tab] = len(ink)
        assert all(n > 100 for n in ink), (tab, ink)
    assert counts.pop("system") >= 3  # cpu, memory, disk (and GPUs where there are)
    assert counts == {
        "charts": 4,
        "media": 1,
        "plots": 1,
        "overview": 0,
    }  # + heatmap, + logged chart
    assert console_errors(drv) == []
    run = site.parent.parent.resolve()
    for path in requested_files(drv):  # every file read lies in the run (the site is in it)
        assert Path(path).resolve().is_relative_to(run), path


def test_image_pixels_mask_toggle_and_step_slider(drv, site: Path) -> None:
    open_page(drv, site.as_uri(), "media")
    c = card(drv, "examples")
    stage = c.find_element(By.CSS_SELECTOR, ".stage")
    before = png(stage)
    assert before.std() > 10  # not blank
    c.find_element(By.CSS_SELECTOR, "input.mask-toggle").click()
    no_mask = png(stage)
    assert np.abs(no_mask - before).mean() > 5  # the mask overlay changed the pixels
    c.find_element(By.CSS_SELECTOR, "input.mask-toggle").click()
    assert np.abs(png(stage) - before).mean() < 1
    # hiding one class of the mask changes only part of the image
    c.find_elements(By.CSS_SELECTOR, ".legend input")[1].click()
    part = np.abs(png(stage) - before).sum(axis=2) > 30
    assert 0.1 < part.mean() < 0.6
    c.find_elements(By.CSS_SELECTOR, ".legend input")[1].click()
    # score filter: conf ≥ 0.5 hides the 0.2 box
    boxes = c.find_elements(By.CSS_SELECTOR, ".box")
    assert len([b for b in boxes if b.is_displayed()]) == 2
    drv.execute_script(
        "const r = arguments[0]; r.value = 0.5; r.dispatchEvent(new Event('input'))",
        c.find_element(By.CSS_SELECTOR, "input.score-min"),
    )
    assert len([b for b in c.find_elements(By.CSS_SELECTOR, ".box") if b.is_displayed()]) == 1
    # the slider moves to step 0: another image
    src = c.find_element(By.CSS_SELECTOR, "img.base").get_attribute("src")
    drv.execute_script(
        "const s = arguments[0]; s.value = 0; s.dispatchEvent(new Event('input'))",
        c.find_element(By.CSS_SELECTOR, "input.slider"),
    )
    assert c.find_element(By.CSS_SELECTOR, ".step").text.startswith("step 0")
    assert c.find_element(By.CSS_SELECTOR, "img.base").get_attribute("src") != src
    WebDriverWait(drv, 5).until(
        lambda d: d.execute_script(
            "return arguments[0].complete", c.find_element(By.CSS_SELECTOR, "img.base")
        )
    )
    assert np.abs(png(c.find_element(By.CSS_SELECTOR, ".stage")) - before).mean() > 5
    assert console_errors(drv) == []


def test_audio_and_video_load_their_metadata(drv, site: Path) -> None:
    open_page(drv, site.as_uri(), "media")
    for tag, key, duration in (("audio", "sound", 0.5), ("video", "clip_webm", 2.0)):
        el = card(drv, key).find_element(By.TAG_NAME, tag)
        WebDriverWait(drv, 10).until(
            lambda d, el=el: d.execute_script("return arguments[0].readyState", el) >= 1
        )
        got = drv.execute_script("return arguments[0].duration", el)
        assert got == pytest.approx(duration, abs=0.1), (key, got)
    gif = card(drv, "clip_gif").find_element(By.CSS_SELECTOR, "img.gif")
    assert drv.execute_script("return arguments[0].naturalWidth", gif) == 32
    assert console_errors(drv) == []


def test_webgl_draws_point_clouds_and_meshes(drv, site: Path) -> None:
    open_page(drv, site.as_uri(), "media")
    for key in ("cloud", "mesh"):
        c = card(drv, key)
        canvas = c.find_element(By.CSS_SELECTOR, "canvas.gl")
        WebDriverWait(drv, 10).until(lambda d, cv=canvas: cv.get_attribute("data-drawn"))
        pixels = png(canvas)
        background = np.array([26, 28, 33])
        drawn = (np.abs(pixels - background).sum(axis=2) > 40).mean()
        assert drawn > 0.01, (key, drawn)
    text = card(drv, "molecule").find_element(By.CSS_SELECTOR, "pre").text
    assert "HETATM" in text and "9 atoms" in card(drv, "molecule").text
    assert console_errors(drv) == []


def test_table_pages_and_sorts(drv, site: Path) -> None:
    open_page(drv, site.as_uri(), "plots")
    show_tab(drv, "plots")
    c = card(drv, "rows")
    assert "page 1 of 3" in c.find_element(By.CSS_SELECTOR, ".pager").text
    assert len(c.find_elements(By.CSS_SELECTOR, "img.thumb")) == 2
    c.find_elements(By.CSS_SELECTOR, "thead th")[4].click()  # score, ascending
    first = c.find_element(By.CSS_SELECTOR, "tbody tr").find_elements(By.TAG_NAME, "td")
    assert first[1].text == "59" and first[4].text == "1"
    c.find_element(By.XPATH, ".//button[contains(., 'next')]").click()
    assert "page 2 of 3" in c.find_element(By.CSS_SELECTOR, ".pager").text


def test_hostile_run_executes_nothing(drv, hostile_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "hostile"
    shutil.copytree(hostile_run, run, ignore=shutil.ignore_patterns("view"))
    index = build(run).index
    open_page(drv, index.as_uri())
    for tab in ("charts", "media", "plots", "overview"):
        show_tab(drv, tab)
        assert HOSTILE in drv.find_element(By.TAG_NAME, "body").text or tab == "plots"
    time.sleep(0.5)  # give anything that might run a moment
    with pytest.raises(NoAlertPresentException):
        drv.switch_to.alert.text  # noqa: B018
    assert drv.execute_script("return window.pwned") is None
    assert drv.execute_script("return document.scripts.length") >= 4
    own = drv.execute_script("return [...document.scripts].map(s => s.src || s.type)")
    assert all(s == "application/json" or "/view/" in s for s in own), own
    frame = drv.find_element(By.CSS_SELECTOR, "iframe.html")
    assert frame.get_attribute("sandbox") == ""
    requested_files(drv)  # no remote request: the Html's remote image and iframe are refused
    allowed = ("Content Security Policy", "sandboxed", "Blocked script execution")
    assert [e for e in console_errors(drv) if not any(a in e for a in allowed)] == []
    show_tab(drv, "plots")
    assert "of 400" in card(drv, "big_table").find_element(By.CSS_SELECTOR, ".pager").text


# pixels of the runs page's overlay chart in the colour ``rgb(r, g, b)`` (a run's swatch)
COLOURED = """
const [r, g, b] = arguments[0].match(/\\d+/g).map(Number);
const c = document.querySelector('.plot canvas');
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 0; i < d.length; i += 4)
  if (d[i + 3] > 200 && Math.abs(d[i] - r) < 8 && Math.abs(d[i + 1] - g) < 8 && Math.abs(d[i + 2] - b) < 8) n++;
return n;
"""


def test_runs_list_overlays_selected_runs(drv, runs_root: Path, tmp_path: Path) -> None:
    index = build(runs_root, tmp_path / "site" / "index.html").index
    open_page(drv, index.as_uri())
    assert len(drv.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")) == 3
    assert drv.find_element(By.CSS_SELECTOR, "select.overlay-key").get_attribute("value") == "loss"
    ink = INK.replace(".view:not([hidden]) ", "")
    (both,) = drv.execute_script(ink)
    assert both > 100
    # untick the run named "second" (run folders sort by a random id, so pick it by name): its
    # line's colour leaves the chart, the other run's line stays
    row = next(
        r
        for r in drv.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
        if r.find_elements(By.LINK_TEXT, "second")
    )
    rgb = drv.execute_script(
        "return getComputedStyle(arguments[0]).backgroundColor",
        row.find_element(By.CSS_SELECTOR, ".swatch"),
    )
    assert drv.execute_script(COLOURED, rgb) > 50
    row.find_element(By.CSS_SELECTOR, "input.run-pick").click()
    drv.execute_async_script("const done = arguments[0]; mtRenderAll().then(() => done(1))")
    (one,) = drv.execute_script(ink)
    assert one > 100 and drv.execute_script(COLOURED, rgb) == 0
    drv.find_element(By.LINK_TEXT, "second").click()
    WebDriverWait(drv, 20).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == "1"
    )
    assert drv.find_element(By.TAG_NAME, "h1").text == "second"
    assert console_errors(drv) == []
    requested_files(drv)


def test_served_site_makes_no_other_request(drv, site: Path) -> None:
    with served(site.parent.parent) as url:
        open_page(drv, url, "media")
        show_tab(drv, "media")
        assert all(n > 100 for n in drv.execute_script(INK))
        urls = network_requests(drv)
        assert urls and all(
            u.startswith("http://127.0.0.1:") for u in urls if u.startswith(REMOTE)
        ), urls
        assert console_errors(drv) == []
