"""Every page type in real Chromium, as the person who would see it, in Kazakh, Russian and
English: no serious or critical WCAG 2.1 AA violation that axe-core finds, usable on a
360 px phone without scrolling sideways, light enough for a slow mobile connection, and
reachable by keyboard from the skip link on.

This module has the pages anyone may open, the checker's own test and the keyboard; the
pages of citizens, applications and the back office are in the modules beside it, each
group run as a module of its own so that the groups can run side by side.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from tests.browser import axe_violations, chromium
from tests.portal.accessibility.pages import PHONE, PUBLIC, Visit, page_type_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("visit", PUBLIC, indirect=True, ids=str)
def test_page_type(visit: Visit) -> None:
    page_type_check(visit)


def test_axe_reports_what_a_person_would_trip_over() -> None:
    """The checker itself: a page with faint text and an unlabelled field fails it."""
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(
            '<html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>'
            '<p style="color: #bbbbbb">Faint</p><input type="text"></main></body></html>'
        )
        found = {violation.rule: violation for violation in axe_violations(page)}
    assert set(found) == {"color-contrast", "label"}
    assert found["label"].targets == ["input"]
    assert "contrast" in str(found["color-contrast"])


FOCUSED = """() => {
  const element = document.activeElement;
  let behind = element.parentElement;
  while (behind && getComputedStyle(behind).backgroundColor === "rgba(0, 0, 0, 0)") {
    behind = behind.parentElement;
  }
  const style = getComputedStyle(element);
  return {
    element: element.outerHTML.slice(0, 80),
    outline: [style.outlineStyle, style.outlineWidth, style.outlineColor],
    shadow: style.boxShadow,
    behind: behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)",
  };
}"""


def _luminance(colour: str) -> float:
    """The relative luminance (WCAG 2.1) of a CSS rgb() or rgba() colour."""
    numbers = colour[colour.index("(") + 1 : colour.index(")")].split(",")
    channels = [int(float(value)) / 255 for value in numbers[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture
def english_page(settings: Settings, live_server: LiveServer) -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": PHONE, "height": 800})
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        yield context.new_page()
        context.close()


def test_the_skip_link_comes_first_and_moves_focus_to_main(
    live_server: LiveServer, english_page: Page
) -> None:
    page = english_page
    page.goto(f"{live_server.url}/login/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0  # on screen once focused, not only to screen readers
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes on from the page's content, past the header's links.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("url", ["/", "/login/"])
def test_every_element_reached_by_tab_shows_where_the_focus_is(
    live_server: LiveServer, english_page: Page, url: str
) -> None:
    """A 3 px outline with a 3:1 contrast against what is behind the element, or a ring
    around it that has: links, buttons and fields alike, on light and dark backgrounds."""
    page = english_page
    page.goto(f"{live_server.url}{url}")
    seen: list[dict[str, Any]] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["element"].startswith("<body") or focused in seen[:1]:
            break  # past the last element, to the browser's own controls, or round again
        seen.append(focused)
    tags = {item["element"].split(" ", 1)[0].strip("<>") for item in seen}
    assert {"a", "button"} <= tags
    if url == "/login/":
        assert "input" in tags
    unclear = []
    for item in seen:
        style, width, colour = item["outline"]
        shadow = item["shadow"]
        ring = shadow[: shadow.index(")") + 1] if shadow.startswith("rgb") else colour
        contrast = max(_contrast(colour, item["behind"]), _contrast(ring, item["behind"]))
        if style == "none" or float(width.removesuffix("px")) < 2 or contrast < 3:
            unclear.append(f"{item['element']}: {item['outline']}, {shadow} on {item['behind']}")
    assert unclear == []
