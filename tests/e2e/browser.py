"""A real headless Chromium (Debian's chromium and chromium-driver) driven by Selenium,
cut off from every network but the machine itself, so a page that needs anything from
outside shows it. Screenshots go to var/screenshots/ (CHIDAO_SCREENSHOTS to change)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("CHIDAO_SCREENSHOTS", "var/screenshots"))


def browser(profile: Path):
    """A Chrome WebDriver, or skip the test saying what is missing."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(
            "no headless browser here: install Debian's chromium and chromium-driver "
            "(.ci/run does) to run the browser tests"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1100,1600",
        "--lang=vi",
        f"--user-data-dir={profile}",
        # Nothing but this machine resolves: a page that loads a font, a script or a
        # chart library from the internet fails to, visibly.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def screenshot(driver, name: str) -> Path:
    """The whole page, as people would scroll through it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1100, min(max(int(height) + 40, 800), 8000))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def sign_in(driver, base_url: str, username: str, password: str) -> None:
    """Sign in on ``base_url``'s /login as the staff do, and wait for the signed-in page."""
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(f"{base_url}/login")
    driver.find_element("id", "username").send_keys(username)
    driver.find_element("id", "password").send_keys(password)
    driver.find_element("css selector", "form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements("id", "signed-in"))
