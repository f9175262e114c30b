"""A citizen in real Chromium: logs in, gets a key file from /trust/my/, then signs a file on
/trust/sign/ with that key file (in the browser, keyfile-sign.js) and reads the receipt."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.trust.authority import TrustSetup
from qyzmet.trust.models import Signature, SignatureMethod
from qyzmet.trust.signing import signing_link
from tests.browser import phone_page
from tests.conftest import Persona
from tests.trust.browser_steps import key_file_from_my_page

KEY_FILE_PASSWORD = "Құпия сөз – a key file password"  # non-ASCII: UTF-8 in PBES2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(settings: Settings) -> Iterator[Page]:
    settings.SESSION_COOKIE_SECURE = False  # the live server speaks plain HTTP
    settings.CSRF_COOKIE_SECURE = False
    with phone_page() as page:
        yield page


def test_citizen_gets_a_key_file_and_signs_a_file_with_it(
    live_server: LiveServer, page: Page, citizen_a: Persona, trust: TrustSetup, tmp_path: Path
) -> None:
    certificate, key_file = key_file_from_my_page(
        page, live_server, citizen_a, tmp_path, password=KEY_FILE_PASSWORD
    )

    # Sign a file: only its digest leaves the upload; the key file signs in the browser.
    document = tmp_path / "lease agreement.txt"
    document.write_text("Lease agreement, flat 45, for twelve months.\n", encoding="utf-8")
    page.goto(f"{live_server.url}/trust/sign/")
    page.get_by_label("File to sign").set_input_files(document)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How do you want to sign?")
    digest = hashlib.sha256(document.read_bytes()).hexdigest()
    expect(page.locator("main")).to_contain_text(digest)

    page.get_by_role("link", name="Sign with a key file").click()
    expect(page.locator("form[data-keyfile-sign]")).to_have_attribute("data-challenge", digest)
    page.get_by_label("Key file", exact=True).set_input_files(key_file)
    page.get_by_label("Password of the key file").fill(KEY_FILE_PASSWORD)
    with page.expect_request(lambda r: r.method == "POST" and "/key-file/" in r.url) as post:
        page.get_by_role("button", name="Sign", exact=True).click()
    posted = post.value.post_data or ""
    assert "signature=" in posted
    assert "keyfile" not in posted  # neither the file nor its password leaves the browser
    assert "key%20file%20password" not in posted
    assert "key+file+password" not in posted

    page.wait_for_url(f"{live_server.url}/trust/signatures/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed")
    signature = Signature.objects.get()
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("lease agreement.txt")
    expect(receipt).to_contain_text(str(signature.public_id))
    expect(receipt).to_contain_text(certificate.serial)
    expect(receipt).to_contain_text("Key file kept by the signer")
    assert signature.method == SignatureMethod.KEY_FILE
    assert signature.certificate_id == certificate.pk
    assert signature.content_sha256 == digest
    assert signature.timestamp_token

    # The receipt fits a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if os.environ.get("QYZMET_SCREENSHOT"):
        page.screenshot(path=os.environ["QYZMET_SCREENSHOT"], full_page=True)


def test_a_wrong_key_file_password_is_told_in_the_page(
    live_server: LiveServer, page: Page, citizen_a: Persona, trust: TrustSetup, tmp_path: Path
) -> None:
    from qyzmet.trust.authority import key_file_issue

    assert citizen_a.account is not None
    _, key_file = key_file_issue(
        account=citizen_a.account, password=KEY_FILE_PASSWORD, algorithm="ecdsa-p256",
        actor="test",
    )  # fmt: skip
    path = tmp_path / "mine.p12"
    path.write_bytes(key_file)
    page.context.add_cookies(
        [{"name": name, "value": value.value, "url": live_server.url}
         for name, value in citizen_a.client.cookies.items()]
    )  # fmt: skip
    digest = hashlib.sha256(b"anything").hexdigest()
    assert citizen_a.account is not None
    link = signing_link(account=citizen_a.account, sha256=digest, description="Anything")
    page.goto(f"{live_server.url}{link.replace('/trust/sign/', '/trust/sign/key-file/', 1)}")
    page.get_by_label("Key file", exact=True).set_input_files(path)
    page.get_by_label("Password of the key file").fill("not the password")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("The password does not open this key file.")
    assert "/trust/sign/key-file/" in page.url
    assert Signature.objects.count() == 0
