"""Every page type in real Chromium, as the person who would see it, in Kazakh, Russian and
English: no serious or critical WCAG 2.1 AA violation that axe-core finds, usable on a
360 px phone without scrolling sideways, light enough for a slow mobile connection, and
reachable by keyboard from the skip link on.

A new page type is one line in PAGES: a name, the persona fixture that opens it and its
URL. A URL may name fixtures in braces ("/verify/{document_code}"); each is filled in with
that fixture's value.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, Response
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.cases import services as cases
from qyzmet.documents.models import Document, DocumentFormat
from qyzmet.documents.samples import samples_issue
from qyzmet.exchange.client import ExchangeClient
from qyzmet.identity.models import Agency
from qyzmet.messaging.models import Notification, Status
from qyzmet.messaging.services import notification_queue, notification_queue_for
from qyzmet.programmes import services as programmes
from qyzmet.trust.authority import TrustSetup
from qyzmet.trust.signing import signing_link
from tests.browser import axe_violations, chromium
from tests.cases.conftest import birth_registration_queued, sign_digest
from tests.conftest import PASSWORD, Persona
from tests.exchange.world import BANK, INCOME_STATEMENT, ExchangeWorld, exchange_world
from tests.portal.conftest import Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("kk", "ru", "en")
PHONE, DESKTOP = 360, 1280
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


PAGES = [
    PageType("home", "anonymous", "/"),
    PageType("home, logged in", "citizen", "/"),
    PageType("log in", "anonymous", "/login/"),
    PageType("log in: one-time code", "between_password_and_code", "/login/code/"),
    PageType("log in with a key file", "anonymous", "/login/key-file/"),
    PageType("my account", "citizen", "/my/"),
    PageType("my account, not a citizen", "officer_x", "/my/"),
    PageType("my notifications", "notified_citizen", "/my/notifications/"),
    PageType("my notifications, not a citizen", "officer_x", "/my/notifications/", status=403),
    PageType("my data", "citizen", "/my-data/"),
    PageType("my data, not a citizen", "officer_x", "/my-data/"),
    PageType("my documents", "citizen", "/my/documents/"),
    PageType("verify a document", "anonymous", "/verify/"),
    PageType("a document verified", "anonymous", "/verify/{document_code}"),
    PageType("a code no document has", "anonymous", "/verify/2345-6789-ABCD", status=404),
    PageType("data tracker", "citizen", "/my/data-tracker/"),
    PageType("consents", "citizen", "/my/consents/"),
    PageType("payments", "citizen", "/my/programmes/"),
    PageType("signatures", "citizen", "/trust/my/"),
    PageType("sign a file", "citizen", "/trust/sign/"),
    PageType("sign: choose how", "citizen", "{signing_link_url}"),
    PageType("operator: programmes", "programme_operator", "/operator/programmes/"),
    PageType("operator: a programme", "programme_operator", "/operator/programmes/{programme}/"),
    PageType("services", "reader", "/services/"),
    PageType("services: a search", "reader", "/services/?q=birht"),
    PageType("a service", "reader", "/services/birth-benefit/"),
    PageType("a life situation", "reader", "/situations/birth-of-a-child/"),
    PageType("my applications", "applicant", "/my/cases/"),
    PageType("my life situation", "applicant", "/my/situations/{my_situation}/"),
    PageType("an application: the form", "applicant", "/my/cases/{draft_case}/"),
    PageType("an application: check and sign", "applicant", "/my/cases/{ready_case}/check/"),
    PageType("an application: its timeline", "applicant", "/my/cases/{queued_case}/"),
    PageType("officer: the queue", "registrar", "/office/"),
    PageType("officer: an application", "registrar", "/office/cases/{queued_case}/"),
    PageType("officer: sign a decision", "registrar", "{approval_to_sign}"),
    PageType("officer: make a signed decision", "registrar", "{approval_signed}"),
    PageType("operator: overview", "operator", "/operator/"),
    PageType("connected apps", "citizen", "/my/apps/"),
    PageType("page not found", "anonymous", "/no-such-page/", status=404),
    PageType("access denied", "operator", "/admin/identity/account/add/", status=403),
    PageType("offline", "anonymous", "/offline/{language}/"),
]


# --- what the pages need ---------------------------------------------------------------


@pytest.fixture
def documents(trust: TrustSetup, agencies: dict[str, Agency], citizen_a: Persona) -> list[Document]:
    assert citizen_a.person is not None
    return samples_issue(person=citizen_a.person, language="en", actor="test")


@pytest.fixture
def exchange(trust: TrustSetup, agencies: dict[str, Agency]) -> ExchangeWorld:
    return exchange_world(agencies)


@pytest.fixture
def citizen(
    citizen_a: Persona, household: Household, documents: list[Document], exchange: ExchangeWorld
) -> Persona:
    """Citizen A with records in every registry, three documents, and a consent the bank
    has used once (so the consents page and the data tracker have something to show)."""
    assert citizen_a.person is not None
    last_day = timezone.localdate() + timedelta(days=30)
    form = {"party": BANK, "services": [INCOME_STATEMENT], "purpose": "loan-assessment",
            "last_day": last_day.isoformat()}  # fmt: skip
    given = citizen_a.client.post("/my/consents/give/", form)
    assert given.status_code == 302
    answer = ExchangeClient.local(BANK).get(
        INCOME_STATEMENT, citizen_a.person.iin, purpose="loan-assessment", issue="LOAN-1"
    )
    assert answer.status == 200, answer.error
    return citizen_a


@pytest.fixture
def notified_citizen(citizen_a: Persona) -> Persona:
    """Citizen A, told by SMS that an application was accepted (delivered), and by e-mail
    (which failed) that one was completed."""
    account = citizen_a.account
    assert account is not None
    accepted = notification_queue_for(
        key="case:a11y:accepted", template="case-accepted", account=account, actor="test",
        context={"number": "KZ-2026-000042", "service": "Birth registration",
                 "deadline": "7 December 2026"},
    )  # fmt: skip
    assert accepted is not None
    Notification.objects.filter(pk=accepted.pk).update(status=Status.DELIVERED)
    notification_queue(
        key="case:a11y:completed", template="case-completed", to="nurlan.abenov@example.kz",
        channel="email", language="kk", actor="test", person=citizen_a.person,
        context={"number": "KZ-2026-000041", "service": "Birth registration"},
    )  # fmt: skip
    Notification.objects.filter(key="case:a11y:completed").update(status=Status.FAILED)
    return citizen_a


@pytest.fixture
def programme_operator(operator: Persona) -> Persona:
    """The operator, with the programmes qyzmet ships loaded."""
    from qyzmet.catalog.services import catalogue_publish_shipped

    catalogue_publish_shipped(actor="test")
    programmes.programmes_load(actor="test")
    return operator


@pytest.fixture
def programme(programme_operator: Persona) -> str:
    return "emergency-2020"


@pytest.fixture
def between_password_and_code(operator: Persona) -> Persona:
    """Someone who gave the right password and is asked for the one-time code."""
    client = Client()
    response = client.post("/login/", {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    return Persona("between password and code", None, client)


@pytest.fixture
def document_code(documents: list[Document]) -> str:
    return next(d.short_code for d in documents if d.format == DocumentFormat.PDF)


@pytest.fixture
def signing_link_url(citizen: Persona) -> str:
    assert citizen.account is not None
    return signing_link(
        account=citizen.account, sha256="ab" * 32, description="Application for a permit"
    )


@pytest.fixture
def approval_to_sign(registrar: Persona, queued_case: str) -> str:
    """Where the registrar is sent to sign their approval of the queued application (its
    words wait in their session)."""
    assert registrar.client.post(f"/office/cases/{queued_case}/claim/").status_code == 302
    asked = registrar.client.post(f"/office/cases/{queued_case}/approve/", {"text": "Checked."})
    assert asked.status_code == 302
    return str(asked["Location"])


@pytest.fixture
def approval_signed(registrar: Persona, queued_case: str, approval_to_sign: str) -> str:
    """The page that makes the registrar's approval, signed (with a key file)."""
    assert registrar.account is not None
    digest = dict(parse_qsl(urlsplit(approval_to_sign).query))["sha256"]
    signature = sign_digest(digest, registrar.account)
    return f"/office/cases/{queued_case}/approve/?signature={signature.public_id}"


@pytest.fixture
def reader(anonymous: Persona, published: None) -> Persona:
    """Someone not logged in, reading the published catalogue."""
    return anonymous


@pytest.fixture
def applications(published: None, citizen_a: Persona, registrar: Persona) -> dict[str, str]:
    """Citizen A's applications in each state a page shows: a life situation whose birth
    registration waits in the registry office's queue, a draft, and one ready to sign."""
    account = citizen_a.account
    assert account is not None
    queued = birth_registration_queued(account)
    situation = queued.situation
    assert situation is not None
    draft = cases.case_open(account=account, service="birth-registration")
    ready = cases.case_open(account=account, service="kindergarten-queue", answers={
        "child_iin": "261201600017", "child_given_name": "Aruzhan",
        "child_birth_date": "2026-12-01", "district": "Astana, Yesil district", "language": "kk",
    })  # fmt: skip
    return {"situation": str(situation.public_id), "queued": str(queued.public_id),
            "draft": str(draft.public_id), "ready": str(ready.public_id)}  # fmt: skip


@pytest.fixture
def applicant(citizen_a: Persona, applications: dict[str, str]) -> Persona:
    return citizen_a


@pytest.fixture
def my_situation(applications: dict[str, str]) -> str:
    return applications["situation"]


@pytest.fixture
def draft_case(applications: dict[str, str]) -> str:
    return applications["draft"]


@pytest.fixture
def ready_case(applications: dict[str, str]) -> str:
    return applications["ready"]


@pytest.fixture
def queued_case(applications: dict[str, str]) -> str:
    return applications["queued"]


# --- opening a page ----------------------------------------------------------------------


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


@pytest.fixture
def visit(
    request: pytest.FixtureRequest, settings: Settings, live_server: LiveServer
) -> Iterator[Visit]:
    page_type: PageType = request.param
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    persona: Persona = request.getfixturevalue(page_type.persona)
    names = [name for _, name, _, _ in string.Formatter().parse(page_type.url) if name]
    values = {name: request.getfixturevalue(name) for name in names if name != "language"}
    url = page_type.url.format(**values, language="{language}")
    cookie = persona.client.cookies.get(settings.SESSION_COOKIE_NAME)
    found = Visit(page_type, live_server.url, url, cookie.value if cookie else "")
    # Chromium starts last: issuing a signed PDF runs an event loop of its own, which cannot
    # start inside the one Playwright runs.
    with chromium() as browser:
        found.browser = browser
        yield found


# --- the checks --------------------------------------------------------------------------


def _is_image(response: Response) -> bool:
    # The icon a browser fetches for the tab is no "image" request to Chromium.
    media_type = response.headers.get("content-type", "")
    return response.request.resource_type in NOT_COUNTED or media_type.startswith("image/")


@pytest.mark.parametrize("visit", PAGES, indirect=True, ids=str)
def test_page_type(visit: Visit) -> None:
    """In each language: no serious or critical axe violation at 360 and 1280 px, no
    sideways scrolling at 360 px, and under the weight budget. All problems are reported
    together, one line each."""
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
            for width in (PHONE, DESKTOP):
                page.set_viewport_size({"width": width, "height": 800})
                problems += [f"{language}, {width} px: {v}" for v in axe_violations(page)]
    assert problems == [], "\n".join([f"{visit.page_type} ({visit.url}):", *problems])


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


# --- keyboard ----------------------------------------------------------------------------

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
