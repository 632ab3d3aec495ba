"""Driving the web console in headless Chromium (Debian's chromium and chromium-driver,
through selenium 4) for the real-browser tests: where the browser is (or why the tests
skip), one browser with a fresh profile, waits on elements (never fixed sleeps), and
screenshots kept as the test's artifacts.

The driver's path is given explicitly, so selenium-manager never runs (it would try to
download a driver: there is no internet on CI). Selenium's calls block: the tests run
them in a thread (asyncio.to_thread) while the console serves in the test's event loop.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS_ENV = "MEDFRONT_TEST_ARTIFACTS"  # where screenshots go (default below)
DEFAULT_ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "web"
DESKTOP = (1280, 800)
PHONE = (390, 844)
WAIT_S = 15.0
FULL_PAGE_MAX = 6000  # px: a full-page screenshot is cut there
ARGS = (
    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars",
    "--lang=ru", "--no-first-run", "--no-default-browser-check",
    # nothing of the browser's own talks to the network (none on CI)
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--metrics-recording-only",
)


LOCALE = {"LANGUAGE": "ru", "LANG": "ru_RU.UTF-8"}


def _found(default: Path, name: str) -> Path | None:
    if default.is_file():
        return default
    other = shutil.which(name)
    return Path(other) if other else None


def browser_paths() -> tuple[Path, Path] | str:
    """(chromium, chromedriver), or why the browser tests cannot run here."""
    chromium = _found(CHROMIUM, "chromium")
    driver = _found(CHROMEDRIVER, "chromedriver")
    if chromium is None or driver is None:
        gone = " and ".join(str(p) for p, f in ((CHROMIUM, chromium), (CHROMEDRIVER, driver))
                            if f is None)
        return (f"no {gone}: install Debian's chromium and chromium-driver "
                "(apt-get install chromium chromium-driver; .ci/run does it)")
    return chromium, driver


def artifacts_dir() -> Path:
    path = Path(os.environ.get(ARTIFACTS_ENV) or DEFAULT_ARTIFACTS)
    path.mkdir(parents=True, exist_ok=True)
    return path


class Browser:
    """One headless Chromium with a fresh profile; every method blocks."""

    def __init__(self, chromium: Path, driver: Path, artifacts: Path) -> None:
        self.artifacts = artifacts
        self._profile = tempfile.TemporaryDirectory(prefix="medfront-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(chromium)
        for arg in (*ARGS, f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                    f"--user-data-dir={self._profile.name}"):
            options.add_argument(arg)
        try:
            # the page as a Russian user's browser shows it (dates as 24.10.2026), where
            # Debian's chromium-l10n is installed; else Chromium's en-US
            service = Service(str(driver), env={**os.environ, **LOCALE})
            self.driver = webdriver.Chrome(service=service, options=options)
        except BaseException:
            self._profile.cleanup()
            raise
        self.wait = WebDriverWait(self.driver, WAIT_S)
        self.size, self.mobile = DESKTOP, False
        self.viewport(*DESKTOP)

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self._profile.cleanup()

    # the window

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """The page's viewport exactly (a headless window's is smaller than the window);
        `mobile`: as a phone shows it (the page's viewport meta tag honoured)."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.size = (width, height)
        self.mobile = mobile

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """The page as shown (the viewport), or the whole page's height, into the artifacts."""
        path = self.artifacts / name
        width, height = self.size
        if full_page:
            tall = int(self.driver.execute_script(
                "return document.documentElement.scrollHeight"))
            self.viewport(width, min(max(height, tall), FULL_PAGE_MAX), self.mobile)
        try:
            self._images_settled("img")
            assert self.driver.save_screenshot(str(path)), path
        finally:
            self.viewport(width, height, self.mobile)
        return path

    def images(self, css: str) -> list[int]:
        """The natural widths of the images (0: not shown), each loaded or failed first
        (lazy ones too)."""
        if not self._images_settled(css):
            raise AssertionError(f"images {css} still loading after {WAIT_S:.0f} s")
        return [int(w) for w in self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(i => i.naturalWidth)", css)]

    def _images_settled(self, css: str) -> bool:
        self.driver.execute_script(
            "document.querySelectorAll(arguments[0]).forEach(i => { i.loading = 'eager'; })", css)
        try:
            self.wait.until(lambda d: d.execute_script(
                "return [...document.querySelectorAll(arguments[0])].every(i => i.complete)", css))
        except TimeoutException:
            return False
        return True

    def overflows_sideways(self) -> bool:
        """The page is wider than the viewport (a phone would scroll it sideways)."""
        return bool(self.driver.execute_script(
            "return document.documentElement.scrollWidth > window.innerWidth"))

    # pages

    def open(self, url: str) -> None:
        self.driver.get(url)
        self._loaded()

    def path(self) -> str:
        return str(self.driver.execute_script("return location.pathname + location.search"))

    def find(self, css: str) -> WebElement:
        return self._until(ec.presence_of_element_located((By.CSS_SELECTOR, css)), css)

    def texts(self, css: str) -> list[str]:
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)]

    def heading(self) -> str:
        return self.find("main h1").text

    def press(self, css: str) -> None:
        """Click what leads to another page (a link, a form's button) and wait for it."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        self._until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)), css).click()
        self._until(ec.staleness_of(page), f"the page after {css}")
        self._loaded()

    def type(self, css: str, text: str) -> None:
        field = self._until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)), css)
        field.clear()
        field.send_keys(text)

    def choose(self, css: str, value: str) -> None:
        Select(self.find(css)).select_by_value(value)

    def _loaded(self) -> None:
        self._until(lambda d: d.execute_script("return document.readyState") == "complete",
                    "the page to load")

    def _until(self, condition: object, what: str) -> WebElement:
        try:
            return self.wait.until(condition)  # type: ignore[arg-type]
        except TimeoutException:
            shot = self.screenshot("failed.png")
            raise AssertionError(
                f"waited {WAIT_S:.0f} s for {what} on {self.driver.current_url}; "
                f"the page (see {shot}):\n{self.driver.find_element(By.TAG_NAME, 'body').text}"
            ) from None
