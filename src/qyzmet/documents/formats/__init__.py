"""Signature formats as pure functions: make PAdES, XAdES and CMS signatures, and read them.

Reading (``*_inspect``) reports :class:`SignatureFacts` — what the bytes say and whether they
are cryptographically intact — and never decides trust: whether the signer's chain reaches a
trusted root, whether a certificate had expired or was revoked, is the job of the module that
consumes these facts. No database, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from qyzmet.trust.signer import SigningIdentity

FormatName = Literal["pades", "xades", "cms", "jws"]


class FormatError(ValueError):
    """The input is not a document of the expected format, or cannot be signed as asked.

    ``code`` is short and stable (``"not-a-pdf"``, ``"not-xml"``, ...) for callers to map to
    messages; the message is for logs.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SignatureFacts:
    """What one signature in a document says, and whether its bytes are intact.

    ``intact`` is True only when the signed digest matches the content and the signature value
    verifies with ``signer_certificate``'s public key; otherwise ``integrity_problem`` names why
    (``"digest-mismatch"``, ``"bad-signature-value"``, ``"signing-certificate-mismatch"``,
    ``"signer-certificate-missing"``, ``"content-after-signature"``, ``"malformed-signature"``,
    ``"unsupported-algorithm"``). ``claimed_signing_time`` is the signer's own claim;
    ``timestamp_time`` is a TSA's, and counts only when ``timestamp_intact`` is True. Every
    datetime is timezone-aware. Nothing here says whether any certificate is trusted.
    """

    format: FormatName
    intact: bool
    integrity_problem: str | None
    signer_certificate: x509.Certificate | None
    embedded_certificates: tuple[x509.Certificate, ...]
    claimed_signing_time: datetime | None
    timestamp_time: datetime | None
    timestamp_certificate: x509.Certificate | None
    timestamp_intact: bool | None
    covers_whole_document: bool


def require_key_matches_certificate(signer: SigningIdentity) -> None:
    """Return only if ``signer``'s private key is the one its certificate certifies.

    A signature made otherwise could never verify; raising ``FormatError``
    (``key-certificate-mismatch``) names the misconfiguration instead of producing it.
    """
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    held = signer.private_key.public_key().public_bytes(*spki)
    certified = signer.certificate.public_key().public_bytes(*spki)
    if held != certified:
        raise FormatError(
            "key-certificate-mismatch", "the private key does not match the certificate"
        )


__all__ = ["FormatError", "FormatName", "SignatureFacts", "require_key_matches_certificate"]
