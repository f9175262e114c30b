"""Every format, every kind of bad signer, and tampering: each is caught with its reason."""

from __future__ import annotations

import pytest

from qyzmet.documents.formats.xades import xades_sign
from qyzmet.documents.models import DocumentFormat
from qyzmet.documents.services import document_content, document_issue
from qyzmet.documents.verification import verify_bytes
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup, certificate_revoke, signing_identity
from qyzmet.trust.timestamps import platform_timestamper
from tests import factories
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

BAD_SIGNERS: tuple[Signer, ...] = ("foreign", "expired", "revoked")


@pytest.mark.parametrize("kind", FORMATS)
def test_a_platform_signature_is_valid_and_tampering_is_reported(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format
) -> None:
    data, content = signed_file(kind, signer_identity("good", agencies["internal-affairs"]))

    report = verify_bytes(data, content=content)
    assert report.valid, report.messages()
    assert report.signatures[0].signer == "Ministry of Internal Affairs"
    assert report.signatures[0].chain[-1].subject == "CN=qyzmet Root CA,O=qyzmet,C=KZ"

    changed = verify_bytes(
        tampered(data, kind), content=tampered_content(content) if content else None
    )
    assert not changed.valid
    codes = {c for s in changed.signatures for c in s.problems} | set(changed.problems)
    assert codes & {"digest-mismatch", "bad-signature-value", "content-after-signature"}, codes


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("signer", BAD_SIGNERS)
def test_a_bad_signer_is_reported_with_the_reason(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format, signer: Signer
) -> None:
    data, content = signed_file(kind, signer_identity(signer, agencies["internal-affairs"]))

    report = verify_bytes(data, content=content)

    assert not report.valid
    assert report.signatures, report.problems
    assert EXPECTED_PROBLEM[signer] in report.signatures[0].problems


def test_an_xml_document_stays_valid_after_its_seal_is_revoked(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    person = factories.person()
    document = document_issue(
        kind="population-extract",
        format=DocumentFormat.XML,
        owner=person,
        agency=agencies["internal-affairs"],
        language="en",
        title="Extract",
        context={"iin": person.iin, "full_name": "Sadykov Arman"},
        actor="test",
    )
    seal = certificate_revoke(certificate=document.signed_by, reason="superseded", actor="test")
    xml = document_content(document)

    # The time stamp proves the seal was good when the document was sealed.
    report = verify_bytes(xml)
    assert report.valid, report.messages()
    (signature,) = report.signatures
    assert signature.time_proven
    assert signature.revoked_at == seal.revoked_at
    assert signature.signed_at is not None
    assert seal.revoked_at is not None
    assert signature.signed_at < seal.revoked_at

    # The same seal, used after its revocation: the time stamp proves that too.
    late = xades_sign(
        b"<Extract><Name>Test</Name></Extract>",
        signer=signing_identity(seal),
        timestamper=platform_timestamper(),
    )
    report = verify_bytes(late)
    assert not report.valid
    assert report.signatures[0].time_proven
    assert report.signatures[0].problems == ("revoked",)


def test_an_xml_document_with_a_time_stamp_of_another_document_is_reported(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    seal = signer_identity("good", agencies["internal-affairs"])
    xml = b"<Extract><Name>Test</Name></Extract>"
    signed = xades_sign(xml, signer=seal, timestamper=platform_timestamper())
    donor = xades_sign(xml, signer=seal, timestamper=platform_timestamper())

    def token(data: bytes) -> bytes:
        return data.split(b"EncapsulatedTimeStamp>")[1].removesuffix(b"</xades:")

    report = verify_bytes(signed.replace(token(signed), token(donor)))
    assert not report.valid
    assert report.signatures[0].problems == ("timestamp-damaged",)
