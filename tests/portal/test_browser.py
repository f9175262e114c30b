"""A citizen in a real browser: logs in through the form, reads My data, switches kk -> ru -> en."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from tests.browser import chromium
from tests.conftest import PASSWORD, Persona
from tests.portal.conftest import Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(settings: Settings) -> Iterator[Page]:
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 360, "height": 800}, locale="kk-KZ")
        yield context.new_page()
        context.close()


def _switch_language(page: Page, code: str) -> None:
    page.locator(f'form.language-switch button[value="{code}"]').click()
    page.wait_for_load_state()


def test_citizen_logs_in_reads_my_data_and_switches_language(
    live_server: LiveServer, page: Page, citizen_a: Persona, household: Household
) -> None:
    assert citizen_a.account is not None
    assert citizen_a.person is not None
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "kk"
    page.get_by_role("link", name="Кіру").first.click()

    page.get_by_label("ЖСН немесе логин").fill(citizen_a.account.username)
    page.get_by_label("Құпиясөз").fill(PASSWORD)
    page.get_by_role("button", name="Жалғастыру").click()

    page.wait_for_url(f"{live_server.url}/my-data/")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", level=1).inner_text() == "Менің деректерім"
    assert page.locator(".person-name").inner_text() == "Әбенов Нұрлан Серікұлы"
    body = page.locator("main").inner_text()
    assert citizen_a.person.iin in body
    assert household.vehicle.vin in body

    _switch_language(page, "ru")
    assert page.url == f"{live_server.url}/my-data/"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == "Мои данные"
    assert page.locator(".person-name").inner_text() == "Абенов Нурлан Серикович"

    _switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "My data"
    assert page.locator(".person-name").inner_text() == "Abenov Nurlan"
    assert "Income in the last 12 months" in page.locator("main").inner_text()

    # Still logged in after the switches; and the page fits a 360 px wide screen.
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if os.environ.get("QYZMET_SCREENSHOT"):
        page.screenshot(path=os.environ["QYZMET_SCREENSHOT"], full_page=True)
