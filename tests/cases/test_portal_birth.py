"""The birth of a child on the portal, in a real browser, in Kazakh, Russian and English, on
a 360 px phone and a 1280 px screen: a parent finds the life situation, fills in each step,
signs with a code by SMS and submits; the registry office and the labour ministry's
officers log in with their one-time codes and approve from their queues, signing each
approval; the kindergarten queue completes by itself. Every page is saved as a screenshot
(test artifacts)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.cases.models import Case, CaseStatus, SituationCase
from qyzmet.registries import models as m
from tests.api.world import signing_code
from tests.browser import chromium
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(os.environ.get("QYZMET_TEST_ARTIFACTS", "var/test-artifacts"))
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}


class Visit:
    """A person's browser tab: it numbers and saves a full-page screenshot of each page
    it shows, and checks that the page fits the screen's width."""

    def __init__(self, page: Page, folder: Path, width: int) -> None:
        self.page, self.folder, self.width, self.count = page, folder, width, 0
        folder.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.page.wait_for_load_state()
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.width, f"{name} is {width} px wide on a {self.width} px screen"

    def submit(self, form: str) -> None:
        """Press the first submit button of the form matching ``form``."""
        self.page.locator(f"{form} button[type=submit]").first.click()
        self.page.wait_for_load_state()


def _context(browser: Browser, language: str, width: int) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale=LOCALES[language]
    )
    # The language is the person's choice, remembered in a cookie, as the switch sets it.
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": "http://localhost"}]
    )
    return context


@pytest.fixture
def worker(run_tasks: Callable[[], int]) -> Callable[[], int]:
    """The queue's tasks, run as a worker would: in a thread of their own (Playwright's
    loop runs in the test's thread, and signing a PDF runs a loop of its own)."""

    def in_thread() -> int:
        try:
            return run_tasks()
        finally:
            connections.close_all()

    def run() -> int:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(in_thread).result()

    return run


@pytest.fixture
def browser(settings: Settings) -> Iterator[Browser]:
    settings.SESSION_COOKIE_SECURE = False  # the live server speaks plain HTTP
    settings.CSRF_COOKIE_SECURE = False
    with chromium() as browser:
        yield browser


def _log_in(visit: Visit, base: str, persona: Persona, *, code: bool) -> None:
    assert persona.account is not None
    page = visit.page
    page.goto(f"{base}/login/")
    visit.shot("login")
    page.fill("input[name=username]", persona.account.username)
    page.fill("input[name=password]", PASSWORD)
    visit.submit("main form")
    if code:
        visit.shot("login-code")
        page.fill("input[name=code]", persona.totp())
        visit.submit("main form")


def _sign_remotely(visit: Visit, code: Callable[[], str], back: str) -> None:
    """On the signing page: sign with the key the platform keeps, confirmed by ``code()``,
    then follow the receipt's link ``back`` to the page that asked."""
    visit.shot("sign-choose")
    visit.submit("form[action$='/sign/remote/']")
    visit.shot("sign-code")
    visit.page.fill("input[name=code]", code())
    visit.submit("main form.form")
    visit.shot("signed")
    visit.page.locator(f"main a.button[href*='{back}']").click()


def _sign_and_submit(visit: Visit, phone: str, run_tasks: Callable[[], int]) -> None:
    """From the check page: sign with a code by SMS, come back, submit."""
    page = visit.page
    visit.shot("check")
    page.locator("main a.button[href*='/sign/']").click()

    def texted() -> str:
        run_tasks()  # the code goes out by the worker, as in production
        return signing_code(phone)

    _sign_remotely(visit, texted, "/submit/")
    assert "/submit/" in page.url, page.url
    visit.shot("submit")
    visit.submit("main form")
    visit.shot("submitted")


def _fill_draft(visit: Visit, answers: dict[str, str]) -> None:
    page = visit.page
    visit.shot("draft")
    for name, value in answers.items():
        field = page.locator(f"main [name={name}]")
        if field.first.get_attribute("type") == "radio":
            page.locator(f"main input[name={name}][value={value}]").check()
        else:
            field.fill(value)
    page.locator("main button[name=go][value=check]").click()
    page.wait_for_load_state()
    assert "/check/" in page.url, page.locator("main").inner_text()


def _officer_approves(
    visit: Visit, base: str, officer: Persona, number: str, run_tasks: Callable[[], int]
) -> None:
    page = visit.page
    _log_in(visit, base, officer, code=True)
    assert page.url == f"{base}/office/", page.url
    visit.shot("queue")
    page.get_by_role("link", name=number).click()
    visit.shot("office-case")
    visit.submit("form[action$='/claim/']")
    visit.shot("office-claimed")
    page.fill("#approve-note", "OK")
    visit.submit("form[action$='/approve/']")
    # The approval is signed: with the authenticator's code, the key kept for the officer.
    _sign_remotely(visit, officer.totp_next, "/approve/")
    assert "/approve/?signature=" in page.url, page.url
    visit.shot("office-decide")
    visit.submit("main form")
    visit.shot("office-approved")
    assert page.url == f"{base}/office/"
    run_tasks()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.usefixtures("published")
def test_birth_of_a_child_on_the_portal(
    live_server: LiveServer,
    browser: Browser,
    language: str,
    width: int,
    citizen_a: Persona,
    citizen_b: Persona,
    registrar: Persona,
    labour_reviewer: Persona,
    worker: Callable[[], int],
) -> None:
    assert citizen_a.account is not None
    assert citizen_b.person is not None
    base, phone = live_server.url, citizen_a.account.phone
    folder = ARTIFACTS / "screenshots" / f"birth-of-a-child-{language}-{width}"
    with translation.override(language):
        situation_name = "Баланың тууы" if language == "kk" else None
        expected_h1 = gettext("My applications")
    parent_context = _context(browser, language, width)
    parent = Visit(parent_context.new_page(), folder / "citizen", width)
    page = parent.page

    # Find the life situation from the home page, log in on the way, start it.
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == language
    parent.shot("home")
    page.fill("#search-q", "tuu" if language == "kk" else "birht")
    parent.submit("form.search")
    parent.shot("search")
    page.locator("main .cards a[href='/situations/birth-of-a-child/']").click()
    parent.shot("situation")
    if situation_name:
        assert page.get_by_role("heading", level=1).inner_text() == situation_name
    page.locator("main a.button[href^='/login/']").click()
    page.fill("input[name=username]", citizen_a.account.username)
    page.fill("input[name=password]", PASSWORD)
    parent.submit("main form")
    assert page.url == f"{base}/situations/birth-of-a-child/", page.url
    parent.submit("main form[action$='/start/birth-of-a-child/']")
    parent.shot("my-situation")
    situation = SituationCase.objects.get(account=citizen_a.account)
    cases = {c.situation_step: c for c in Case.objects.filter(situation=situation)}

    # 1. Registration of the birth: the form first comes back with what is missing.
    page.locator(f"main a[href='/my/cases/{cases['birth-registration'].public_id}/']").first.click()
    parent.shot("draft-empty")
    page.locator("main button[name=go][value=check]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary li").count() >= 5
    parent.shot("draft-problems")
    born = timezone.localdate() - timedelta(days=3)
    _fill_draft(parent, {
        "child_surname": "Abenova", "child_given_name": "Aruzhan",
        "child_birth_date": born.isoformat(), "child_sex": "F",
        "medical_record_number": "20261201", "other_parent_iin": citizen_b.person.iin,
    })  # fmt: skip
    _sign_and_submit(parent, phone, worker)
    registration = Case.objects.get(pk=cases["birth-registration"].pk)
    assert registration.status == CaseStatus.SUBMITTED
    worker()

    office = Visit(_context(browser, language, width).new_page(), folder / "registrar", width)
    _officer_approves(office, base, registrar, registration.number, worker)
    registration.refresh_from_db()
    assert registration.status == CaseStatus.COMPLETED
    child = m.PopulationRecord.objects.get(given_name_kk="Aruzhan", birth_date=born)

    # 2. The birth benefit has opened, knowing the child already; only the IBAN is asked.
    page.goto(f"{base}/my/cases/")
    assert page.get_by_role("heading", level=1).inner_text() == expected_h1
    parent.shot("my-cases")
    benefit = Case.objects.get(pk=cases["birth-benefit"].pk)
    page.goto(f"{base}/my/cases/{benefit.public_id}/")
    assert page.locator("input[name=child_given_name]").input_value() == "Aruzhan"
    _fill_draft(parent, {"iban": "KZ86125KZT5004100100"})
    _sign_and_submit(parent, phone, worker)
    worker()
    labour = Visit(_context(browser, language, width).new_page(), folder / "labour", width)
    _officer_approves(labour, base, labour_reviewer, benefit.number, worker)

    # 3. The kindergarten queue: the child's IIN came from the registration.
    kindergarten = Case.objects.get(pk=cases["kindergarten-queue"].pk)
    page.goto(f"{base}/my/cases/{kindergarten.public_id}/")
    assert page.locator("input[name=child_iin]").input_value() == child.person.iin
    _fill_draft(parent, {"district": "Astana, Yesil district", "language": "kk"})
    _sign_and_submit(parent, phone, worker)
    worker()

    # The parent sees every step done, with its timeline, and the documents in the wallet.
    page.goto(f"{base}/my/situations/{situation.public_id}/")
    parent.shot("situation-done")
    assert page.locator("main .status-ok").first.is_visible()
    page.goto(f"{base}/my/cases/{kindergarten.public_id}/")
    parent.shot("case-done")
    assert page.locator("main ol.timeline li").count() >= 4
    page.goto(f"{base}/my/documents/")
    parent.shot("wallet")
    assert Case.objects.filter(situation=situation, status=CaseStatus.COMPLETED).count() == 3
    assert re.search(r"\d", page.locator("main").inner_text())
