"""/api/v1/trust: remote signing confirmed by an SMS code, key files and the signatures made
with them, agency systems' signatures, and one's own certificates."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any, get_args

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import Agency
from qyzmet.trust import api as trust_api
from qyzmet.trust.algorithms import ALGORITHMS, algorithm_for_jws
from qyzmet.trust.authority import REVOCATION_REASONS, TrustSetup, system_certificate_issue
from qyzmet.trust.jws import b64url, b64url_decode
from qyzmet.trust.models import Certificate, KeyHolder, Signature, SigningRequest
from qyzmet.trust.timestamps import timestamp_inspect
from tests.api.endpoints import API, json_call, send
from tests.api.problems import assert_problem
from tests.api.snapshots import changes, snapshot
from tests.api.world import signing_code
from tests.conftest import Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

TRUST = f"{API}/trust"
REQUESTS = f"{TRUST}/signing-requests"
PASSWORD = "Құпия сөз – пароль"  # non-ASCII: PKCS#12 must take the password's UTF-8 bytes

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def citizen(trust: TrustSetup, personas: dict[str, Persona]) -> Persona:
    """Citizen A, with a phone to receive codes on."""
    persona = personas["citizen_a"]
    assert persona.account is not None
    persona.account.phone = "+7 701 555 12 34"
    persona.account.save(update_fields=["phone"])
    return persona


def _request(
    persona: Persona, capture: DjangoCaptureOnCommitCallbacks, content: str = "lease"
) -> Response:
    with capture(execute=True):  # the code is texted once the request is committed
        return send(
            persona.client,
            json_call(
                "POST", REQUESTS, {"content_sha256": _digest(content), "description": content}
            ),
        )


def _confirm(persona: Persona, request_id: str, code: str) -> Response:
    return send(
        persona.client, json_call("POST", f"{REQUESTS}/{request_id}/confirm", {"code": code})
    )


def _other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- remote signing --------------------------------------------------------------------


def test_remote_signing_works_once(
    citizen: Persona, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    created = _request(citizen, django_capture_on_commit_callbacks)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sent_to"] == "+7 ••• ••• 12 34"  # as the portal says it (code_destination)
    code = signing_code("+7 701 555 12 34")

    signed = _confirm(citizen, body["id"], code)
    assert signed.status_code == 200, signed.content
    signature = signed.json()
    assert signature["method"] == "remote"
    assert signature["content_sha256"] == _digest("lease")
    assert signature["description"] == "lease"

    # The value verifies with the certificate's key over the 32 digest bytes, and the time
    # stamp covers the value.
    held = Certificate.objects.get(serial=signature["certificate_serial"])
    assert held.account_id == citizen.account.pk  # type: ignore[union-attr]
    assert held.key_holder == KeyHolder.PLATFORM_SEALED
    public_key = x509.load_der_x509_certificate(bytes(held.der)).public_key()
    value = b64url_decode(signature["value"])
    assert algorithm_for_jws(signature["algorithm"]).verify(
        public_key, value, bytes.fromhex(_digest("lease"))
    )
    stamp = timestamp_inspect(base64.b64decode(signature["timestamp_token"]), value)
    assert stamp.intact

    fetched = citizen.client.get(f"{TRUST}/signatures/{signature['id']}")
    assert fetched.json() == signature

    before = snapshot()
    again = assert_problem(_confirm(citizen, body["id"], code), 409)
    assert again["type"] == "urn:qyzmet:problem:code-used"
    assert changes(before, snapshot()) == {}


def test_three_wrong_codes_end_the_request(
    citizen: Persona, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    request_id = _request(citizen, django_capture_on_commit_callbacks).json()["id"]
    code = signing_code("+7 701 555 12 34")
    for attempt in range(1, 4):
        wrong = assert_problem(_confirm(citizen, request_id, _other_code(code)), 422)
        assert wrong["type"] == "urn:qyzmet:problem:code-wrong"
        assert SigningRequest.objects.get(public_id=request_id).failed_attempts == attempt

    locked = assert_problem(_confirm(citizen, request_id, code), 429)
    assert locked["type"] == "urn:qyzmet:problem:code-locked"
    assert not Signature.objects.exists()


def test_an_expired_code_is_gone(
    citizen: Persona, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    request_id = _request(citizen, django_capture_on_commit_callbacks).json()["id"]
    code = signing_code("+7 701 555 12 34")
    SigningRequest.objects.filter(public_id=request_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    gone = assert_problem(_confirm(citizen, request_id, code), 410)
    assert gone["type"] == "urn:qyzmet:problem:code-expired"
    assert not Signature.objects.exists()


def test_the_sixth_request_in_15_minutes_is_refused(
    citizen: Persona, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    for i in range(5):
        assert _request(citizen, django_capture_on_commit_callbacks, f"doc {i}").status_code == 201
    before = snapshot()
    refused = assert_problem(_request(citizen, django_capture_on_commit_callbacks, "doc 5"), 429)
    assert refused["type"] == "urn:qyzmet:problem:rate-limited"
    assert changes(before, snapshot()) == {}

    SigningRequest.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert _request(citizen, django_capture_on_commit_callbacks, "doc 6").status_code == 201


def test_someone_elses_request_is_not_found(
    citizen: Persona,
    personas: dict[str, Persona],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    request_id = _request(citizen, django_capture_on_commit_callbacks).json()["id"]
    code = signing_code("+7 701 555 12 34")
    before = snapshot()
    for name in ("citizen_b", "officer_x", "operator"):
        assert_problem(_confirm(personas[name], request_id, code), 404)
        assert_problem(_confirm(personas[name], request_id, _other_code(code)), 404)
    assert changes(before, snapshot()) == {}
    assert _confirm(citizen, request_id, code).status_code == 200


def test_a_citizen_without_a_phone_is_told(
    trust: TrustSetup,
    personas: dict[str, Persona],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    account = personas["citizen_b"].account
    assert account is not None
    account.phone = ""
    account.save(update_fields=["phone"])
    before = snapshot()
    assert_problem(_request(personas["citizen_b"], django_capture_on_commit_callbacks), 409)
    assert changes(before, snapshot()) == {}


def test_remote_signing_by_token_needs_the_scope(
    citizen: Persona, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    call = json_call("POST", REQUESTS, {"content_sha256": _digest("x"), "description": "x"})
    reader = {"Authorization": f"Bearer {citizen.token('trust:read')}"}
    assert_problem(send(Client(), call, headers=reader), 404)
    signer = {"Authorization": f"Bearer {citizen.token('signatures:submit')}"}
    with django_capture_on_commit_callbacks(execute=True):
        created = send(Client(), call, headers=signer)
    assert created.status_code == 201
    code = signing_code("+7 701 555 12 34")
    confirm = json_call("POST", f"{REQUESTS}/{created.json()['id']}/confirm", {"code": code})
    assert send(Client(), confirm, headers=signer).status_code == 200


# --- key files -------------------------------------------------------------------------


def _key_file(persona: Persona, algorithm: str = "ecdsa-p256") -> tuple[dict[str, Any], Any]:
    response = send(
        persona.client,
        json_call("POST", f"{TRUST}/key-files", {"password": PASSWORD, "algorithm": algorithm}),
    )
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    key, certificate, chain = pkcs12.load_key_and_certificates(
        base64.b64decode(body["key_file"]), PASSWORD.encode()
    )
    assert certificate is not None
    assert format(certificate.serial_number, "x") == body["certificate"]["serial"]
    assert len(chain) == 2  # issuing CA and root
    return body, key


def _sign(key: PrivateKey, digest: bytes) -> tuple[str, bytes]:
    """What a signer's own software does: sign the 32 digest bytes, JWS-style."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(digest, ec.ECDSA(hashes.SHA256())))
        return "ES256", r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256", key.sign(digest, padding.PKCS1v15(), hashes.SHA256())
    return "EdDSA", key.sign(digest)


def _submission(key: PrivateKey, certificate_der: bytes, content: str) -> dict[str, str]:
    digest = hashlib.sha256(content.encode()).digest()
    algorithm, value = _sign(key, digest)
    return {
        "content_sha256": digest.hex(),
        "algorithm": algorithm,
        "value": b64url(value),
        "certificate": base64.b64encode(certificate_der).decode(),
        "description": content,
    }


def _der(body: dict[str, Any]) -> bytes:
    return bytes(Certificate.objects.get(serial=body["certificate"]["serial"]).der)


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_a_key_file_signs(citizen: Persona, algorithm: str) -> None:
    body, key = _key_file(citizen, algorithm)
    certificate = body["certificate"]
    assert certificate["purpose"] == "sign"
    assert certificate["algorithm"] == algorithm
    assert certificate["key_holder"] == "subject"
    assert "IIN" in certificate["subject"]
    stored = Certificate.objects.get(serial=certificate["serial"])
    assert stored.sealed_key is None  # the platform never had the key

    submitted = send(
        citizen.client,
        json_call("POST", f"{TRUST}/signatures", _submission(key, _der(body), "contract")),
    )
    assert submitted.status_code == 201, submitted.content
    signature = submitted.json()
    assert signature["method"] == "key-file"
    assert signature["certificate_serial"] == certificate["serial"]
    assert signature["content_sha256"] == _digest("contract")
    assert signature["timestamp_token"]
    assert citizen.client.get(f"{TRUST}/signatures/{signature['id']}").json() == signature


def test_a_key_file_is_issued_from_a_session_only(citizen: Persona) -> None:
    token = citizen.token("trust:read", "signatures:submit")
    call = json_call("POST", f"{TRUST}/key-files", {"password": PASSWORD})
    before = snapshot()
    assert_problem(send(Client(), call, token=token), 401)
    assert changes(before, snapshot()) == {}


def test_a_signature_by_someone_elses_certificate_is_refused(
    citizen: Persona, personas: dict[str, Persona]
) -> None:
    mine, my_key = _key_file(citizen)
    other = personas["citizen_b"]
    _, their_key = _key_file(other)

    before = snapshot()
    for submission in (
        _submission(my_key, _der(mine), "lease"),  # my signature, sent by them
        _submission(their_key, _der(mine), "lease"),  # their key, my certificate
    ):
        refused = send(other.client, json_call("POST", f"{TRUST}/signatures", submission))
        assert assert_problem(refused, 422)["type"] == "urn:qyzmet:problem:foreign-certificate"
    assert changes(before, snapshot()) == {}


def test_a_signature_that_does_not_verify_is_refused(citizen: Persona) -> None:
    body, key = _key_file(citizen)
    submission = _submission(key, _der(body), "lease")
    submission["content_sha256"] = _digest("another lease")
    refused = send(citizen.client, json_call("POST", f"{TRUST}/signatures", submission))
    assert assert_problem(refused, 422)["type"] == "urn:qyzmet:problem:bad-signature"


def test_a_revoked_certificate_signs_no_more(citizen: Persona) -> None:
    body, key = _key_file(citizen)
    serial = body["certificate"]["serial"]
    revoke = json_call(
        "POST", f"{TRUST}/certificates/{serial.upper()}/revoke", {"reason": "key-compromise"}
    )
    revoked = send(citizen.client, revoke)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert AuditEntry.objects.filter(action="trust.certificate.revoke", object_id=serial).exists()

    listed = {c["serial"]: c for c in citizen.client.get(f"{TRUST}/certificates").json()}
    assert listed[serial]["revoked_at"] == revoked.json()["revoked_at"]

    refused = send(
        citizen.client, json_call("POST", f"{TRUST}/signatures", _submission(key, _der(body), "x"))
    )
    assert assert_problem(refused, 422)["type"] == "urn:qyzmet:problem:certificate-not-trusted"

    before = snapshot()
    assert send(citizen.client, revoke).json()["revoked_at"] == revoked.json()["revoked_at"]
    assert changes(before, snapshot()) == {}


def test_certificates_list_only_mine_and_is_pinned(
    citizen: Persona,
    personas: dict[str, Persona],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    serials = {_key_file(citizen)[0]["certificate"]["serial"] for _ in range(3)}
    with django_assert_max_num_queries(6 + 1):
        listed = citizen.client.get(f"{TRUST}/certificates").json()
    assert {c["serial"] for c in listed} == serials
    assert personas["citizen_b"].client.get(f"{TRUST}/certificates").json() == []
    assert personas["operator"].client.get(f"{TRUST}/certificates").json() == []


# --- agency systems --------------------------------------------------------------------


def _system_key(agency: Agency) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """An agency system's own key, and the SEAL certificate the platform issued for it."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "system")]))
        .sign(key, hashes.SHA256())
    )
    certificate = system_certificate_issue(
        agency=agency, csr_pem=csr.public_bytes(serialization.Encoding.PEM), actor="test"
    )
    return key, bytes(certificate.der)


def test_an_officer_records_their_agencys_system_signature(
    trust: TrustSetup, personas: dict[str, Persona], agencies: dict[str, Agency]
) -> None:
    key, der = _system_key(agencies["internal-affairs"])
    submission = _submission(key, der, "registry extract 42")
    call = json_call("POST", f"{TRUST}/signatures", submission)
    officer_x = personas["officer_x"].token("signatures:submit", "trust:read")
    officer_y = personas["officer_y"].token("signatures:submit", "trust:read")
    unscoped = personas["officer_x"].token("trust:read")

    recorded = send(Client(), call, token=officer_x)
    assert recorded.status_code == 201, recorded.content
    signature = recorded.json()
    assert signature["method"] == "system"
    assert signature["timestamp_token"]
    stored = Signature.objects.select_related("certificate__agency").get(public_id=signature["id"])
    assert stored.certificate.agency == agencies["internal-affairs"]
    # The answer is the receipt: an officer reads back only signatures of their own account.
    path = f"{TRUST}/signatures/{signature['id']}"
    assert_problem(Client().get(path, headers={"Authorization": f"Bearer {officer_x}"}), 404)

    before = snapshot()
    refused = send(Client(), call, token=officer_y)
    assert assert_problem(refused, 422)["type"] == "urn:qyzmet:problem:foreign-certificate"
    assert_problem(Client().get(path, headers={"Authorization": f"Bearer {officer_y}"}), 404)
    assert_problem(send(Client(), call, token=unscoped), 404)
    named = json_call("POST", f"{TRUST}/signatures", {**submission, "agency": "labour"})
    assert assert_problem(send(Client(), named, token=officer_x), 422)["type"] == (
        "urn:qyzmet:problem:not-a-member"
    )
    assert changes(before, snapshot()) == {}


def test_a_citizen_cannot_sign_for_an_agency(citizen: Persona, agencies: dict[str, Agency]) -> None:
    key, der = _system_key(agencies["internal-affairs"])
    for extra in ({}, {"agency": "internal-affairs"}):
        submission = {**_submission(key, der, "x"), **extra}
        refused = send(citizen.client, json_call("POST", f"{TRUST}/signatures", submission))
        assert_problem(refused, 422)


def test_the_schema_names_every_algorithm_and_reason() -> None:
    assert set(get_args(trust_api.KeyAlgorithm)) == set(ALGORITHMS)
    assert set(get_args(trust_api.RevocationReason)) == set(REVOCATION_REASONS)
