"""Debian's Chromium for the browser tests (``playwright install`` cannot download here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connections
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test's thread; the ORM calls fixtures and
# assertions make there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed afterwards with the database connection the ORM opened
    while Playwright's loop ran (left open, it keeps the test database from being dropped)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


@contextmanager
def phone_page() -> Iterator[Page]:
    """An English-speaking, phone-sized page that fails the test on any console error or
    uncaught script error (a CSP refusal of a script shows up there)."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 360, "height": 800}, locale="en-GB", accept_downloads=True
        )
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(str(error)))
        yield page
        context.close()
    assert problems == []
