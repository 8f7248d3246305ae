"""A real Chromium for page tests: Debian's chromium and chromium-driver, installed when missing (as root), driven
by selenium with the system binaries (no browser download)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .debian import install_from_debian

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
WINDOW = (1100, 900)


def browser_paths() -> tuple[str, str] | None:
    """The browser binary and its chromedriver, or None when either is missing."""
    browser = next((found for name in BROWSER_NAMES if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver") or next(
        (str(p) for p in (Path("/usr/bin/chromedriver"), Path("/usr/lib/chromium/chromedriver")) if p.is_file()), None)
    return (browser, driver) if browser and driver else None


def start_chromium():
    """A headless Chromium under selenium (skips the test, saying why, when none can be had)."""
    try:
        from selenium import webdriver
    except ImportError:
        pytest.skip("selenium is not installed (pip install selenium)")
    paths = browser_paths()
    if paths is None:
        install_from_debian("chromium", "chromium-driver")
        paths = browser_paths()
    if paths is None:
        pytest.skip("Chromium and chromedriver are not installed and could not be installed from Debian "
                    "(needs root and apt-get)")
    browser, driver = paths
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium manager must not try to download a browser
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--disable-extensions", "--no-first-run", "--force-color-profile=srgb",
                     "--hide-scrollbars", f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


def save_screenshot(driver, path: Path, max_height: int = 2400) -> Path:
    """A PNG of the whole page (up to ``max_height`` pixels tall) at the window's width, made smaller with pngquant
    when it is installed."""
    height = min(max_height, int(driver.execute_script("return document.documentElement.scrollHeight")))
    driver.set_window_size(WINDOW[0], max(WINDOW[1], height))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    driver.set_window_size(*WINDOW)
    if shutil.which("pngquant"):  # a third of the size, no visible change (Debian's pngquant, when installed)
        subprocess.run(["pngquant", "--quality", "60-85", "--force", "--skip-if-larger", "--output", str(path),
                        str(path)], capture_output=True, timeout=60)
    return path
