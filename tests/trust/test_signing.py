"""Remote signing needs the one-time code; a code works once, expires, and is rate-limited."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone

from qyzmet.core.delivery import simulated_messages
from qyzmet.core.errors import Problem
from qyzmet.trust.algorithms import algorithm_named
from qyzmet.trust.authority import TrustSetup, key_file_issue, x509_of
from qyzmet.trust.models import KeyHolder, Purpose, Signature, SigningRequest
from qyzmet.trust.signing import (
    CODE_ATTEMPTS,
    REQUESTS_PER_WINDOW,
    signature_record,
    signing_request_confirm,
    signing_request_create,
)
from qyzmet.trust.timestamps import timestamp_inspect
from tests.conftest import Persona

DIGEST = hashlib.sha256(b"application for an address certificate").hexdigest()


def _request(persona: Persona) -> tuple[SigningRequest, str]:
    assert persona.account is not None
    request = signing_request_create(
        account=persona.account, content_sha256=DIGEST, description="Address certificate"
    )
    messages = simulated_messages("sms", to=persona.account.phone)
    code = re.search(r"\b(\d{6})\b", messages[-1].text)
    assert code is not None
    return request, code.group(1)


def _refusal(request: SigningRequest, code: str) -> Problem:
    with pytest.raises(Problem) as refused:
        signing_request_confirm(request=request, code=code)
    return refused.value


@pytest.mark.django_db(transaction=True)  # the code is sent on commit
def test_the_code_signs_once_with_the_held_key(trust: TrustSetup, citizen_a: Persona) -> None:
    request, code = _request(citizen_a)

    signature = signing_request_confirm(request=request, code=code)

    certificate = x509_of(signature.certificate)
    assert signature.certificate.key_holder == KeyHolder.PLATFORM_SEALED
    assert signature.certificate.purpose == Purpose.SIGN
    assert signature.certificate.account == citizen_a.account
    assert algorithm_named("ecdsa-p256").verify(
        certificate.public_key(), bytes(signature.value), bytes.fromhex(DIGEST)
    )
    stamp = timestamp_inspect(bytes(signature.timestamp_token or b""), bytes(signature.value))
    assert stamp.intact
    assert abs(stamp.time - signature.signed_at) < timedelta(seconds=5)
    assert _refusal(request, code).code == "code-used"
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_signature_without_the_right_code(trust: TrustSetup, citizen_a: Persona) -> None:
    request, code = _request(citizen_a)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for _ in range(CODE_ATTEMPTS):
        assert _refusal(request, wrong).code == "code-wrong"
    # Locked now: even the right code is refused.
    assert _refusal(request, code).code == "code-locked"
    assert not Signature.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_expired_code_is_refused(trust: TrustSetup, citizen_a: Persona) -> None:
    request, code = _request(citizen_a)
    SigningRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())

    assert _refusal(request, code).code == "code-expired"
    assert not Signature.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_signing_requests_are_rate_limited(trust: TrustSetup, citizen_a: Persona) -> None:
    for _ in range(REQUESTS_PER_WINDOW):
        _request(citizen_a)
    with pytest.raises(Problem) as refused:
        _request(citizen_a)
    assert refused.value.status == 429
    # Older requests fall out of the window.
    SigningRequest.objects.update(created_at=timezone.now() - timedelta(hours=1))
    _request(citizen_a)


@pytest.mark.django_db(transaction=True)
def test_a_code_sent_to_one_person_does_not_sign_for_another(
    trust: TrustSetup, citizen_a: Persona, citizen_b: Persona
) -> None:
    request_a, _code_a = _request(citizen_a)
    _request_b, code_b = _request(citizen_b)

    assert _refusal(request_a, code_b).code == "code-wrong"


def test_a_key_file_signature_is_recorded_only_for_its_owner(
    trust: TrustSetup, citizen_a: Persona, citizen_b: Persona
) -> None:
    assert citizen_a.account is not None
    assert citizen_b.account is not None
    certificate, key_file = key_file_issue(
        account=citizen_a.account, password="a long password", algorithm="ecdsa-p256", actor="t"
    )
    key, cert, _chain = pkcs12.load_key_and_certificates(key_file, b"a long password")
    assert cert is not None
    assert key is not None
    value = algorithm_named("ecdsa-p256").sign(key, bytes.fromhex(DIGEST))  # type: ignore[arg-type]
    der = bytes(certificate.der)

    with pytest.raises(Problem) as foreign:
        signature_record(
            certificate_der=der, algorithm="ES256", value=value, content_sha256=DIGEST,
            description="x", account=citizen_b.account,
        )  # fmt: skip
    assert foreign.value.code == "foreign-certificate"

    with pytest.raises(Problem) as forged:
        signature_record(
            certificate_der=der, algorithm="ES256", value=value,
            content_sha256=hashlib.sha256(b"something else").hexdigest(),
            description="x", account=citizen_a.account,
        )  # fmt: skip
    assert forged.value.code == "bad-signature"

    signature = signature_record(
        certificate_der=der, algorithm="ES256", value=value, content_sha256=DIGEST,
        description="x", account=citizen_a.account,
    )  # fmt: skip
    assert signature.certificate == certificate
    assert certificate.key_holder == KeyHolder.SUBJECT
    assert certificate.sealed_key is None


def test_key_files_are_rate_limited(trust: TrustSetup, citizen_a: Persona) -> None:
    from qyzmet.trust.authority import KEY_FILES_PER_WINDOW

    assert citizen_a.account is not None
    for _ in range(KEY_FILES_PER_WINDOW):
        key_file_issue(
            account=citizen_a.account, password="a long password", algorithm="ecdsa-p256", actor="t"
        )
    with pytest.raises(Problem) as refused:
        key_file_issue(
            account=citizen_a.account, password="a long password", algorithm="ecdsa-p256", actor="t"
        )
    assert refused.value.status == 429
