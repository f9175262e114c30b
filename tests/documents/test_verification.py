"""Every format, every kind of bad signer, and tampering: each is caught with its reason."""

from __future__ import annotations

import asyncio
import base64
import inspect
import re
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from signxml import DigestAlgorithm, SignatureMethod
from signxml.algorithms import CanonicalizationMethod
from signxml.xades.xades import XAdESSigner

from qyzmet.documents.formats.cms import pyhanko_signer_for
from qyzmet.documents.formats.xades import xades_sign
from qyzmet.documents.models import DocumentFormat
from qyzmet.documents.services import document_content, document_issue
from qyzmet.documents.verification import PROBLEMS, verify_bytes
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import (
    TrustSetup,
    ca_certificate,
    certificate_revoke,
    held_certificate_issue,
    seal_certificate_ensure,
    signing_identity,
    trust_anchor_import,
)
from qyzmet.trust.jws import canonical_json, jws_sign
from qyzmet.trust.models import AnchorKind, Purpose
from qyzmet.trust.signer import SigningIdentity
from qyzmet.trust.timestamps import platform_timestamper, timestamp_token
from tests import factories
from tests.conftest import Persona
from tests.documents.pki import make_pki
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


# Attacks a reviewer tried; each once reported VALID.


def _seal(agencies: dict[str, Agency]) -> SigningIdentity:
    return signing_identity(seal_certificate_ensure(agency=agencies["internal-affairs"]))


def _signed_json(identity: SigningIdentity, payload: dict[str, object]) -> bytes:
    token = jws_sign(canonical_json(payload), signer=identity)
    stamp = base64.b64encode(timestamp_token(token.encode())).decode()
    return canonical_json({"payload": payload, "signature": token, "timestamp": stamp})


def test_an_xml_signature_over_part_of_the_document_is_not_valid(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    identity = _seal(agencies)
    root = etree.fromstring(
        b'<Extract><Part Id="p1"><Name>Test</Name></Part><Amount>1</Amount></Extract>'
    )
    signer = XAdESSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed = signer.sign(
        root, key=identity.private_key, cert=[identity.certificate, *identity.chain],
        reference_uri=["#p1"],
    )  # fmt: skip
    changed = etree.tostring(signed).replace(b"<Amount>1</Amount>", b"<Amount>999</Amount>")

    report = verify_bytes(changed)

    assert not report.valid
    assert report.signatures[0].problems == ("incomplete-coverage",)
    assert report.messages() == [str(PROBLEMS["incomplete-coverage"])]


@pytest.mark.parametrize("key", ["ocsp-responder", "issuing-ca", "login"])
def test_only_signing_keys_make_valid_signatures(
    trust: TrustSetup, agencies: dict[str, Agency], citizen_a: Persona, key: str
) -> None:
    assert citizen_a.account is not None
    if key == "login":
        certificate = held_certificate_issue(
            account=citizen_a.account, purpose=Purpose.AUTH, algorithm="ecdsa-p256", actor="t"
        )
    else:
        certificate = ca_certificate(
            Purpose.OCSP if key == "ocsp-responder" else Purpose.ISSUING_CA
        )

    report = verify_bytes(_signed_json(signing_identity(certificate), {"data": "x"}))

    assert not report.valid
    assert "wrong-purpose" in report.signatures[0].problems


def test_json_with_a_repeated_key_is_refused(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    payload = {"data": {"name": "Real"}}
    token = jws_sign(canonical_json(payload), signer=_seal(agencies))
    real = canonical_json(payload).decode()
    text = f'{{"payload":{{"data":{{"name":"FORGED"}}}},"payload":{real},"signature":"{token}"}}'

    assert verify_bytes(text.encode()).problems == ("unknown-format",)


def test_a_sha1_signature_is_not_valid(trust: TrustSetup, agencies: dict[str, Agency]) -> None:
    content = b"a lease agreement"
    signed = asyncio.run(
        pyhanko_signer_for(_seal(agencies)).async_sign_general_data(
            content, "sha1", detached=True, use_cades=True,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(UTC)),
        )
    )  # fmt: skip

    report = verify_bytes(signed.dump(), content=content)

    assert not report.valid
    assert report.signatures[0].problems[0] == "unsupported-algorithm"


def test_every_problem_a_reader_reports_has_a_message() -> None:
    """Every short code in the format readers is either a FormatError's (the file is not
    readable at all) or a problem a report shows, which needs a sentence."""
    from qyzmet.documents import formats
    from qyzmet.documents.formats import cms, pades, xades

    sources = "".join(inspect.getsource(module) for module in (formats, cms, pades, xades))
    codes = set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"', sources))
    format_errors = set(re.findall(r'FormatError\(\s*"([a-z0-9-]+)"', sources))

    assert "digest-mismatch" in codes
    assert codes - format_errors - set(PROBLEMS) == set()


def test_a_national_ca_signature_says_revocation_was_not_checked(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    national = make_pki("ec")
    trust_anchor_import(
        data=national.root.public_bytes(serialization.Encoding.PEM),
        kind=AnchorKind.CA,
        name="National CA",
        actor="test",
    )

    theirs = verify_bytes(_signed_json(national.signer, {"data": "x"})).signatures[0]
    ours = verify_bytes(_signed_json(_seal(agencies), {"data": "x"})).signatures[0]

    assert theirs.valid, theirs.problems
    assert not theirs.revocation_checked
    assert ours.revocation_checked
