"""Signed files of every format, made by good and bad signers, for verification tests.

Bad signers: ``foreign`` (a CA not on the trust list), ``expired`` (a platform seal whose
validity ended last year), ``revoked`` (a platform seal revoked a minute ago). Every file
is time-stamped by the platform TSA where the format carries time stamps.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Literal

from django.utils import timezone

from qyzmet.documents.formats.cms import cms_sign_detached
from qyzmet.documents.formats.pades import pades_sign
from qyzmet.documents.formats.xades import xades_sign
from qyzmet.identity.models import Agency
from qyzmet.trust.algorithms import algorithm_named
from qyzmet.trust.authority import (
    ca_certificate,
    certificate_issue,
    certificate_revoke,
    seal_certificate_ensure,
    signing_identity,
    subject_of_agency,
)
from qyzmet.trust.jws import canonical_json, jws_sign
from qyzmet.trust.models import KeyHolder, Purpose
from qyzmet.trust.signer import SigningIdentity
from qyzmet.trust.timestamps import platform_timestamper, timestamp_token
from tests.documents.pki import make_pki

Signer = Literal["good", "foreign", "expired", "revoked"]
Format = Literal["pdf", "xml", "json", "cms"]
SIGNERS: tuple[Signer, ...] = ("good", "foreign", "expired", "revoked")
FORMATS: tuple[Format, ...] = ("pdf", "xml", "json", "cms")
EXPECTED_PROBLEM = {"foreign": "untrusted", "expired": "expired", "revoked": "revoked"}
CMS_CONTENT = b"An attachment: a scanned lease agreement, say.\n"


def signer_identity(kind: Signer, agency: Agency) -> SigningIdentity:
    """A signing identity of the given kind; the platform PKI must be set up."""
    if kind == "good":
        return signing_identity(seal_certificate_ensure(agency=agency))
    if kind == "foreign":
        return make_pki("ec").signer
    key = algorithm_named("ecdsa-p256").generate()
    now = timezone.now()
    certificate = certificate_issue(
        purpose=Purpose.SEAL,
        subject=subject_of_agency(agency),
        public_key=key.public_key(),
        private_key=key,
        key_holder=KeyHolder.PLATFORM_SEALED,
        issuer=ca_certificate(Purpose.ISSUING_CA),
        agency=agency,
        not_before=now - timedelta(days=730) if kind == "expired" else None,
        not_after=now - timedelta(days=365) if kind == "expired" else None,
    )
    if kind == "revoked":
        certificate_revoke(
            certificate=certificate,
            reason="key-compromise",
            actor="test",
            at=now - timedelta(minutes=1),
        )
    return signing_identity(certificate)


def minimal_pdf() -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(
        string="<h1>Certificate</h1><p>Issued to nobody in particular.</p>"
    ).write_pdf()
    return pdf


def signed_file(kind: Format, identity: SigningIdentity) -> tuple[bytes, bytes | None]:
    """(file, detached content or None) signed by ``identity`` in format ``kind``."""
    if kind == "pdf":
        return pades_sign(minimal_pdf(), signer=identity, timestamper=platform_timestamper()), None
    if kind == "xml":
        xml = b'<?xml version="1.0" encoding="UTF-8"?><Extract><Name>Test</Name></Extract>'
        return xades_sign(xml, signer=identity, timestamper=platform_timestamper()), None
    if kind == "json":
        payload = {"kind": "test", "data": {"name": "Test"}}
        token = jws_sign(canonical_json(payload), signer=identity)
        stamp = base64.b64encode(timestamp_token(token.encode())).decode()
        envelope = {"payload": payload, "signature": token, "timestamp": stamp}
        return canonical_json(envelope), None
    signature = cms_sign_detached(CMS_CONTENT, signer=identity, timestamper=platform_timestamper())
    return signature, CMS_CONTENT


def tampered(data: bytes, kind: Format) -> bytes:
    """The same file with its signed content changed but still well-formed."""
    if kind == "pdf":
        return data.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in data else _flip(data)
    if kind == "xml":
        return data.replace(b"<Name>Test</Name>", b"<Name>Tost</Name>", 1)
    if kind == "json":
        return data.replace(b'"name":"Test"', b'"name":"Tost"', 1)
    return data  # for CMS the content is tampered instead: see tampered_content


def tampered_content(content: bytes) -> bytes:
    return content.replace(b"lease", b"loose", 1)


def _flip(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01
    return bytes(changed)
