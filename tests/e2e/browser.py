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


WIDTHS = (390, 1280)  # a phone held upright, an office desktop


def page_shots(driver, name: str, widths: tuple[int, ...] = WIDTHS) -> None:
    """The whole page at each width (``<name>-<width>.png``), and at each: nothing wider
    than the screen (tables fold into cards or scroll in their own frame) and no serious
    or critical accessibility problem (axe-core). Leaves the window at the last width."""
    from tests.e2e.accessibility import assert_accessible

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in widths:
        driver.set_window_size(width, 900)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(int(height) + 40, 800), 8000))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} is {overflow} px wider than the screen at {width} px"
        assert_accessible(driver, f"{name} at {width} px")


def click_and_wait(driver, css: str, timeout: float = 30.0) -> None:
    """Click what ``css`` finds (a submit button, a link) and wait for the page the server
    answers with: the old page's root element goes stale, the new one is loaded."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element("tag name", "html")
    driver.find_element("css selector", css).click()

    def replaced(_) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            # Chromium reports an element of a page already left this way, not as stale.
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    WebDriverWait(driver, timeout).until(replaced)
    # and the new page read to its end: a form half parsed would post half its fields
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def fill(driver, name: str, text: str, within: str | None = None) -> None:
    """Type ``text`` into the field named ``name`` (of the form ``within`` selects, when a
    page has several with such a field), replacing what it held."""
    if within is None:
        field = driver.find_element("name", name)
    else:
        field = driver.find_element("css selector", f"{within} [name='{name}']")
    field.clear()
    field.send_keys(text)
