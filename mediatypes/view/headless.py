"""Headless Chromium for the viewer's browser tests, benchmark and screenshots (selenium).

Uses the distribution's ``chromium`` and ``chromedriver`` (Debian: ``apt-get install chromium
chromium-driver``). The flags keep the browser off the network (no background requests to
Google's services, which would pollute the "no network requests" check) and give it a software
WebGL (SwiftShader). The performance and browser logs are switched on for network and console
checks.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import MissingDependencyError

__all__ = [
    "BROWSER_FLAGS",
    "browser",
    "console_errors",
    "find_browser",
    "full_page_png",
    "network_requests",
]

BROWSER_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1280,900",
    "--hide-scrollbars",
)

_CANDIDATES = (
    ("/usr/bin/chromium", "/usr/bin/chromedriver"),
    ("/usr/bin/chromium-browser", "/usr/bin/chromedriver"),
    ("/usr/bin/google-chrome", "/usr/bin/chromedriver"),
)


def find_browser() -> tuple[str, str] | None:
    """(browser binary, chromedriver) when both are installed, else None."""
    for browser_bin, driver in _CANDIDATES:
        if os.access(browser_bin, os.X_OK) and os.access(driver, os.X_OK):
            return browser_bin, driver
    b, d = shutil.which("chromium"), shutil.which("chromedriver")
    return (b, d) if b and d else None


@contextmanager
def browser(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A selenium Chrome driver on headless Chromium with a fresh profile, quit on exit."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise MissingDependencyError(
            "the viewer's browser checks need selenium: pip install 'mediatypes[test]'"
        ) from exc
    found = find_browser()
    if found is None:
        raise MissingDependencyError(
            "the viewer's browser checks need Chromium and chromedriver: "
            "apt-get install chromium chromium-driver"
        )
    browser_bin, driver = found
    profile = tempfile.mkdtemp(prefix="mt-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser_bin
    for flag in BROWSER_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--window-size={width},{height}")
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    drv = webdriver.Chrome(options=opts, service=Service(driver))
    try:
        drv.execute_cdp_cmd("Network.enable", {})
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def network_requests(drv: Any) -> list[str]:
    """URLs requested since the last call (from the performance log), ``file:`` included."""
    urls = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def console_errors(drv: Any) -> list[str]:
    """Console messages of level SEVERE since the last call."""
    return [e["message"] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def full_page_png(drv: Any, max_height: int = 6000) -> bytes:
    """A PNG of the whole page (not just the window), up to ``max_height`` CSS pixels tall."""
    import base64

    height = int(drv.execute_script("return document.documentElement.scrollHeight"))
    width = int(drv.execute_script("return document.documentElement.clientWidth"))
    shot = drv.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1},
        },
    )
    return base64.b64decode(shot["data"])
