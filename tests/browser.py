"""Headless Chromium for tests: one browser per session, pages that cannot reach the network.

``chromium_session()`` starts /usr/bin/chromium through playwright with the
project's flags; ``offline_page(browser)`` opens a page in a fresh context in
which every request that is not ``file:``, ``data:``, ``blob:`` or to
127.0.0.1/localhost is aborted and recorded, and console errors, uncaught page
errors and dialogs (``alert`` and friends, dismissed) are collected, so a test
can assert that nothing tried to leave and nothing went wrong.  The fixtures
``chromium`` and ``offline_page`` in conftest.py wrap these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_SCHEMES = ("file", "data", "blob", "about")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class OfflinePage:
    """A page plus what it tried and what went wrong on it."""

    page: Page
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Everything a clean page should not have: blocked requests, errors, dialogs."""
        return (
            [f"blocked request: {url}" for url in self.blocked]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"dialog: {text}" for text in self.dialogs]
        )


def scrolled_to(page: Page, locator) -> None:
    """Scroll ``locator`` into view and wait until the page has painted there and 0.1 s more, as a reader's eye and hand
    would.

    The app's map runs in a frame of its own process (another site), and Chromium routes a click by where each frame
    was last painted, as its compositor has it: a click made in the very frame of a scroll, or on a loaded machine a
    few frames after it, can land in the map where the map was before it.
    """
    locator.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 100))))")


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS)


@contextmanager
def chromium_session() -> Iterator[Browser]:
    """Headless Chromium, closed on exit."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def offline_page(browser: Browser, width: int = 1280, height: int = 800) -> Iterator[OfflinePage]:
    """A page whose every non-local request is aborted and recorded; closed (with its context) on exit."""
    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
    page = context.new_page()
    log = OfflinePage(page)

    def route(route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            log.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def route_socket(socket) -> None:
        if not is_local(socket.url):
            log.blocked.append(socket.url)
            socket.close()
        else:
            socket.connect_to_server()

    context.route("**/*", route)
    context.route_web_socket("**/*", route_socket)
    page.on("console", lambda message: log.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))

    def on_dialog(dialog) -> None:
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield log
    finally:
        context.close()
