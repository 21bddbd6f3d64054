"""Driving the viewer in headless Chromium (selenium), shared by every browser test module.

Importing this skips the importing module, with the reason, where selenium, Chromium or
chromedriver are missing (``make browser`` installs them with apt-get).
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest
from PIL import Image

from mediatypes.view.headless import find_browser, network_requests

pytest.importorskip("selenium", reason="selenium is not installed: pip install 'mediatypes[test]'")
if find_browser() is None:
    pytest.skip(
        "no Chromium/chromedriver on this machine (apt-get install chromium chromium-driver, "
        "or `make browser`)",
        allow_module_level=True,
    )

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

__all__ = [
    "INK",
    "REMOTE",
    "By",
    "NoAlertPresentException",
    "WebDriverWait",
    "card",
    "open_page",
    "png",
    "requested_files",
    "show_tab",
]

REMOTE = ("http:", "https:", "ws:", "wss:", "ftp:")


def open_page(drv: Any, url: str, tab: str | None = None) -> None:
    drv.get_log("browser"), drv.get_log("performance")  # start from empty logs
    drv.get(url + (f"#{tab}" if tab else ""))
    WebDriverWait(drv, 20).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    assert drv.execute_script("return document.body.dataset.ready") == "1"


def show_tab(drv: Any, tab: str) -> None:
    drv.execute_script("location.hash = arguments[0]", tab)
    WebDriverWait(drv, 10).until(
        lambda d: d.execute_script(f"return !document.getElementById('view-{tab}').hidden")
    )
    drv.execute_async_script("const done = arguments[0]; mtRenderAll().then(() => done(1))")


def png(element: Any) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(element.screenshot_as_png)).convert("RGB"), np.int16)


def card(drv: Any, key: str) -> Any:
    for c in drv.find_elements(By.CSS_SELECTOR, "section.card"):
        if c.find_element(By.TAG_NAME, "h3").text == key:
            drv.execute_script("arguments[0].scrollIntoView()", c)
            return c
    raise LookupError(key)


INK = """
const out = [];
for (const plot of document.querySelectorAll('.view:not([hidden]) .plot')) {
  const c = plot.querySelector('canvas');
  if (!c) { out.push(plot.querySelector('svg path, svg rect') ? 1000 : 0); continue; }
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) ink++;
  out.push(ink);
}
return out;
"""


def requested_files(drv: Any) -> list[str]:
    """Paths of the ``file:`` URLs requested since the last call; fails on any remote request."""
    urls = network_requests(drv)
    assert not [u for u in urls if u.startswith(REMOTE)], urls
    return [unquote(urlsplit(u).path) for u in urls if u.startswith("file:")]
