"""The page types the accessibility tests open, in groups (one test module each, so the
groups run side by side), and how a page is opened and checked.

A new page type is one line in a group: a name, the persona fixture that opens it and its
URL. A URL may name fixtures in braces ("/verify/{document_code}"); each is filled in with
that fixture's value (the fixtures are in this package's conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from playwright.sync_api import Browser, Page, Response

from tests.browser import axe_violations

LANGUAGES = ("kk", "ru", "en")
PHONE, DESKTOP = 360, 1280
# The wide screen is checked in one language. The HTML is the same at every width and only
# layout follows it (portal.css changes grids and the h1's size from 40rem, never colours
# or what is shown), so what axe could find at 1280 px alone comes from the layout, not
# from the words; Kazakh, with the longest words, is the one most likely to show it.
DESKTOP_LANGUAGE = "kk"
# Everything a page needs to work, before images: the document, CSS, scripts and fonts.
BUDGET = 150 * 1024
NOT_COUNTED = {"image", "media"}


@dataclass(frozen=True)
class PageType:
    name: str
    persona: str  # the name of a persona fixture: who opens the page
    url: str  # may name fixtures in braces, each replaced by its value
    status: int = 200

    def __str__(self) -> str:
        return self.name


PUBLIC = [
    PageType("home", "anonymous", "/"),
    PageType("log in", "anonymous", "/login/"),
    PageType("log in with a key file", "anonymous", "/login/key-file/"),
    PageType("verify a document", "anonymous", "/verify/"),
    PageType("a document verified", "anonymous", "/verify/{document_code}"),
    PageType("a code no document has", "anonymous", "/verify/2345-6789-ABCD", status=404),
    PageType("services", "reader", "/services/"),
    PageType("services: a search", "reader", "/services/?q=birht"),
    PageType("a service", "reader", "/services/birth-benefit/"),
    PageType("a life situation", "reader", "/situations/birth-of-a-child/"),
    PageType("page not found", "anonymous", "/no-such-page/", status=404),
    PageType("offline", "anonymous", "/offline/{language}/"),
]
CITIZEN = [
    PageType("home, logged in", "citizen", "/"),
    PageType("my account", "citizen", "/my/"),
    PageType("my account, not a citizen", "officer_x", "/my/"),
    PageType("my notifications", "notified_citizen", "/my/notifications/"),
    PageType("my notifications, not a citizen", "officer_x", "/my/notifications/", status=403),
    PageType("my data", "citizen", "/my-data/"),
    PageType("my data, not a citizen", "officer_x", "/my-data/"),
    PageType("my documents", "citizen", "/my/documents/"),
    PageType("data tracker", "citizen", "/my/data-tracker/"),
    PageType("consents", "citizen", "/my/consents/"),
    PageType("payments", "citizen", "/my/programmes/"),
    PageType("signatures", "citizen", "/trust/my/"),
    PageType("sign a file", "citizen", "/trust/sign/"),
    PageType("sign: choose how", "citizen", "{signing_link_url}"),
    PageType("connected apps", "citizen", "/my/apps/"),
]
APPLICATIONS = [
    PageType("my applications", "applicant", "/my/cases/"),
    PageType("my life situation", "applicant", "/my/situations/{my_situation}/"),
    PageType("an application: the form", "applicant", "/my/cases/{draft_case}/"),
    PageType("an application: check and sign", "applicant", "/my/cases/{ready_case}/check/"),
    PageType("an application: its timeline", "applicant", "/my/cases/{queued_case}/"),
]
OFFICE = [
    PageType("log in: one-time code", "between_password_and_code", "/login/code/"),
    PageType("officer: the queue", "registrar", "/office/"),
    PageType("officer: an application", "registrar", "/office/cases/{queued_case}/"),
    PageType("officer: sign a decision", "registrar", "{approval_to_sign}"),
    PageType("officer: make a signed decision", "registrar", "{approval_signed}"),
    PageType("operator: programmes", "programme_operator", "/operator/programmes/"),
    PageType("operator: a programme", "programme_operator", "/operator/programmes/{programme}/"),
    PageType("operator: overview", "operator", "/operator/"),
    PageType("operator: cross-border journal", "crossborder_operator", "/operator/crossborder/"),
    PageType("access denied", "operator", "/admin/identity/account/add/", status=403),
]


@dataclass
class Visit:
    """One page type, its persona's session and its URL resolved; opens it in Chromium."""

    page_type: PageType
    base_url: str
    url: str
    session: str
    browser: Browser | None = None

    @contextmanager
    def page(
        self, language: str, width: int = PHONE, responses: list[Response] | None = None
    ) -> Iterator[Page]:
        assert self.browser is not None
        context = self.browser.new_context(viewport={"width": width, "height": 800})
        cookies = {settings.LANGUAGE_COOKIE_NAME: language}
        if self.session:
            cookies[settings.SESSION_COOKIE_NAME] = self.session
        context.add_cookies(
            [
                {"name": name, "value": value, "url": self.base_url}
                for name, value in cookies.items()
            ]
        )
        try:
            page = context.new_page()
            if responses is not None:
                page.on("response", lambda response: responses.append(response))
            response = page.goto(self.base_url + self.url.replace("{language}", language))
            assert response is not None
            assert response.status == self.page_type.status, f"{self.page_type}: {self.url}"
            assert page.locator("html").get_attribute("lang") == language
            yield page
        finally:
            context.close()


def _is_image(response: Response) -> bool:
    # The icon a browser fetches for the tab is no "image" request to Chromium.
    media_type = response.headers.get("content-type", "")
    return response.request.resource_type in NOT_COUNTED or media_type.startswith("image/")


def page_type_check(visit: Visit) -> None:
    """In each language: no serious or critical axe violation at 360 px, no sideways
    scrolling at 360 px, and under the weight budget; in one language also no axe violation
    at 1280 px. All problems are reported together, one line each."""
    problems: list[str] = []
    for language in LANGUAGES:
        responses: list[Response] = []
        with visit.page(language, PHONE, responses) as page:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE:
                problems.append(f"{language}: {width} px wide on a {PHONE} px screen")
            counted = [r for r in responses if not _is_image(r)]
            sizes = {r.url.removeprefix(visit.base_url): len(r.body()) for r in counted}
            assert page.url.removeprefix(visit.base_url) in sizes  # the page itself counts
            if sum(sizes.values()) >= BUDGET:
                problems.append(f"{language}: {sum(sizes.values())} bytes, over budget: {sizes}")
            widths = (PHONE, DESKTOP) if language == DESKTOP_LANGUAGE else (PHONE,)
            for width in widths:
                page.set_viewport_size({"width": width, "height": 800})
                problems += [f"{language}, {width} px: {v}" for v in axe_violations(page)]
    assert problems == [], "\n".join([f"{visit.page_type} ({visit.url}):", *problems])
