"""The citizen's signing pages: remote signing with a code by SMS, key files, revocation,
signing an uploaded file (never kept), and where the pages may send people afterwards."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qyzmet.core.delivery import simulated_messages
from qyzmet.documents.models import Blob
from qyzmet.identity.models import Account
from qyzmet.trust import views
from qyzmet.trust.authority import TrustSetup, key_file_issue, x509_of
from qyzmet.trust.models import (
    Certificate,
    KeyHolder,
    Purpose,
    Signature,
    SignatureMethod,
    SigningRequest,
)
from qyzmet.trust.signing import REQUESTS_PER_WINDOW, signing_link
from tests.conftest import Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

KEY_FILE_PASSWORD = "a long key file password"
DIGEST = hashlib.sha256(b"Application for a parking permit, Astana").hexdigest()
PHONES = {"citizen A": "+77010000001", "citizen B": "+77010000002"}

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response: Response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def signer(trust: TrustSetup, citizen_a: Persona) -> Persona:
    """Citizen A with a phone for codes, reading the pages in English."""
    account = citizen_a.account
    assert account is not None
    account.phone = PHONES["citizen A"]
    account.save(update_fields=["phone"])
    _english(citizen_a.client)
    return citizen_a


@pytest.fixture
def other(trust: TrustSetup, citizen_b: Persona) -> Persona:
    account = citizen_b.account
    assert account is not None
    account.phone = PHONES["citizen B"]
    account.save(update_fields=["phone"])
    _english(citizen_b.client)
    return citizen_b


# --- remote signing -------------------------------------------------------------------------


def _last_code(phone: str) -> str:
    text = simulated_messages("sms", to=phone)[-1].text
    found = re.search(r"\b(\d{6})\b", text)
    assert found is not None, text
    return found.group(1)


def _start(
    persona: Persona,
    capture: CaptureOnCommit,
    *,
    digest: str = DIGEST,
    description: str = "Parking permit application",
    next_url: str = "",
) -> Response:
    """Ask for a code, as the "Send me a code" button does; the SMS goes out on commit."""
    data = {"sha256": digest, "description": description, "next": next_url}
    with capture(execute=True):
        response: Response = persona.client.post("/trust/sign/remote/", data)
    return response


def _request_of(response: Response) -> SigningRequest:
    assert response.status_code == 302, response.content
    found = re.search(r"/trust/sign/remote/([0-9a-f-]{36})/", response["Location"])
    assert found is not None
    return SigningRequest.objects.get(public_id=found.group(1))


def _enter(persona: Persona, signing_request: SigningRequest, code: str, **extra: str) -> Any:
    url = f"/trust/sign/remote/{signing_request.public_id}/"
    return persona.client.post(url, {"code": code, **extra})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _verifies(signature: Signature) -> bool:
    public_key = x509_of(signature.certificate).public_key()
    value = bytes(signature.value)
    message = bytes.fromhex(signature.content_sha256)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        r, s = int.from_bytes(value[:32]), int.from_bytes(value[32:])
        try:
            public_key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True
    assert isinstance(public_key, rsa.RSAPublicKey)
    try:
        public_key.verify(value, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def test_remote_signature_from_link_to_receipt_and_back(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    assert signer.account is not None
    link = signing_link(
        account=signer.account,
        sha256=DIGEST,
        description="Parking permit application",
        next_url="/my-data/",
    )
    page = _text(signer.client.get(link))
    assert DIGEST in page
    assert "Parking permit application" in page
    # The phone is shown masked: recognisable, not copyable.
    assert "+7 ••• ••• 00 01" in page
    assert PHONES["citizen A"] not in page

    started = _start(signer, django_capture_on_commit_callbacks, next_url="/my-data/")
    signing_request = _request_of(started)
    assert started["Location"].endswith("?next=%2Fmy-data%2F")
    code_page = signer.client.get(started["Location"])
    assert code_page.status_code == 200
    assert 'autocomplete="one-time-code"' in _text(code_page)

    sms = simulated_messages("sms", to=PHONES["citizen A"])[-1]
    assert "Parking permit application" in sms.text
    done = _enter(signer, signing_request, _last_code(PHONES["citizen A"]), next="/my-data/")
    assert done.status_code == 302
    signature = Signature.objects.get()
    assert done["Location"] == f"/trust/signatures/{signature.public_id}/?next=%2Fmy-data%2F"
    assert signature.method == SignatureMethod.REMOTE
    assert signature.content_sha256 == DIGEST
    assert signature.certificate.account_id == signer.account.pk  # type: ignore[union-attr]
    assert _verifies(signature)

    receipt = _text(signer.client.get(done["Location"]))
    assert str(signature.public_id) in receipt
    assert signature.certificate.serial in receipt
    assert "Time stamp" in receipt
    assert signature.signed_at is not None
    # Back to the page that asked, telling it which signature was made.
    assert f'href="/my-data/?signature={signature.public_id}"' in receipt


def test_wrong_code_says_how_many_attempts_are_left_then_locks(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    signing_request = _request_of(_start(signer, django_capture_on_commit_callbacks))
    code = _last_code(PHONES["citizen A"])

    first = _enter(signer, signing_request, _wrong(code))
    assert first.status_code == 422
    assert "The code is not right. You have 2 more attempts." in _text(first)
    second = _enter(signer, signing_request, _wrong(code))
    assert "The code is not right. You have 1 more attempt." in _text(second)
    third = _enter(signer, signing_request, _wrong(code))
    assert "that was the last attempt" in _text(third)
    assert 'name="code"' not in _text(third)  # no form to type into any more
    assert "Send me a new code" in _text(third)

    # Even the right code is refused now.
    locked = _enter(signer, signing_request, code)
    assert locked.status_code == 429
    assert "Too many wrong codes. Ask for a new code." in _text(locked)
    assert Signature.objects.count() == 0


def test_a_code_that_is_not_six_digits_is_not_counted(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    signing_request = _request_of(_start(signer, django_capture_on_commit_callbacks))
    response = _enter(signer, signing_request, "12ab")
    assert response.status_code == 422
    assert "The code is 6 digits." in _text(response)
    signing_request.refresh_from_db()
    assert signing_request.failed_attempts == 0


def test_a_used_code_is_refused_and_points_to_the_signature(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    signing_request = _request_of(_start(signer, django_capture_on_commit_callbacks))
    code = _last_code(PHONES["citizen A"])
    assert _enter(signer, signing_request, code).status_code == 302

    again = _enter(signer, signing_request, code)
    assert again.status_code == 409
    page = _text(again)
    assert "This code has already been used" in page
    signature = Signature.objects.get()
    assert f"/trust/signatures/{signature.public_id}/" in page
    assert Signature.objects.count() == 1


def test_an_expired_code_is_refused_with_a_way_to_start_again(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    signing_request = _request_of(_start(signer, django_capture_on_commit_callbacks))
    code = _last_code(PHONES["citizen A"])
    SigningRequest.objects.filter(pk=signing_request.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = _enter(signer, signing_request, code)
    assert response.status_code == 410
    page = _text(response)
    assert "The code has expired. Ask for a new code." in page
    assert "Send me a new code" in page
    assert Signature.objects.count() == 0
    # Opening the page later says the same, without a form.
    later = _text(signer.client.get(f"/trust/sign/remote/{signing_request.public_id}/"))
    assert "The code has expired" in later
    assert 'name="code"' not in later


def test_revoking_the_certificate_kills_a_pending_code(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    signing_request = _request_of(_start(signer, django_capture_on_commit_callbacks))
    code = _last_code(PHONES["citizen A"])
    revoke = f"/trust/my/certificates/{signing_request.certificate.public_id}/revoke/"
    assert signer.client.post(revoke, {"reason": "key-compromise"}).status_code == 302

    refused = _enter(signer, signing_request, code)
    assert refused.status_code == 409
    assert "was revoked or has expired. Ask for a new code" in _text(refused)
    assert Signature.objects.count() == 0

    # A new code comes with a new certificate, and that one signs.
    again = _request_of(_start(signer, django_capture_on_commit_callbacks))
    assert again.certificate_id != signing_request.certificate_id
    assert _enter(signer, again, _last_code(PHONES["citizen A"])).status_code == 302
    assert Signature.objects.get().certificate_id == again.certificate_id


def test_too_many_code_requests_are_refused(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    for _ in range(REQUESTS_PER_WINDOW):
        assert _start(signer, django_capture_on_commit_callbacks).status_code == 302
    sent = len(simulated_messages("sms", to=PHONES["citizen A"]))

    refused = _start(signer, django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert "You asked for too many codes. Wait a few minutes" in _text(refused)
    assert SigningRequest.objects.count() == REQUESTS_PER_WINDOW
    assert len(simulated_messages("sms", to=PHONES["citizen A"])) == sent


def test_an_account_without_phone_or_email_is_told_to_use_a_key_file(
    trust: TrustSetup, citizen_a: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    Account.objects.filter(pk=citizen_a.account.pk).update(phone="", email="")  # type: ignore[union-attr]
    _english(citizen_a.client)
    link = signing_link(account=citizen_a.account, sha256=DIGEST, description="")  # type: ignore[arg-type]
    page = _text(citizen_a.client.get(link))
    assert "Your account has no phone number or e-mail address" in page
    assert "Send me a code" not in page
    refused = _start(citizen_a, django_capture_on_commit_callbacks)
    assert refused.status_code == 409
    assert "Sign with a key file instead" in _text(refused)
    assert SigningRequest.objects.count() == 0


def test_an_officer_confirms_with_the_authenticator_app_and_no_code_is_sent(
    trust: TrustSetup, registrar: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    assert registrar.account is not None
    _english(registrar.client)
    link = signing_link(account=registrar.account, sha256=DIGEST, description="Approval")
    page = _text(registrar.client.get(link))
    assert "With my authenticator app" in page
    assert "Send me a code" not in page
    sent = len(simulated_messages("sms")) + len(simulated_messages("email"))
    signing_request = _request_of(_start(registrar, django_capture_on_commit_callbacks))
    assert len(simulated_messages("sms")) + len(simulated_messages("email")) == sent
    assert signing_request.code_hash == ""
    code_page = _text(registrar.client.get(f"/trust/sign/remote/{signing_request.public_id}/"))
    assert "Type the 6-digit code your authenticator app shows now." in code_page

    assert _enter(registrar, signing_request, _wrong(registrar.totp_next())).status_code == 422
    code = registrar.totp_next()
    assert _enter(registrar, signing_request, code).status_code == 302
    signature = Signature.objects.get()
    assert signature.certificate.account_id == registrar.account.pk  # type: ignore[union-attr]
    assert (signature.method, signature.content_sha256) == (SignatureMethod.REMOTE, DIGEST)
    assert _verifies(signature)

    # The same code does not sign a second time.
    again = _request_of(_start(registrar, django_capture_on_commit_callbacks))
    spent = _enter(registrar, again, code)
    assert spent.status_code == 422
    assert "This code has been used. Wait for the next code in your app." in _text(spent)
    assert Signature.objects.count() == 1


def test_the_code_goes_to_the_email_when_there_is_no_phone(
    trust: TrustSetup, citizen_a: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    account = citizen_a.account
    assert account is not None
    account.phone, account.email = "", "nurlan@example.kz"
    account.save(update_fields=["phone", "email"])
    link = signing_link(account=account, sha256=DIGEST, description="")
    page = _text(_english(citizen_a.client).get(link))
    assert "n•••@example.kz" in page
    assert "nurlan@example.kz" not in page
    _request_of(_start(citizen_a, django_capture_on_commit_callbacks))
    assert simulated_messages("email", to="nurlan@example.kz")


def test_someone_elses_signing_request_and_receipt_are_not_found(
    signer: Persona, other: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    signing_request = _request_of(_start(signer, django_capture_on_commit_callbacks))
    code = _last_code(PHONES["citizen A"])
    url = f"/trust/sign/remote/{signing_request.public_id}/"
    assert other.client.get(url).status_code == 404
    assert other.client.post(url, {"code": code}).status_code == 404
    assert Signature.objects.count() == 0

    signature_url = _enter(signer, signing_request, code)["Location"].split("?")[0]
    assert signer.client.get(signature_url).status_code == 200
    assert other.client.get(signature_url).status_code == 404
    assert other.client.get(f"/trust/signatures/{uuid.uuid4()}/").status_code == 404


# --- where people are sent afterwards -------------------------------------------------------


def _links(page: str) -> list[str]:
    """Where the page's links and forms lead (the language switch only echoes the URL)."""
    return re.findall(r'(?:href|action)="([^"]*)"', page)


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http:/evil.example/",
        "javascript:alert(1)",
        "evil.example/relative",
    ],
)
def test_next_that_leaves_the_site_is_ignored(
    signer: Persona, django_capture_on_commit_callbacks: CaptureOnCommit, next_url: str
) -> None:
    choose = _text(signer.client.get("/trust/sign/", {"sha256": DIGEST, "next": next_url}))
    assert _links(choose)
    assert not [link for link in _links(choose) if "evil" in link or "javascript" in link]

    started = _start(signer, django_capture_on_commit_callbacks, next_url=next_url)
    assert "evil" not in started["Location"]
    signing_request = _request_of(started)
    done = _enter(signer, signing_request, _last_code(PHONES["citizen A"]), next=next_url)
    assert done.status_code == 302
    assert done["Location"].startswith("/trust/signatures/")
    assert "evil" not in done["Location"]

    signature = Signature.objects.get()
    receipt = _text(
        signer.client.get(f"/trust/signatures/{signature.public_id}/", {"next": next_url})
    )
    assert not [link for link in _links(receipt) if "evil" in link or "javascript" in link]
    assert "/trust/my/" in _links(receipt)  # the way on instead of a continue link


def test_a_link_with_a_bad_digest_shows_the_upload_form(signer: Persona) -> None:
    response = signer.client.get("/trust/sign/", {"sha256": "not-a-digest"})
    assert response.status_code == 400
    page = _text(response)
    assert "not valid here" in page
    assert 'type="file"' in page


# --- signing an uploaded file ---------------------------------------------------------------


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def no_default_upload_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's own handlers keep uploads in memory or in a temporary file: make any use
    of them fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload reached a handler that keeps its bytes")

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", refuse)
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", refuse)


@pytest.mark.parametrize("size", [0, 1000, 3 * 1024 * 1024 + 17])
def test_an_uploaded_file_is_hashed_and_not_kept(
    signer: Persona,
    no_default_upload_handlers: None,
    tmp_path: Path,
    settings: Any,
    size: int,
) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    home = Path(settings.QYZMET_HOME)
    before = _files_under(home)
    blobs = Blob.objects.count()
    content = (b"MARKER-lease-agreement-" * (size // 23 + 1))[:size]

    response = signer.client.post(
        "/trust/sign/?next=/my-data/",
        {"file": SimpleUploadedFile("lease agreement.pdf", content), "description": ""},
    )
    assert response.status_code == 302
    digest = hashlib.sha256(content).hexdigest()
    location = response["Location"]
    assert location.startswith("/trust/sign/?")
    assert f"sha256={digest}" in location
    assert "description=lease+agreement.pdf" in location
    assert "next=%2Fmy-data%2F" in location

    assert Blob.objects.count() == blobs
    assert _files_under(home) == before
    assert list(tmp_path.iterdir()) == []
    page = _text(signer.client.get(location))
    assert digest in page
    assert "lease agreement.pdf" in page


def test_an_upload_with_a_description_uses_it(signer: Persona) -> None:
    response = signer.client.post(
        "/trust/sign/",
        {"file": SimpleUploadedFile("scan.pdf", b"x"), "description": "Lease\nagreement"},
    )
    assert "description=Lease+agreement" in response["Location"]


def test_posting_without_a_file_says_so(signer: Persona) -> None:
    response = signer.client.post("/trust/sign/", {"description": "nothing"})
    assert response.status_code == 422
    assert "File to sign" in _text(response)


def test_a_file_too_large_is_refused_before_it_is_read(
    signer: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "UPLOAD_MAX_BYTES", 1000)
    response = signer.client.post("/trust/sign/", {"file": SimpleUploadedFile("big", b"x" * 2000)})
    assert response.status_code == 413
    assert "too large" in _text(response)


def test_the_upload_still_needs_a_csrf_token(signer: Persona) -> None:
    account = signer.account
    assert account is not None
    strict = _english(Client(enforce_csrf_checks=True))
    strict.force_login(account)
    response = strict.post("/trust/sign/", {"file": SimpleUploadedFile("a.txt", b"a")})
    assert response.status_code == 403


# --- key files ------------------------------------------------------------------------------


def _download_key_file(persona: Persona, algorithm: str = "ecdsa-p256") -> Response:
    response: Response = persona.client.post(
        "/trust/my/key-file/",
        {
            "password": KEY_FILE_PASSWORD,
            "password_again": KEY_FILE_PASSWORD,
            "algorithm": algorithm,
        },
    )
    return response


@pytest.mark.parametrize(
    ("algorithm", "key_type"),
    [("ecdsa-p256", ec.EllipticCurvePrivateKey), ("rsa-2048", rsa.RSAPrivateKey)],
)
def test_key_file_download_opens_with_its_password(
    signer: Persona, algorithm: str, key_type: type
) -> None:
    page = _text(signer.client.get("/trust/my/"))
    assert "The platform does not keep the key" in page

    response = _download_key_file(signer, algorithm)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pkcs12"
    assert "no-store" in response["Cache-Control"]
    certificate = Certificate.objects.get(account=signer.account)
    assert response["Content-Disposition"] == (
        f'attachment; filename="qyzmet-sign-{certificate.serial}.p12"'
    )
    key, leaf, chain = pkcs12.load_key_and_certificates(
        response.content, KEY_FILE_PASSWORD.encode()
    )
    assert isinstance(key, key_type)
    assert leaf is not None
    assert leaf.public_bytes(serialization.Encoding.DER) == bytes(certificate.der)
    assert len(chain) == 2  # issuing CA and root, for programs that want the path
    assert certificate.purpose == Purpose.SIGN
    assert certificate.key_holder == KeyHolder.SUBJECT
    assert certificate.sealed_key is None  # the platform has no copy of the key
    with pytest.raises(ValueError, match="Invalid password"):
        pkcs12.load_key_and_certificates(response.content, b"wrong password")

    listed = _text(signer.client.get("/trust/my/"))
    assert certificate.serial in listed
    assert "In your key file; the platform does not have it" in listed


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("a long key file password", "another long password", "The two passwords are not"),
        ("short", "short", "This password is too short"),
        ("password123", "password123", "This password is too common"),
        ("", "", "This field is required"),
    ],
)
def test_key_file_needs_a_good_password_typed_twice(
    signer: Persona, password: str, again: str, message: str
) -> None:
    response = signer.client.post(
        "/trust/my/key-file/",
        {"password": password, "password_again": again, "algorithm": "ecdsa-p256"},
    )
    assert response.status_code == 422
    assert message in _text(response)
    assert "a long key file password" not in _text(response)  # never echoed back
    assert not Certificate.objects.filter(account=signer.account).exists()


def _browser_signature(key_file: bytes, digest: str) -> dict[str, str]:
    """What keyfile-sign.js posts: base64url r||s (or RSA bytes), base64 DER, JWS name."""
    key, leaf, _ = pkcs12.load_key_and_certificates(key_file, KEY_FILE_PASSWORD.encode())
    assert leaf is not None
    message = bytes.fromhex(digest)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        value, algorithm = r.to_bytes(32, "big") + s.to_bytes(32, "big"), "ES256"
    else:
        assert isinstance(key, rsa.RSAPrivateKey)
        value, algorithm = key.sign(message, padding.PKCS1v15(), hashes.SHA256()), "RS256"
    return {
        "signature": base64.urlsafe_b64encode(value).decode().rstrip("="),
        "certificate": base64.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode(),
        "algorithm": algorithm,
    }


def _key_file_of(persona: Persona, algorithm: str = "ecdsa-p256") -> bytes:
    assert persona.account is not None
    _, key_file = key_file_issue(
        account=persona.account, password=KEY_FILE_PASSWORD, algorithm=algorithm, actor="test"
    )
    return key_file


@pytest.mark.parametrize("algorithm", ["ecdsa-p256", "rsa-2048"])
def test_key_file_signature_is_recorded_with_a_receipt(signer: Persona, algorithm: str) -> None:
    assert signer.account is not None
    link = signing_link(account=signer.account, sha256=DIGEST, description="Lease", next_url="/x/")
    page = _text(signer.client.get(link.replace("/trust/sign/", "/trust/sign/key-file/", 1)))
    assert f'data-challenge="{DIGEST}"' in page
    assert "data-keyfile-sign" in page
    assert "/static/trust/keyfile-sign.js" in page
    assert 'name="next" value="/x/"' in page
    # The script finds the file and password by id; without a name no browser posts them.
    assert re.search(r'<input type="file" id="keyfile"[^>]*>', page)
    assert re.search(r'<input type="password" id="keyfile_password"[^>]*>', page)
    assert 'name="keyfile' not in page

    fields = _browser_signature(_key_file_of(signer, algorithm), DIGEST)
    response = signer.client.post(
        "/trust/sign/key-file/",
        {**fields, "sha256": DIGEST, "description": "Lease", "next": "/x/", "keyfile": ""},
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert response["Location"] == f"/trust/signatures/{signature.public_id}/?next=%2Fx%2F"
    assert signature.method == SignatureMethod.KEY_FILE
    assert signature.description == "Lease"
    assert _verifies(signature)
    receipt = _text(signer.client.get(response["Location"]))
    assert str(signature.public_id) in receipt
    assert f"/x/?signature={signature.public_id}" in receipt


def test_key_file_signature_over_another_digest_is_refused(signer: Persona) -> None:
    fields = _browser_signature(_key_file_of(signer), hashlib.sha256(b"other").hexdigest())
    response = signer.client.post("/trust/sign/key-file/", {**fields, "sha256": DIGEST})
    assert response.status_code == 422
    assert "The signature does not match" in _text(response)
    assert Signature.objects.count() == 0


def test_someone_elses_key_file_is_refused(signer: Persona, other: Persona) -> None:
    fields = _browser_signature(_key_file_of(other), DIGEST)
    response = signer.client.post("/trust/sign/key-file/", {**fields, "sha256": DIGEST})
    assert response.status_code == 422
    assert "not issued to you" in _text(response)
    assert Signature.objects.count() == 0


def test_a_revoked_key_file_no_longer_signs(signer: Persona) -> None:
    key_file = _key_file_of(signer)
    certificate = Certificate.objects.get(account=signer.account)
    signer.client.post(
        f"/trust/my/certificates/{certificate.public_id}/revoke/", {"reason": "key-compromise"}
    )
    fields = _browser_signature(key_file, DIGEST)
    response = signer.client.post("/trust/sign/key-file/", {**fields, "sha256": DIGEST})
    assert response.status_code == 422
    assert "revoked" in _text(response)
    assert Signature.objects.count() == 0


@pytest.mark.parametrize(
    "fields",
    [
        {},  # JavaScript off: the hidden fields stay empty
        {"signature": "!!!", "certificate": "AAAA", "algorithm": "ES256"},
        {"signature": "AAAA", "certificate": "not base64 ***", "algorithm": "ES256"},
        {"signature": "AAAA", "certificate": "MAA=", "algorithm": "ES256"},
        {"signature": "AAAA", "certificate": "AAAA", "algorithm": "HS256"},
    ],
)
def test_bad_key_file_posts_get_a_plain_error(signer: Persona, fields: dict[str, str]) -> None:
    response = signer.client.post("/trust/sign/key-file/", {**fields, "sha256": DIGEST})
    assert response.status_code == 422
    assert "There is a problem" in _text(response)
    assert Signature.objects.count() == 0


# --- my certificates and revocation ---------------------------------------------------------


def test_my_page_lists_my_certificates_and_signatures_only(
    signer: Persona, other: Persona, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    mine = _request_of(_start(signer, django_capture_on_commit_callbacks, description="Mine"))
    _enter(signer, mine, _last_code(PHONES["citizen A"]))
    theirs = _request_of(_start(other, django_capture_on_commit_callbacks, description="Theirs"))
    _enter(other, theirs, _last_code(PHONES["citizen B"]))

    page = _text(signer.client.get("/trust/my/"))
    assert "Mine" in page
    assert "Theirs" not in page
    own = Certificate.objects.get(account=signer.account)
    foreign = Certificate.objects.get(account=other.account)
    assert own.serial in page
    assert foreign.serial not in page
    assert "Kept sealed by the platform" in page


def test_my_page_costs_the_same_queries_however_much_i_signed(
    signer: Persona, django_assert_num_queries: Any
) -> None:
    key_file = _key_file_of(signer)

    def sign(count: int) -> None:
        for n in range(count):
            digest = hashlib.sha256(f"document {n}".encode()).hexdigest()
            fields = _browser_signature(key_file, digest)
            response = signer.client.post("/trust/sign/key-file/", {**fields, "sha256": digest})
            assert response.status_code == 302

    sign(1)
    with CaptureQueriesContext(connection) as few:
        signer.client.get("/trust/my/")
    expected = len(few.captured_queries)  # read now: it is a view of the live query log
    sign(5)
    with django_assert_num_queries(expected):
        page = _text(signer.client.get("/trust/my/"))
    assert page.count("/trust/signatures/") == 6


def test_i_revoke_my_own_certificate(signer: Persona) -> None:
    _key_file_of(signer)
    certificate = Certificate.objects.get(account=signer.account)
    url = f"/trust/my/certificates/{certificate.public_id}/revoke/"
    confirm = signer.client.get(url)
    assert confirm.status_code == 200
    assert "cannot be restored" in _text(confirm)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None  # asking is not doing

    response = signer.client.post(url, {"reason": "key-compromise"})
    assert response.status_code == 302
    assert response["Location"] == "/trust/my/"
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    assert certificate.revocation_reason == "key-compromise"
    page = _text(signer.client.get("/trust/my/"))
    assert "The certificate is revoked." in page
    assert "Revoked on" in page
    assert url not in page  # no second revoke button

    again = signer.client.post(url, {"reason": "cessation-of-operation"})
    assert again.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "key-compromise"


def test_an_unknown_reason_revokes_nothing(signer: Persona) -> None:
    _key_file_of(signer)
    certificate = Certificate.objects.get(account=signer.account)
    url = f"/trust/my/certificates/{certificate.public_id}/revoke/"
    response = signer.client.post(url, {"reason": "privilege-withdrawn"})
    assert response.status_code == 200
    assert "Select a valid choice" in _text(response)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_i_cannot_revoke_somebody_elses_certificate(
    signer: Persona, other: Persona, method: str
) -> None:
    _key_file_of(other)
    certificate = Certificate.objects.get(account=other.account)
    url = f"/trust/my/certificates/{certificate.public_id}/revoke/"
    response = getattr(signer.client, method)(url, {"reason": "key-compromise"})
    assert response.status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


@pytest.mark.parametrize("purpose", ["root", "issuing"])
def test_the_platforms_own_certificates_cannot_be_revoked_here(
    signer: Persona, trust: TrustSetup, purpose: str
) -> None:
    certificate = trust.root if purpose == "root" else trust.issuing
    url = f"/trust/my/certificates/{certificate.public_id}/revoke/"
    assert signer.client.post(url, {"reason": "key-compromise"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


# --- who may open what ----------------------------------------------------------------------

# A fixed id: parameters must be the same in every pytest-xdist worker.
NOBODY = "00000000-0000-4000-8000-000000000000"
PAGES = [
    ("get", "/trust/my/"),
    ("post", "/trust/my/key-file/"),
    ("get", f"/trust/my/certificates/{NOBODY}/revoke/"),
    ("get", "/trust/sign/"),
    ("post", "/trust/sign/"),
    ("post", "/trust/sign/remote/"),
    ("get", f"/trust/sign/remote/{NOBODY}/"),
    ("get", "/trust/sign/key-file/"),
    ("post", "/trust/sign/key-file/"),
    ("get", f"/trust/signatures/{NOBODY}/"),
]


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_signing_pages_send_anonymous_visitors_to_log_in(
    anonymous: Persona, trust: TrustSetup, method: str, path: str
) -> None:
    before = (Certificate.objects.count(), Signature.objects.count())
    response = getattr(anonymous.client, method)(
        path, {"sha256": DIGEST, "password": KEY_FILE_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert (Certificate.objects.count(), Signature.objects.count()) == before


def test_officers_get_key_files_too(officer_x: Persona, trust: TrustSetup) -> None:
    response = _download_key_file(officer_x)
    assert response.status_code == 200
    _, leaf, _ = pkcs12.load_key_and_certificates(response.content, KEY_FILE_PASSWORD.encode())
    assert leaf is not None
    assert leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "officer.x"


def test_a_link_made_elsewhere_cannot_ask_for_a_signature(
    signer: Persona, citizen_b: Persona
) -> None:
    """A phishing page may link to /trust/sign/ with any digest and a soothing description;
    without the link's mac, made for this account, the page shows neither."""
    forged = f"/trust/sign/?sha256={DIGEST}&description=Confirm+your+login"
    assert citizen_b.account is not None
    someone_elses = signing_link(
        account=citizen_b.account, sha256=DIGEST, description="Confirm your login"
    )

    for link in (forged, someone_elses, forged + "&mac=" + "0" * 64):
        response = _english(signer.client).get(link)
        page = _text(response)
        assert response.status_code == 400
        assert 'class="digest"' not in page  # no digest offered for signing
        assert "Confirm your login" not in page
        assert "Send me a code" not in page
        assert "not valid here" in page
