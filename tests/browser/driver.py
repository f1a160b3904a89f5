"""Drives the console as a producer would, and records what went wrong in the page meanwhile."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from devstack.stack import LOCAL_API_KEY
from tests.conftest import REPO

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Dialog, FilePayload, Page, ViewportSize

# Every run writes them under build/ (ignored by git); `make screenshots` points here at docs/screenshots,
# the copies the README shows, so a test run never leaves the work tree changed.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or REPO / "build" / "screenshots")
PHONE: ViewportSize = {"width": 390, "height": 844}


def file(name: str, mime_type: str, data: bytes) -> FilePayload:
    """A file for an <input type=file>, made in memory."""
    return {"name": name, "mimeType": mime_type, "buffer": data}


class Console:
    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.errors: list[str] = []
        """Uncaught script errors and console errors (a Content-Security-Policy violation is one)."""
        self.dialogs: list[str] = []
        """alert, confirm or prompt dialogs: the console opens none, so any is injected script."""
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, route: str = "") -> None:
        self.page.goto(f"{self.url}/{route}")

    def sign_in(self, key: str = LOCAL_API_KEY) -> None:
        self.open("#/signin")
        self.page.get_by_label("API key").fill(key)
        self.page.get_by_role("button", name="Sign in").click()

    def heading(self) -> str:
        return self.page.locator("main h1").inner_text()

    def screenshot(self, name: str, phone: bool = False) -> Path:
        """Writes {name}.png under SCREENSHOTS."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if phone:
            desktop = self.page.viewport_size
            self.page.set_viewport_size(PHONE)
            self.page.screenshot(path=str(path), full_page=True)
            if desktop is not None:
                self.page.set_viewport_size(desktop)
        else:
            self.page.screenshot(path=str(path), full_page=True)
        return path
