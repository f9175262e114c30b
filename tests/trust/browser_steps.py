"""Steps several browser tests share: log in on /trust/my/ and download a key file there."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from qyzmet.trust.models import Certificate, KeyHolder
from tests.conftest import PASSWORD, Persona


def key_file_from_my_page(
    page: Page,
    live_server: LiveServer,
    persona: Persona,
    folder: Path,
    *,
    password: str,
    for_logging_in: bool = False,
) -> tuple[Certificate, Path]:
    """Log in with the persona's password, get a key file from /trust/my/, save it."""
    assert persona.account is not None
    page.goto(f"{live_server.url}/trust/my/")
    page.wait_for_url(f"{live_server.url}/login/?next=/trust/my/")
    page.get_by_label("IIN or login").fill(persona.account.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/trust/my/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My signatures and certificates")

    # Signing and ECDSA P-256 are the default choices.
    expect(page.get_by_label("For signing documents")).to_be_checked()
    expect(page.get_by_label("ECDSA P-256 (recommended: small and fast)")).to_be_checked()
    if for_logging_in:
        page.get_by_label("For logging in").check()
    page.get_by_label("Password for the key file").fill(password)
    page.get_by_label("The same password again").fill(password)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the key file").click()
    download = download_info.value
    certificate = Certificate.objects.get(account=persona.account)
    assert certificate.key_holder == KeyHolder.SUBJECT
    use = "auth" if for_logging_in else "sign"
    assert download.suggested_filename == f"qyzmet-{use}-{certificate.serial}.p12"
    key_file = folder / download.suggested_filename
    download.save_as(key_file)
    return certificate, key_file
