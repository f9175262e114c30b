"""A citizen in real Chromium gets a key file for logging in from /trust/my/, logs out, and
logs back in on /login/key-file/ with it (keyfile-sign.js signs the challenge in the page)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from playwright.sync_api import Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.trust.authority import TrustSetup
from qyzmet.trust.models import Purpose
from tests.browser import phone_page
from tests.conftest import Persona
from tests.trust.browser_steps import key_file_from_my_page

KEY_FILE_PASSWORD = "Кілт – a password for logging in"  # non-ASCII: UTF-8 in PBES2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(settings: Settings) -> Iterator[Page]:
    settings.SESSION_COOKIE_SECURE = False  # the live server speaks plain HTTP
    settings.CSRF_COOKIE_SECURE = False
    with phone_page() as page:
        yield page


def test_citizen_logs_in_with_a_key_file_for_logging_in(
    live_server: LiveServer, page: Page, citizen_a: Persona, trust: TrustSetup, tmp_path: Path
) -> None:
    certificate, key_file = key_file_from_my_page(
        page, live_server, citizen_a, tmp_path, password=KEY_FILE_PASSWORD, for_logging_in=True
    )
    assert certificate.purpose == Purpose.AUTH

    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/trust/my/")
    page.wait_for_url(f"{live_server.url}/login/?next=/trust/my/")

    # Log in with the key file: the browser signs the challenge, and `next` is kept.
    page.get_by_role("link", name="Log in with a key file").click()
    page.wait_for_url(f"{live_server.url}/login/key-file/?next=/trust/my/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in with a key file")
    page.get_by_label("Key file", exact=True).set_input_files(key_file)
    page.get_by_label("Password of the key file").fill(KEY_FILE_PASSWORD)
    with page.expect_request(lambda r: r.method == "POST" and "/key-file/" in r.url) as post:
        page.get_by_role("button", name="Log in", exact=True).click()
    posted = post.value.post_data or ""
    assert "signature=" in posted
    assert "certificate=" in posted
    assert "keyfile" not in posted  # neither the file nor its password leaves the browser
    assert "password" not in posted

    page.wait_for_url(f"{live_server.url}/trust/my/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My signatures and certificates")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    assert session[SESSION_KEY] == str(citizen_a.account.pk)
