"""A citizen in a real browser at 360 px: logs in, opens My documents, downloads the PDF,
shares it, and the link works for someone else until it is revoked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from playwright.sync_api import Error as PlaywrightError
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.documents.models import Document, DocumentFormat
from qyzmet.documents.samples import samples_issue
from qyzmet.documents.services import document_content
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup
from tests.browser import chromium
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 800}


@pytest.fixture
def documents(trust: TrustSetup, agencies: dict[str, Agency], citizen_a: Persona) -> list[Document]:
    assert citizen_a.person is not None
    return samples_issue(person=citizen_a.person, language="en", actor="test")


@pytest.fixture
def browser(
    settings: Settings, live_server: LiveServer, documents: list[Document]
) -> Iterator[Browser]:
    """Chromium, started once the documents exist: signing a PDF runs an event loop of its
    own (``asyncio.run``), which cannot start inside the one Playwright runs."""
    # The live server speaks plain HTTP, and share links must point at it.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.QYZMET_PUBLIC_URL = live_server.url
    with chromium() as browser:
        yield browser


def _fresh_page(browser: Browser) -> Page:
    """A page in a context of its own: no cookies, nobody logged in."""
    context = browser.new_context(viewport=PHONE, locale="en-GB", accept_downloads=True)
    return context.new_page()


def _open_download(page: Page, url: str) -> bytes:
    """Open ``url`` as someone who clicked it, and the bytes of the file it downloads."""
    with page.expect_download() as started, suppress(PlaywrightError):
        # Chromium turns the navigation into a download and reports the navigation aborted.
        page.goto(url)
    return Path(started.value.path()).read_bytes()


def test_citizen_downloads_and_shares_a_document(
    live_server: LiveServer, browser: Browser, documents: list[Document], citizen_a: Persona
) -> None:
    assert citizen_a.account is not None
    pdf = next(document for document in documents if document.format == DocumentFormat.PDF)
    page = _fresh_page(browser)

    page.goto(f"{live_server.url}/my/documents/")
    page.wait_for_url(f"{live_server.url}/login/?next=/my/documents/")
    page.get_by_label("IIN or login").fill(citizen_a.account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{live_server.url}/my/documents/")
    assert page.get_by_role("heading", level=1).inner_text() == "My documents"
    assert page.locator(".document-card").count() == 3
    # The menu marks My account, the page My documents is under.
    assert page.get_by_role("link", name="My account").get_attribute("aria-current") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    card = page.locator(f"#document-{pdf.public_id}")
    with page.expect_download() as started:
        card.get_by_role("link", name="Download").click()
    download = started.value
    assert download.suggested_filename == pdf.filename
    assert Path(download.path()).read_bytes() == document_content(pdf)

    card.get_by_label("The link works for").select_option(label="7 days")
    card.get_by_role("button", name="Create a link").click()
    page.wait_for_url(f"{live_server.url}/my/documents/#new-link")
    link = page.get_by_label("The link", exact=True).input_value()
    assert link.startswith(f"{live_server.url}/shared/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if os.environ.get("QYZMET_SCREENSHOT"):
        page.screenshot(path=os.environ["QYZMET_SCREENSHOT"], full_page=True)

    stranger = _fresh_page(browser)
    assert _open_download(stranger, link) == document_content(pdf)

    page.reload()  # the link is shown once; the page now lists it with its download
    card = page.locator(f"#document-{pdf.public_id}")
    assert "Downloaded 1 time." in card.inner_text()
    card.get_by_role("button", name="Revoke").click()
    page.wait_for_url(f"{live_server.url}/my/documents/")
    assert "is revoked" in page.locator(".notices").inner_text()

    response = stranger.goto(link)
    assert response is not None
    assert response.status == 404
    assert stranger.get_by_role("heading", level=1).inner_text() == "This link is not valid"
