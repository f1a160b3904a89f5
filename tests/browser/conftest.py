"""The console in a real browser: Debian's Chromium, driven headless by Playwright's sync API, against the
local stack (moto, the API and a worker as separate processes, as `make serve` starts them).

`make test` installs Chromium (scripts/system-deps.sh) and Playwright (the dev extra); Playwright's own
browser download is never used. Without either, these tests skip and say which is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devstack.motoserver import free_port
from devstack.stack import LocalStack
from kontho.settings import Settings
from tests.browser.driver import Console

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, ViewportSize

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the console in headless Chromium (skipped without it)"
    )


def missing_for_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing: install Debian's chromium (scripts/system-deps.sh does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    if shutil.which("ffmpeg") is None:
        return "ffmpeg is missing: the tests decode the downloaded audio with it"
    return None


@pytest.fixture(scope="session")
def driver() -> Iterator[Playwright]:
    reason = missing_for_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(driver: Playwright) -> Iterator[Browser]:
    browser = driver.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        # The player is started by the test, not by a click Chromium would count as a gesture.
        args=["--autoplay-policy=no-user-gesture-required", "--mute-audio"],
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One local stack per module: starting it takes seconds, and the tests do not share jobs' ids."""
    reason = missing_for_browser()
    if reason:
        pytest.skip(reason)
    settings = Settings(
        api_port=free_port(),
        local_aws_port=free_port(),
        local_workers=1,
        local_state_dir=tmp_path_factory.mktemp("console-stack"),
    )
    with LocalStack(settings) as running:
        yield running


@pytest.fixture
def console(chromium: Browser, stack: LocalStack) -> Iterator[Console]:
    """A fresh browser context (its own session storage) on the stack's console."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Console(page, stack.api_url)
    context.close()
