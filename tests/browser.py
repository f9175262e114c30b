"""Debian's Chromium for the browser tests (``playwright install`` cannot download here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
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


# WCAG 2.0 and 2.1, levels A and AA: what public-sector sites are held to.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_IMPACTS = {"serious", "critical"}
_AXE_SCRIPT = Axe().axe_script


@dataclass(frozen=True)
class AxeViolation:
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} -> {', '.join(self.targets)}"


def axe_violations(page: Page) -> list[AxeViolation]:
    """The serious and critical WCAG 2.0/2.1 A and AA violations axe-core finds on the page
    as it is now (axe comes with the Python package: nothing is loaded from elsewhere).

    The script is put into the page through the DevTools protocol, which the page's
    Content-Security-Policy does not govern: the policy stays as it is served."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results: dict[str, Any] = page.evaluate("(options) => axe.run(document, options)", options)
    return [
        AxeViolation(
            rule=violation["id"],
            impact=violation["impact"],
            help=violation["help"],
            targets=[" ".join(map(str, node["target"])) for node in violation["nodes"]],
        )
        for violation in results["violations"]
        if violation["impact"] in AXE_IMPACTS
    ]
