"""Logging in with an AUTH key file: the service (certificate, account, challenge, lock)
and the /login/key-file/ page, with signatures made here in Python as the browser makes
them (keyfile-sign.js)."""

from __future__ import annotations

import base64
import html
import importlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django.utils import timezone, translation

from qyzmet.core.errors import Problem
from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import Account
from qyzmet.identity.services import MAX_FAILED_LOGINS
from qyzmet.portal.views import PENDING_LOGIN
from qyzmet.trust import login
from qyzmet.trust.algorithms import algorithm_named, algorithm_of_key
from qyzmet.trust.authority import (
    TrustSetup,
    ca_certificate,
    certificate_issue,
    certificate_revoke,
    held_certificate_issue,
    key_file_issue,
    signing_identity,
    subject_of_account,
    x509_of,
)
from qyzmet.trust.login import (
    login_by_certificate,
    login_challenge_issue,
    login_challenge_take,
)
from qyzmet.trust.models import Certificate, KeyHolder, Purpose
from qyzmet.trust.signer import SigningKey
from tests.api.endpoints import json_call, send
from tests.conftest import Persona
from tests.documents.pki import make_pki

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

KEY_FILE_PASSWORD = "a long key file password"


@pytest.fixture(autouse=True)
def _pki(trust: TrustSetup) -> TrustSetup:
    """Every test here needs the platform's CAs."""
    return trust


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Refusals in English for the service tests (pages follow the language cookie)."""
    with translation.override("en"):
        yield


def _account(persona: Persona) -> Account:
    assert persona.account is not None
    return persona.account


def _key_file(
    account: Account, purpose: Purpose = Purpose.AUTH, algorithm: str = "ecdsa-p256"
) -> tuple[Certificate, SigningKey]:
    """A key file issued as people get theirs, opened with its password."""
    certificate, key_file = key_file_issue(
        account=account,
        password=KEY_FILE_PASSWORD,
        algorithm=algorithm,
        actor="test",
        purpose=purpose,
    )
    key, leaf, _ = pkcs12.load_key_and_certificates(key_file, KEY_FILE_PASSWORD.encode())
    assert leaf is not None
    assert leaf.public_bytes(serialization.Encoding.DER) == bytes(certificate.der)
    assert key is not None
    return certificate, key  # type: ignore[return-value]


def _proof(key: SigningKey, certificate: x509.Certificate, challenge: bytes) -> dict[str, Any]:
    """The service's arguments for a signature of ``challenge`` made with ``key``."""
    algorithm = algorithm_of_key(key)
    return {
        "challenge": challenge,
        "certificate_der": certificate.public_bytes(serialization.Encoding.DER),
        "algorithm": algorithm.jws,
        "value": algorithm.sign(key, challenge),
    }


def _refused(**proof: Any) -> Problem:
    with pytest.raises(Problem) as refused:
        login_by_certificate(**proof)
    return refused.value


def _session() -> SessionBase:
    store: type[SessionBase] = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    return store()


CHALLENGE = bytes(range(32))


# --- issuing a login key file -------------------------------------------------------------


def test_a_login_key_file_holds_a_client_auth_certificate(citizen_a: Persona) -> None:
    certificate, _ = _key_file(_account(citizen_a))
    assert certificate.purpose == Purpose.AUTH
    assert certificate.key_holder == KeyHolder.SUBJECT
    usages = x509_of(certificate).extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert list(usages.value) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_only_auth_and_sign_key_files_are_issued(citizen_a: Persona) -> None:
    with pytest.raises(Problem) as refused:
        key_file_issue(
            account=_account(citizen_a),
            password=KEY_FILE_PASSWORD,
            algorithm="ecdsa-p256",
            actor="test",
            purpose=Purpose.SEAL,
        )
    assert refused.value.status == 422
    assert not Certificate.objects.filter(account=citizen_a.account).exists()


# --- the service ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["ecdsa-p256", "rsa-2048"])
def test_an_auth_key_file_logs_its_holder_in(citizen_a: Persona, algorithm: str) -> None:
    account = _account(citizen_a)
    Account.objects.filter(pk=account.pk).update(failed_logins=2)
    certificate, key = _key_file(account, algorithm=algorithm)

    assert login_by_certificate(**_proof(key, x509_of(certificate), CHALLENGE)) == account

    account.refresh_from_db()
    assert account.failed_logins == 0  # as a right password resets the count


def test_a_signing_key_file_does_not_log_in(citizen_a: Persona) -> None:
    certificate, key = _key_file(_account(citizen_a), purpose=Purpose.SIGN)
    refused = _refused(**_proof(key, x509_of(certificate), CHALLENGE))
    assert (refused.status, refused.code) == (403, "not-for-login")
    assert "for signing, not for logging in" in refused.detail
    assert _account(citizen_a).failed_logins == 0


def test_another_cas_certificate_does_not_log_in(citizen_a: Persona) -> None:
    """A chain the trust list does not hold, even naming the person and allowing clientAuth."""
    foreign = make_pki("ec").signer
    refused = _refused(**_proof(foreign.private_key, foreign.certificate, CHALLENGE))
    assert (refused.status, refused.code) == (403, "unknown-certificate")


def test_a_platform_held_auth_key_does_not_log_in(citizen_a: Persona) -> None:
    """Only a key in a person's key file proves that person; the platform's copy proves nothing."""
    held = held_certificate_issue(
        account=_account(citizen_a), purpose=Purpose.AUTH, algorithm="ecdsa-p256", actor="test"
    )
    identity = signing_identity(held)
    refused = _refused(**_proof(identity.private_key, identity.certificate, CHALLENGE))
    assert refused.code == "unknown-certificate"


def test_a_revoked_key_file_does_not_log_in(citizen_a: Persona) -> None:
    certificate, key = _key_file(_account(citizen_a))
    certificate_revoke(certificate=certificate, reason="key-compromise", actor="test")
    refused = _refused(**_proof(key, x509_of(certificate), CHALLENGE))
    assert (refused.status, refused.code) == (403, "certificate-revoked")
    assert "revoked" in refused.detail


def test_an_expired_key_file_does_not_log_in(citizen_a: Persona) -> None:
    account = _account(citizen_a)
    key = algorithm_named("ecdsa-p256").generate()
    now = timezone.now()
    certificate = certificate_issue(
        purpose=Purpose.AUTH,
        subject=subject_of_account(account),
        public_key=key.public_key(),
        key_holder=KeyHolder.SUBJECT,
        issuer=ca_certificate(Purpose.ISSUING_CA),
        account=account,
        not_before=now - timedelta(days=400),
        not_after=now - timedelta(days=35),
    )
    refused = _refused(**_proof(key, x509_of(certificate), CHALLENGE))
    assert (refused.status, refused.code) == (403, "certificate-expired")


def test_a_wrong_signature_is_refused_and_counted(citizen_a: Persona) -> None:
    certificate, key = _key_file(_account(citizen_a))
    other_challenge = bytes(32)
    proof = _proof(key, x509_of(certificate), other_challenge) | {"challenge": CHALLENGE}

    refused = _refused(**proof)

    assert (refused.status, refused.code) == (403, "bad-signature")
    assert Account.objects.get(pk=_account(citizen_a).pk).failed_logins == 1


def test_someone_elses_key_cannot_sign_for_a_certificate(
    citizen_a: Persona, citizen_b: Persona
) -> None:
    mine, _ = _key_file(_account(citizen_a))
    _, their_key = _key_file(_account(citizen_b))
    refused = _refused(**_proof(their_key, x509_of(mine), CHALLENGE))
    assert refused.code == "bad-signature"


def test_wrong_signatures_lock_the_account_and_a_locked_account_is_refused(
    citizen_a: Persona,
) -> None:
    account = _account(citizen_a)
    certificate, key = _key_file(account)
    good = _proof(key, x509_of(certificate), CHALLENGE)
    for _ in range(MAX_FAILED_LOGINS):
        assert _refused(**(good | {"value": b"\x01" * 64})).code == "bad-signature"

    account.refresh_from_db()
    assert account.locked_until is not None
    assert account.locked_until > timezone.now()
    assert AuditEntry.objects.filter(action="account.lock").count() == 1

    refused = _refused(**good)  # even the right signature, while locked
    assert (refused.status, refused.code) == (429, "locked")
    assert "locked for 15 minutes" in refused.detail


def test_a_closed_account_cannot_log_in(citizen_a: Persona) -> None:
    account = _account(citizen_a)
    certificate, key = _key_file(account)
    Account.objects.filter(pk=account.pk).update(is_active=False)
    assert _refused(**_proof(key, x509_of(certificate), CHALLENGE)).code == "account-inactive"


@pytest.mark.parametrize(
    ("change", "code"),
    [({"certificate_der": b"not DER"}, "unreadable"), ({"algorithm": "HS256"}, "unreadable")],
)
def test_unreadable_input_is_a_422(citizen_a: Persona, change: dict[str, Any], code: str) -> None:
    certificate, key = _key_file(_account(citizen_a))
    refused = _refused(**(_proof(key, x509_of(certificate), CHALLENGE) | change))
    assert (refused.status, refused.code) == (422, code)


# --- challenges ----------------------------------------------------------------------------


def test_a_challenge_is_32_random_bytes_and_works_once(citizen_a: Persona) -> None:
    session = _session()
    issued = login_challenge_issue(session)
    assert re.fullmatch(r"[0-9a-f]{64}", issued)
    assert login_challenge_issue(_session()) != issued

    challenge = login_challenge_take(session)
    assert challenge == bytes.fromhex(issued)
    certificate, key = _key_file(_account(citizen_a))
    proof = _proof(key, x509_of(certificate), challenge)
    assert login_by_certificate(**proof) == citizen_a.account

    # Replayed: the session has no challenge any more, so the same signature gets nowhere.
    with pytest.raises(Problem) as replayed:
        login_challenge_take(session)
    assert (replayed.value.status, replayed.value.code) == (403, "challenge-expired")


def test_a_new_challenge_replaces_the_old_one(citizen_a: Persona) -> None:
    session = _session()
    first = login_challenge_issue(session)
    second = login_challenge_issue(session)
    assert login_challenge_take(session) == bytes.fromhex(second) != bytes.fromhex(first)


@pytest.mark.parametrize(
    ("after", "works"),
    [(timedelta(minutes=1, seconds=50), True), (timedelta(minutes=2, seconds=1), False)],
)
def test_a_challenge_expires_after_two_minutes(
    monkeypatch: pytest.MonkeyPatch, after: timedelta, works: bool
) -> None:
    session = _session()
    issued = login_challenge_issue(session)
    later = timezone.now() + after
    monkeypatch.setattr(login.timezone, "now", lambda: later)
    if works:
        assert login_challenge_take(session).hex() == issued
    else:
        with pytest.raises(Problem) as expired:
            login_challenge_take(session)
        assert expired.value.code == "challenge-expired"
    assert login.CHALLENGE_SESSION_KEY not in session  # taken out either way


def test_a_session_without_a_challenge_is_refused() -> None:
    with pytest.raises(Problem) as missing:
        login_challenge_take(_session())
    assert missing.value.code == "challenge-expired"


# --- the page ------------------------------------------------------------------------------


def _client(language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _text(response: Response) -> str:
    return html.unescape(response.content.decode())


def _challenge_of(page: str) -> bytes:
    found = re.search(r'data-challenge="([0-9a-f]{64})"', page)
    assert found is not None
    return bytes.fromhex(found.group(1))


def _browser_post(key: SigningKey, certificate: Certificate, challenge: bytes) -> dict[str, str]:
    """What keyfile-sign.js posts: base64url signature (ECDSA r||s), base64 DER, JWS name."""
    algorithm = algorithm_of_key(key)
    return {
        "signature": base64.urlsafe_b64encode(algorithm.sign(key, challenge)).decode().rstrip("="),
        "certificate": base64.b64encode(bytes(certificate.der)).decode(),
        "algorithm": algorithm.jws,
    }


def _log_in(
    client: Client, key: SigningKey, certificate: Certificate, query: str = "", **extra: str
) -> Response:
    page = _text(client.get(f"/login/key-file/{query}"))
    response: Response = client.post(
        "/login/key-file/", {**_browser_post(key, certificate, _challenge_of(page)), **extra}
    )
    return response


def test_the_login_page_links_to_the_key_file_page(anonymous: Persona) -> None:
    page = _text(_client().get("/login/?next=/trust/my/"))
    assert '<a href="/login/key-file/?next=/trust/my/">Log in with a key file</a>' in page


def test_the_key_file_page_signs_in_the_browser_and_says_it_needs_javascript(
    anonymous: Persona,
) -> None:
    client = _client()
    response = client.get("/login/key-file/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    page = _text(response)
    challenge = _challenge_of(page)
    assert client.session[login.CHALLENGE_SESSION_KEY]["challenge"] == challenge.hex()
    assert "data-keyfile-sign" in page
    assert "/static/trust/keyfile-sign.js" in page
    noscript = re.search(r"<noscript>(.*?)</noscript>", page, re.S)
    assert noscript is not None
    assert "needs JavaScript" in noscript.group(1)
    # The file and its password are never named form fields: a browser cannot post them.
    assert 'name="keyfile' not in page


def test_a_citizen_logs_in_with_a_key_file(citizen_a: Persona) -> None:
    account = _account(citizen_a)
    certificate, key = _key_file(account)
    client = _client()

    response = _log_in(client, key, certificate)

    assert response.status_code == 302
    assert response["Location"] == "/my-data/"
    assert client.session[SESSION_KEY] == str(account.pk)
    assert login.CHALLENGE_SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="account.login", object_id=str(account.public_id))
    assert client.get("/my-data/").status_code == 200


def test_an_officer_needs_no_code_after_a_key_file(officer_x: Persona) -> None:
    account = _account(officer_x)
    certificate, key = _key_file(account)
    client = _client()

    response = _log_in(client, key, certificate)

    assert response.status_code == 302
    assert response["Location"] == "/office/"  # officers land on their queue
    assert client.session[SESSION_KEY] == str(account.pk)
    assert PENDING_LOGIN not in client.session


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/trust/my/", "/trust/my/"),
        ("/documents/?tab=mine", "/documents/?tab=mine"),
        ("https://evil.example/", "/my-data/"),
        ("//evil.example/", "/my-data/"),
        ("javascript:alert(1)", "/my-data/"),
    ],
)
def test_next_is_honoured_only_for_local_urls(
    citizen_a: Persona, next_url: str, lands_on: str
) -> None:
    certificate, key = _key_file(_account(citizen_a))
    response = _log_in(_client(), key, certificate, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_next_from_the_query_string_reaches_the_form(citizen_a: Persona) -> None:
    page = _text(_client().get("/login/key-file/?next=/trust/my/"))
    assert '<input type="hidden" name="next" value="/trust/my/">' in page
    page = _text(_client().get("/login/key-file/?next=https://evil.example/"))
    assert 'name="next" value="https://evil.example/"' not in page
    assert '<a href="/login/">' in page  # the way back to the password form drops it too


def test_a_replayed_post_is_refused(citizen_a: Persona) -> None:
    certificate, key = _key_file(_account(citizen_a))
    client = _client()
    page = _text(client.get("/login/key-file/"))
    posted = _browser_post(key, certificate, _challenge_of(page))
    assert client.post("/login/key-file/", posted).status_code == 302
    client.post("/logout/")

    replayed = client.post("/login/key-file/", posted)

    assert replayed.status_code == 403
    assert "The login page was open too long" in _text(replayed)
    assert SESSION_KEY not in client.session


def test_a_refusal_is_shown_and_a_new_challenge_given(citizen_a: Persona) -> None:
    certificate, key = _key_file(_account(citizen_a), purpose=Purpose.SIGN)
    client = _client("ru")
    page = _text(client.get("/login/key-file/"))
    first = _challenge_of(page)

    response = client.post("/login/key-file/", _browser_post(key, certificate, first))

    assert response.status_code == 403
    page = _text(response)
    assert "Этот файл ключа предназначен для подписи, а не для входа." in page
    assert _challenge_of(page) != first
    assert SESSION_KEY not in client.session


def test_without_javascript_nothing_is_sent_and_the_page_says_so(citizen_a: Persona) -> None:
    client = _client()
    client.get("/login/key-file/")
    response = client.post(
        "/login/key-file/", {"signature": "", "certificate": "", "algorithm": ""}
    )
    assert response.status_code == 422
    assert "Logging in with a key file needs JavaScript" in _text(response)
    assert SESSION_KEY not in client.session


# --- getting a login key file --------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [("auth", Purpose.AUTH), ("sign", Purpose.SIGN), (None, Purpose.SIGN)],
)
def test_the_key_file_page_issues_either_purpose_and_names_the_file_so(
    citizen_a: Persona, chosen: str | None, expected: Purpose
) -> None:
    page = _text(citizen_a.client.get("/trust/my/"))
    assert re.search(r'<input type="radio" name="purpose" value="sign"[^>]*checked', page)
    assert 'name="purpose" value="auth"' in page
    form = {
        "password": KEY_FILE_PASSWORD,
        "password_again": KEY_FILE_PASSWORD,
        "algorithm": "ecdsa-p256",
    } | ({"purpose": chosen} if chosen else {})
    response = citizen_a.client.post("/trust/my/key-file/", form)
    assert response.status_code == 200
    certificate = Certificate.objects.get(account=citizen_a.account)
    assert certificate.purpose == expected
    assert response["Content-Disposition"] == (
        f'attachment; filename="qyzmet-{expected.value}-{certificate.serial}.p12"'
    )


def test_the_key_file_api_issues_a_login_key_file(citizen_a: Persona) -> None:
    call = json_call(
        "POST",
        "/api/v1/trust/key-files",
        {"password": KEY_FILE_PASSWORD, "purpose": "auth"},
    )
    response = send(citizen_a.client, call)
    assert response.status_code == 201
    body = response.json()
    assert body["certificate"]["purpose"] == "auth"
    key, leaf, _ = pkcs12.load_key_and_certificates(
        base64.b64decode(body["key_file"]), KEY_FILE_PASSWORD.encode()
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert leaf is not None
    assert login_by_certificate(**_proof(key, leaf, CHALLENGE)) == citizen_a.account


def test_the_key_file_api_refuses_an_unknown_purpose(citizen_a: Persona) -> None:
    call = json_call(
        "POST", "/api/v1/trust/key-files", {"password": KEY_FILE_PASSWORD, "purpose": "seal"}
    )
    assert send(citizen_a.client, call).status_code == 422
    assert not Certificate.objects.filter(account=citizen_a.account).exists()
