"""The platform CA: set up once, issue with the right names and uses, revoke, trust lists,
and the evidence service other apps use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone

from qyzmet.core.errors import Problem
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import (
    TrustSetup,
    certificate_revoke,
    held_certificate_issue,
    seal_certificate_ensure,
    trust_anchor_import,
    trust_init,
    x509_of,
)
from qyzmet.trust.evidence import evidence_check, evidence_seal
from qyzmet.trust.jws import canonical_json, jws_sign, jws_trust_cache_clear, jws_verify
from qyzmet.trust.models import AnchorKind, Purpose, TrustAnchor
from qyzmet.trust.revocation import crl_build
from qyzmet.trust.validation import certificate_check
from tests.conftest import Persona
from tests.documents.pki import make_pki


def test_init_is_idempotent(trust: TrustSetup) -> None:
    again = trust_init()
    assert not again.created
    assert again.root == trust.root
    assert TrustAnchor.objects.filter(sha256=trust.root.sha256).count() == 2  # CA and TSA lists


def test_a_persons_certificate_names_them_by_iin(trust: TrustSetup, citizen_a: Persona) -> None:
    assert citizen_a.account is not None
    assert citizen_a.person is not None
    certificate = held_certificate_issue(
        account=citizen_a.account, purpose=Purpose.AUTH, algorithm="rsa-2048", actor="t"
    )
    issued = x509_of(certificate)

    serial = issued.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    assert serial == f"IIN{citizen_a.person.iin}"
    assert "ABENOV NURLAN" in issued.subject.rfc4514_string()
    usage = issued.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert certificate_check(issued, at=timezone.now()).trusted


def test_revocation_shows_in_the_crl_and_from_then_on(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    seal = seal_certificate_ensure(agency=agencies["labour"])
    when = timezone.now() - timedelta(minutes=2)
    certificate_revoke(certificate=seal, reason="key-compromise", actor="t", at=when)

    crl = x509.load_der_x509_crl(crl_build(trust.issuing))
    assert crl.is_signature_valid(x509_of(trust.issuing).public_key())  # type: ignore[arg-type]
    entry = crl.get_revoked_certificate_by_serial_number(int(seal.serial, 16))
    assert entry is not None
    assert entry.revocation_date_utc == when.replace(microsecond=0)

    # Signatures made before the revocation stay valid; after it, not.
    assert certificate_check(x509_of(seal), at=when - timedelta(minutes=1)).trusted
    assert certificate_check(x509_of(seal), at=timezone.now()).problems == ("revoked",)
    with pytest.raises(Problem):
        certificate_revoke(certificate=seal, reason="because", actor="t")


def test_an_imported_root_is_trusted_and_can_be_switched_off(trust: TrustSetup) -> None:
    national = make_pki("rsa")
    signer = national.signer.certificate
    assert certificate_check(signer, at=timezone.now(), carried=[national.issuing]).problems == (
        "untrusted",
    )

    anchor = trust_anchor_import(
        data=national.root.public_bytes(serialization.Encoding.PEM),
        kind=AnchorKind.CA,
        name="National CA",
        actor="t",
    )
    assert certificate_check(signer, at=timezone.now(), carried=[national.issuing]).trusted

    TrustAnchor.objects.filter(pk=anchor.pk).update(active=False)
    assert not certificate_check(signer, at=timezone.now(), carried=[national.issuing]).trusted

    with pytest.raises(Problem):  # an end-entity certificate is no trust anchor
        trust_anchor_import(
            data=signer.public_bytes(serialization.Encoding.DER),
            kind=AnchorKind.CA,
            name="x",
            actor="t",
        )


def test_jws_detects_changes_and_untrusted_signers(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    from qyzmet.trust.authority import signing_identity

    payload = canonical_json({"iin": "900101300123", "income": 250_000_00})
    token = jws_sign(
        payload, signer=signing_identity(seal_certificate_ensure(agency=agencies["revenue"]))
    )

    assert jws_verify(token, payload).valid
    assert not jws_verify(token, payload.replace(b"250", b"950")).valid
    foreign = jws_sign(payload, signer=make_pki("ec").signer)
    verdict = jws_verify(foreign, payload)
    assert verdict.facts.intact
    assert not verdict.valid
    assert verdict.check.problems == ("untrusted",)
    jws_trust_cache_clear()


def test_evidence_proves_content_signer_and_time(trust: TrustSetup) -> None:
    record = b'{"request":"population/person","client":"KZ/GOV/labour/benefits"}'
    evidence = evidence_seal(record)

    check = evidence_check(record, evidence)
    assert check.intact, check.problems
    assert "qyzmet platform evidence seal" in check.sealed_by
    assert check.existed_at is not None
    assert abs(check.existed_at - timezone.now()) < timedelta(minutes=1)

    assert evidence_check(record + b" ", evidence).problems == ("digest-mismatch",)
