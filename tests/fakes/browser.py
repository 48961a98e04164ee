"""What a Chromium page under test logged: console errors and warnings, and uncaught page errors.

A CSP violation is a console error, so a page that tries to load a remote script or style fails
the test that watched it (the `page` fixture of tests/conftest.py watches every page it makes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page


class ConsoleErrors:
    """Console errors/warnings and uncaught page errors seen by one page, in order."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")
