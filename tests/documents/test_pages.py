"""Document pages: verify an upload or a code, the citizen's wallet, and shared links."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from pytest_django import DjangoAssertNumQueries

from qyzmet.core.models import AuditEntry
from qyzmet.documents.models import Blob, Document, DocumentFormat, ShareLink
from qyzmet.documents.samples import samples_issue
from qyzmet.documents.services import document_content
from qyzmet.documents.verification import MAX_UPLOAD, PROBLEMS
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup, certificate_revoke, seal_certificate_ensure
from tests.conftest import Persona
from tests.trust.cases import (
    EXPECTED_PROBLEM,
    FORMATS,
    Format,
    Signer,
    signed_file,
    signer_identity,
    tampered,
    tampered_content,
)

pytestmark = pytest.mark.django_db

VALID = "VALID"
NOT_VALID = "NOT VALID"


def _text(content: bytes) -> str:
    return html.unescape(content.decode())


def _in(language: str, message: str) -> str:
    """``message`` as a reader of ``language`` sees it (English until it is translated)."""
    with translation.override(language):
        return gettext(message)


def _client(language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _verdict(page: str) -> str:
    """The verdict heading's words."""
    start = page.index('id="verdict-heading"')
    heading = page[start : page.index("</h2>", start)]
    return heading.rsplit("</span>", 1)[1].strip()


def _upload(client: Client, data: bytes, name: str = "document.pdf", **extra: bytes) -> str:
    files = {"file": SimpleUploadedFile(name, data)}
    files |= {field: SimpleUploadedFile(field, value) for field, value in extra.items()}
    response = client.post("/verify/", files)
    assert response.status_code == 200, _text(response.content)
    return _text(response.content)


@pytest.fixture(autouse=True)
def _english(request: pytest.FixtureRequest) -> None:
    """The personas a test uses read English unless it says otherwise (the site's default
    is Kazakh)."""
    for name in ("citizen_a", "citizen_b", "officer_x", "operator", "anonymous"):
        if name in request.fixturenames:
            persona: Persona = request.getfixturevalue(name)
            persona.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def samples(trust: TrustSetup, agencies: dict[str, Agency], citizen_a: Persona) -> list[Document]:
    """Citizen A's address certificate (PDF) and population extract (XML and JSON)."""
    assert citizen_a.person is not None
    return samples_issue(person=citizen_a.person, language="en", actor="test")


def _sample(samples: list[Document], format: DocumentFormat) -> Document:
    return next(document for document in samples if document.format == format)


# Verification by upload


def test_the_verify_page_offers_an_upload_and_a_code(anonymous: Persona) -> None:
    response = anonymous.client.get("/verify/")
    assert response.status_code == 200
    page = _text(response.content)
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_file">' in page
    assert '<label for="id_content">' in page
    assert '<label for="id_code">' in page
    assert 'id="verdict-heading"' not in page


@pytest.mark.parametrize("format", list(DocumentFormat))
def test_a_sample_document_is_valid_and_recognised(
    samples: list[Document], format: DocumentFormat
) -> None:
    document = _sample(samples, format)
    page = _upload(_client(), document_content(document), document.filename)

    assert _verdict(page) == VALID
    assert NOT_VALID not in page
    assert "Address certificate" in page or "Extract from the population register" in page
    assert document.title in page
    assert document.short_code in page
    assert "Ministry of Internal Affairs" in page  # the agency, and the seal's signer
    assert f"BIN {document.agency.organisation.bin}" in page
    assert "CN=qyzmet Root CA,O=qyzmet,C=KZ" in page  # the end of the chain
    assert "Not revoked." in page
    # Every format is time-stamped: PAdES B-T, XAdES-T, and the JSON envelope's token.
    assert "Proven by a time stamp from a trusted authority." in page


def test_an_upload_is_kept_in_memory_and_never_stored(
    samples: list[Document], monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # type: ignore[attr-defined]

    def no_disk(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was spooled to disk")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", no_disk)
    blobs, documents = Blob.objects.count(), Document.objects.count()
    data = document_content(_sample(samples, DocumentFormat.PDF)).replace(b"/Producer", b"/Pro")
    page = _upload(_client(), data)
    assert _verdict(page) == NOT_VALID
    assert (Blob.objects.count(), Document.objects.count()) == (blobs, documents)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_tampered_file_is_not_valid_and_says_why(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format
) -> None:
    data, content = signed_file(kind, signer_identity("good", agencies["internal-affairs"]))
    extra = {"content": tampered_content(content)} if content else {}

    page = _upload(_client(), tampered(data, kind), f"signed.{kind}", **extra)

    assert _verdict(page) == NOT_VALID
    reasons = [
        str(PROBLEMS[code])
        for code in ("digest-mismatch", "bad-signature-value", "content-after-signature")
    ]
    assert any(reason in page for reason in reasons), page
    assert "This file is not a document issued through this platform" in page


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("signer", ["foreign", "expired", "revoked"])
def test_a_bad_signer_is_not_valid_with_the_reason(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format, signer: Signer
) -> None:
    data, content = signed_file(kind, signer_identity(signer, agencies["internal-affairs"]))
    extra = {"content": content} if content else {}

    page = _upload(_client(), data, f"signed.{kind}", **extra)

    assert _verdict(page) == NOT_VALID
    assert str(PROBLEMS[EXPECTED_PROBLEM[signer]]) in page
    assert "Signature 1: not valid" in page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_reason_is_in_the_readers_language(
    trust: TrustSetup, agencies: dict[str, Agency], language: str
) -> None:
    data, _ = signed_file("xml", signer_identity("foreign", agencies["internal-affairs"]))
    page = _upload(_client(language), data, "extract.xml")
    assert f'<html lang="{language}">' in page
    assert _verdict(page) == _in(language, NOT_VALID)
    with translation.override(language):
        assert str(PROBLEMS["untrusted"]) in page


def test_a_certificate_revoked_after_signing_leaves_the_signature_valid(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    agency = agencies["internal-affairs"]
    data, _ = signed_file("pdf", signer_identity("good", agency))  # time-stamped now
    certificate_revoke(
        certificate=seal_certificate_ensure(agency=agency),
        reason="key-compromise",
        actor="test",
        at=timezone.now() + timedelta(seconds=1),
    )

    page = _upload(_client(), data)

    assert _verdict(page) == VALID
    assert "after the signature was made. This does not affect the signature" in page


def test_a_detached_signature_is_verified_with_its_file(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    signature, content = signed_file("cms", signer_identity("good", agencies["internal-affairs"]))
    assert content is not None
    page = _upload(_client(), signature, "lease.pdf.p7s", content=content)
    assert _verdict(page) == VALID
    assert "CMS (.p7s)" in page


# Bad input: a plain message in the reader's language, never a 500.


def _refused(
    client: Client, files: dict[str, SimpleUploadedFile], meta: dict[str, Any] | None = None
) -> str:
    response = client.post("/verify/", files, **(meta or {}))
    assert response.status_code == 400
    page = _text(response.content)
    assert 'class="error-summary" role="alert"' in page
    assert 'id="verdict-heading"' not in page
    return page


def test_no_file_is_refused(anonymous: Persona) -> None:
    assert "Choose a file to verify." in _refused(anonymous.client, {})


def test_an_empty_file_is_refused() -> None:
    page = _refused(_client(), {"file": SimpleUploadedFile("empty.pdf", b"")})
    assert "The file is empty. Choose the signed document itself." in page


def test_a_file_over_the_limit_is_refused_and_dropped() -> None:
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_UPLOAD)
    assert str(PROBLEMS["too-large"]) in _refused(_client(), {"file": big})


def test_a_request_announcing_too_many_bytes_is_refused_unread() -> None:
    page = _refused(
        _client(),
        {"file": SimpleUploadedFile("small.pdf", b"%PDF-1.7")},
        {"CONTENT_LENGTH": str(3 * MAX_UPLOAD)},
    )
    assert str(PROBLEMS["too-large"]) in page


@pytest.mark.parametrize(
    ("body", "content_type", "meta"),
    [
        (b"--xyz\r\nContent-Disposition: form-data; name=file", "boundary=xyz", {}),
        (b"anything", "boundary=xyz", {"CONTENT_LENGTH": "not a number"}),
        (b"--xyz--", "boundary=\u00e9", {}),
    ],
)
def test_a_broken_request_is_a_400_page(
    trust: TrustSetup, body: bytes, content_type: str, meta: dict[str, Any]
) -> None:
    response = _client().post(
        "/verify/", body, content_type=f"multipart/form-data; {content_type}", **meta
    )
    assert response.status_code == 400
    assert '<html lang="en">' in _text(response.content)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_file_of_another_kind_is_refused_in_the_readers_language(
    trust: TrustSetup, language: str
) -> None:
    photo = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page = _refused(_client(language), {"file": photo})
    assert f'<html lang="{language}">' in page
    with translation.override(language):
        assert str(PROBLEMS["unknown-format"]) in page
        assert gettext("There is a problem") in page


def test_a_detached_signature_alone_asks_for_its_file(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    signature, _ = signed_file("cms", signer_identity("good", agencies["internal-affairs"]))
    page = _refused(_client(), {"file": SimpleUploadedFile("lease.p7s", signature)})
    assert str(PROBLEMS["content-needed"]) in page
    assert 'href="#id_content"' in page


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\nnot really a PDF", "unreadable"),
        (b"<?xml version='1.0'?><extract/>", "no-signature"),
    ],
)
def test_a_damaged_or_unsigned_document_is_not_valid(
    trust: TrustSetup, data: bytes, reason: str
) -> None:
    page = _upload(_client(), data, "document")
    assert _verdict(page) == NOT_VALID
    assert str(PROBLEMS[reason]) in page


def test_a_stale_upload_form_is_refused_by_csrf(trust: TrustSetup) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/verify/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7")})
    assert response.status_code == 403


# Verification by code and QR


def test_a_typed_code_leads_to_the_documents_page(samples: list[Document]) -> None:
    document = samples[0]
    typed = document.short_code.lower().replace("-", " ").replace("1", "l")
    response = _client().get("/verify/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{document.short_code}"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the verification code."),
        ("ABC", "A verification code has 12 letters and digits"),
        ("0000-0000-0000", "No document has this verification code."),
    ],
)
def test_a_wrong_code_is_refused_plainly(trust: TrustSetup, code: str, message: str) -> None:
    response = _client().get("/verify/", {"code": code})
    assert response.status_code == 400
    page = _text(response.content)
    assert message in page
    assert 'role="alert"' in page


@pytest.mark.parametrize("format", list(DocumentFormat))
def test_the_qr_page_verifies_the_stored_document_and_offers_it(
    samples: list[Document], format: DocumentFormat, anonymous: Persona
) -> None:
    document = _sample(samples, format)
    response = anonymous.client.get(f"/verify/{document.short_code}")
    assert response.status_code == 200
    page = _text(response.content)
    assert _verdict(page) == VALID
    assert document.title in page
    assert "Ministry of Internal Affairs" in page
    assert f'href="/verify/{document.short_code}/file"' in page

    download = anonymous.client.get(f"/verify/{document.short_code}/file")
    assert download.status_code == 200
    assert download.content == document_content(document)
    assert download["Content-Type"] == document.blob.media_type
    assert download["Content-Disposition"] == f'attachment; filename="{document.filename}"'
    assert "private" in download["Cache-Control"]


def test_the_qr_page_reads_a_code_leniently(samples: list[Document]) -> None:
    code = samples[0].short_code
    response = _client().get(f"/verify/{code.lower()}")
    assert response.status_code == 301
    assert response["Location"] == f"/verify/{code}"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("code", ["0000-0000-0000", "not-a-code", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"])
def test_an_unknown_code_is_a_404_page(trust: TrustSetup, code: str, language: str) -> None:
    for path in (f"/verify/{code}", f"/verify/{code}/file"):
        response = _client(language).get(path)
        assert response.status_code == 404
        page = _text(response.content)
        assert f'<html lang="{language}">' in page
        assert f"<h1>{_in(language, 'No document has this code')}</h1>" in page


# The wallet


WALLET_ENDPOINTS: list[tuple[str, str, Callable[[Document, ShareLink], str]]] = [
    ("get", "wallet", lambda d, s: "/my/documents/"),
    ("get", "download", lambda d, s: f"/my/documents/{d.public_id}/download"),
    ("post", "share", lambda d, s: f"/my/documents/{d.public_id}/share"),
    ("post", "revoke", lambda d, s: f"/my/documents/shares/{s.public_id}/revoke"),
]


@pytest.fixture
def shared_link(samples: list[Document], citizen_a: Persona) -> ShareLink:
    """A live link to A's PDF, made through the page."""
    response = citizen_a.client.post(
        f"/my/documents/{samples[0].public_id}/share", {"lifetime": "7d"}
    )
    assert response.status_code == 302
    return ShareLink.objects.get(document=samples[0])


@pytest.mark.parametrize(("method", "name", "path"), WALLET_ENDPOINTS)
def test_anonymous_is_sent_to_login(
    anonymous: Persona,
    shared_link: ShareLink,
    method: str,
    name: str,
    path: Callable[[Document, ShareLink], str],
) -> None:
    url = path(shared_link.document, shared_link)
    data = {"lifetime": "1d"} if method == "post" else {}
    response = getattr(anonymous.client, method)(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


@pytest.mark.parametrize(("method", "name", "path"), WALLET_ENDPOINTS[1:])
@pytest.mark.parametrize("persona", ["citizen_b", "officer_x", "operator"])
def test_no_one_else_may_touch_a_citizens_documents(
    personas: dict[str, Persona],
    shared_link: ShareLink,
    persona: str,
    method: str,
    name: str,
    path: Callable[[Document, ShareLink], str],
) -> None:
    before = list(ShareLink.objects.values_list("pk", "revoked_at", "downloads"))
    audit = AuditEntry.objects.count()
    url = path(shared_link.document, shared_link)

    data = {"lifetime": "1d"} if method == "post" else {}
    response = getattr(personas[persona].client, method)(url, data)

    assert response.status_code == 404
    assert list(ShareLink.objects.values_list("pk", "revoked_at", "downloads")) == before
    assert AuditEntry.objects.count() == audit


def test_the_wallet_lists_the_citizens_documents(
    samples: list[Document], citizen_a: Persona
) -> None:
    response = citizen_a.client.get("/my/documents/")
    assert response.status_code == 200
    page = _text(response.content)
    assert '<a href="/my/" aria-current="true">My account</a>' in page
    for document in samples:
        assert document.short_code in page
        assert f'href="/my/documents/{document.public_id}/download"' in page
        assert f'href="/verify/{document.short_code}"' in page
    assert page.count('<h2 lang="en">Address certificate</h2>') == 1
    assert page.count('<h2 lang="en">Extract from the population register</h2>') == 2
    for label in ("PDF (PAdES)", "XML (XAdES)", "JSON (JWS)", "Ministry of Internal Affairs"):
        assert label in page
    issued = timezone.localdate(samples[0].issued_at)
    assert f"{issued.day} {issued:%B} {issued.year}" in page
    for choice in ("1 hour", "1 day", "7 days", "30 days"):
        assert f">{choice}</option>" in page


def test_another_citizens_wallet_shows_none_of_them(
    samples: list[Document], citizen_b: Persona
) -> None:
    page = _text(citizen_b.client.get("/my/documents/").content)
    assert "You have no documents yet." in page
    for document in samples:
        assert document.short_code not in page
        assert str(document.public_id) not in page


@pytest.mark.parametrize("persona", ["officer_x", "operator"])
def test_staff_are_told_the_wallet_is_for_citizens(
    personas: dict[str, Persona], persona: str
) -> None:
    response = personas[persona].client.get("/my/documents/")
    assert response.status_code == 200
    assert "My documents is for citizens" in _text(response.content)


def test_the_wallet_query_count_is_pinned(
    samples: list[Document],
    shared_link: ShareLink,
    citizen_a: Persona,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    assert citizen_a.person is not None
    more = samples_issue(person=citizen_a.person, language="ru", actor="test")
    for document in more:
        citizen_a.client.post(f"/my/documents/{document.public_id}/share", {"lifetime": "1h"})
    citizen_a.client.get("/my/documents/")  # shows and forgets the last new link
    # Session, account, person, documents with agencies, their live links, then the session
    # save in a savepoint (three): the same for any number of documents.
    with django_assert_max_num_queries(8):
        response = citizen_a.client.get("/my/documents/")
    assert _text(response.content).count('class="card document-card"') == 6


def test_the_owner_downloads_a_document(samples: list[Document], citizen_a: Persona) -> None:
    for document in samples:
        response = citizen_a.client.get(f"/my/documents/{document.public_id}/download")
        assert response.status_code == 200
        assert response.content == document_content(document)
        assert response["Content-Disposition"] == f'attachment; filename="{document.filename}"'
        assert "no-store" in response["Cache-Control"]


def test_a_share_link_is_shown_once_works_and_stops_when_revoked(
    samples: list[Document], citizen_a: Persona, anonymous: Persona
) -> None:
    document = samples[0]
    response = citizen_a.client.post(
        f"/my/documents/{document.public_id}/share", {"lifetime": "1d"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/my/documents/#new-link"
    link = ShareLink.objects.get(document=document)
    assert timedelta(hours=23, minutes=59) < link.expires_at - timezone.now() <= timedelta(days=1)

    page = _text(citizen_a.client.get("/my/documents/").content)
    assert 'id="new-link"' in page
    start = page.index(">", page.index('id="new-link-url"')) + 1
    url = page[start : page.index("</textarea>", start)]
    assert url.startswith(f"{settings.QYZMET_PUBLIC_URL}/shared/")
    path = url.removeprefix(settings.QYZMET_PUBLIC_URL)
    assert link.token_hash not in page

    again = _text(citizen_a.client.get("/my/documents/").content)
    assert 'id="new-link"' not in again
    assert path not in again
    assert "Downloaded 0 times." in again

    download = anonymous.client.get(path)
    assert download.status_code == 200
    assert download.content == document_content(document)
    assert download["Content-Disposition"] == f'attachment; filename="{document.filename}"'
    assert "Downloaded 1 time." in _text(citizen_a.client.get("/my/documents/").content)

    revoke = citizen_a.client.post(f"/my/documents/shares/{link.public_id}/revoke")
    assert revoke.status_code == 302
    page = _text(citizen_a.client.get(revoke["Location"]).content)
    assert f"The link to “{document.title}” is revoked" in page
    assert "No links to this document work now." in page
    link.refresh_from_db()
    assert link.revoked_at is not None

    gone = anonymous.client.get(path)
    assert gone.status_code == 404
    assert "<h1>This link is not valid</h1>" in _text(gone.content)
    assert AuditEntry.objects.filter(action="documents.share.revoke").count() == 1


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_an_expired_link_is_a_404_in_the_readers_language(
    samples: list[Document], citizen_a: Persona, language: str
) -> None:
    citizen_a.client.post(f"/my/documents/{samples[1].public_id}/share", {"lifetime": "1h"})
    url = citizen_a.client.get("/my/documents/").context["new_share"]["url"]
    path = url.removeprefix(settings.QYZMET_PUBLIC_URL)
    assert _client(language).get(path).status_code == 200

    ShareLink.objects.filter(document=samples[1]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = _client(language).get(path)
    assert response.status_code == 404
    page = _text(response.content)
    assert f'<html lang="{language}">' in page
    assert f"<h1>{_in(language, 'This link is not valid')}</h1>" in page
    assert "No links to this document work now." in _text(
        citizen_a.client.get("/my/documents/").content
    )


def test_an_unknown_share_token_is_a_404(trust: TrustSetup) -> None:
    response = _client().get("/shared/not-a-token-at-all")
    assert response.status_code == 404
    assert "This link is not valid" in _text(response.content)


def test_a_share_lifetime_off_the_list_is_refused(
    samples: list[Document], citizen_a: Persona
) -> None:
    response = citizen_a.client.post(
        f"/my/documents/{samples[0].public_id}/share", {"lifetime": "365d"}
    )
    assert response.status_code == 400
    page = _text(response.content)
    assert "Choose how long the link should work." in page
    assert f'href="#share-{samples[0].public_id}-lifetime"' in page
    assert not ShareLink.objects.exists()
