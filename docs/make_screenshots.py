"""Screenshots of the viewer on the demo run, for the README (``make screenshots``).

    PYTHONPATH=. python docs/make_screenshots.py

Writes the demo run into a temporary folder, builds its viewer and saves PNGs into ``docs/``:
the Charts tab, the image panel (mask and boxes), the 3-D / molecule / audio panels, a logged
chart and table, and the run list. Needs chromium and chromedriver (``make browser``).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediatypes.cli.demo import write_run  # noqa: E402
from mediatypes.view import build  # noqa: E402
from mediatypes.view.headless import browser, console_errors  # noqa: E402

DOCS = ROOT / "docs"


def save(png: bytes, name: str, width: int = 1100) -> None:
    im = Image.open(io.BytesIO(png)).convert("RGB")
    if im.width > width:
        im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
    im.save(DOCS / name, optimize=True)
    print(f"docs/{name} {im.width}x{im.height}")


def main() -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory() as tmp:
        write_run(Path(tmp) / "demo-out", 12)
        runs = build(Path(tmp) / "demo-out")
        page = next(p for p in runs.pages if p != runs.index)
        with browser(1280, 900) as drv:

            def show(url: str, tab: str | None = None) -> None:
                drv.get(url + (f"#{tab}" if tab else ""))
                WebDriverWait(drv, 20).until(
                    lambda d: d.execute_script("return document.body.dataset.ready")
                )
                drv.execute_async_script(
                    "const done = arguments[0]; mtRenderAll().then(() => done(1))"
                )
                drv.execute_script("window.scrollTo(0, 0)")
                time.sleep(0.6)

            def card(key: str) -> bytes:
                for c in drv.find_elements(By.CSS_SELECTOR, "section.card"):
                    if c.find_element(By.TAG_NAME, "h3").text == key:
                        drv.execute_script("arguments[0].scrollIntoView()", c)
                        drv.execute_async_script(
                            "const done = arguments[0]; mtRenderAll().then(() => done(1))"
                        )
                        time.sleep(0.6)
                        return bytes(c.screenshot_as_png)
                raise LookupError(key)

            show(page.as_uri(), "charts")
            save(drv.get_screenshot_as_png(), "view-charts.png")
            show(page.as_uri(), "media")
            save(card("eval/decision_boundary"), "view-image.png", 620)
            save(card("data/iris_points"), "view-3d.png", 620)
            save(card("train/weights"), "view-histogram.png", 620)
            show(page.as_uri(), "plots")
            save(card("charts/pr_curve"), "view-chart.png", 620)
            save(card("eval/predictions"), "view-table.png", 620)
            show(page.as_uri(), "overview")
            save(drv.get_screenshot_as_png(), "view-overview.png")
            show(runs.index.as_uri())
            save(drv.get_screenshot_as_png(), "view-runs.png")
            errors = console_errors(drv)
            if errors:
                raise SystemExit(f"console errors: {errors}")


if __name__ == "__main__":
    main()
