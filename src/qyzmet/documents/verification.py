"""Verify any signed document: PDF (PAdES), XML (XAdES), JSON (JWS) or a detached CMS.

The format readers (:mod:`qyzmet.documents.formats`) say what the bytes claim and
whether they are intact; :func:`qyzmet.trust.validation.certificate_check` says whether
the signer was trusted at the time of signing. A signature is valid when both hold. The
time of signing is the time stamp's when a trusted TSA vouches for it; otherwise the
check is made as of now, as a signer's own claim proves nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qyzmet.documents.formats import FormatError, SignatureFacts
from qyzmet.documents.formats.cms import cms_inspect
from qyzmet.documents.formats.pades import pades_inspect
from qyzmet.documents.formats.xades import xades_inspect
from qyzmet.documents.models import Blob, Document
from qyzmet.trust.jws import JwsError, canonical_json, jws_inspect
from qyzmet.trust.timestamps import TimestampFacts, timestamp_inspect, timestamp_judge
from qyzmet.trust.validation import (
    CERTIFICATE_PROBLEMS,
    MALFORMED_CERTIFICATE,
    ChainLink,
    certificate_check,
)

MAX_UPLOAD = 20 * 1024 * 1024

PROBLEMS: dict[str, Promise] = {
    # integrity
    "digest-mismatch": _("The content was changed after it was signed."),
    "bad-signature-value": _("The signature value does not match the signed content."),
    "signing-certificate-mismatch": _("The signature was not made with the attached certificate."),
    "signer-certificate-missing": _("The signer's certificate is not in the document."),
    "content-after-signature": _("Content was added to the document after it was signed."),
    "malformed-signature": _("The signature is damaged and cannot be read."),
    "unsupported-algorithm": _("The signature uses an algorithm this platform does not accept."),
    "incomplete-coverage": _("The signature does not cover the whole document."),
    **CERTIFICATE_PROBLEMS,
    # time stamps
    "timestamp-damaged": _("The time stamp is damaged; the signing time is not proven."),
    "timestamp-untrusted": _("The time stamp is not from a trusted authority."),
    # documents as a whole
    "no-signature": _("The document has no signature."),
    "unknown-format": _("This is not a PDF, XML, signed JSON or CMS signature file."),
    "unreadable": _("The file is damaged and cannot be read."),
    "content-needed": _("A detached signature needs the signed file as well."),
    "too-large": _("The file is too large to verify here (20 MB at most)."),
}


# What reading a file can raise when it (or a certificate in it) is malformed.
_UNREADABLE: tuple[type[Exception], ...] = (FormatError, *MALFORMED_CERTIFICATE)


def problem_message(code: str) -> str:
    return str(PROBLEMS.get(code, code))


@dataclass(frozen=True)
class SignatureReport:
    format: str
    signer: str  # the certificate subject's common name
    signer_id: str  # IIN or BIN from the subject's serial number, if any
    signed_at: datetime | None
    time_proven: bool  # by a trusted time stamp
    chain: tuple[ChainLink, ...]
    problems: tuple[str, ...]
    revoked_at: datetime | None  # also when revoked after signing, which is fine
    revocation_checked: bool  # False for certificates of CAs whose revocations are unknown

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ValidationReport:
    format: str
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...]  # about the file as a whole
    document: Document | None  # the registered document with exactly these bytes

    @property
    def valid(self) -> bool:
        return not self.problems and bool(self.signatures) and all(s.valid for s in self.signatures)

    def messages(self) -> list[str]:
        codes = list(self.problems) + [c for s in self.signatures for c in s.problems]
        return [problem_message(c) for c in dict.fromkeys(codes)]


def _name_part(certificate: x509.Certificate | None, oid: x509.ObjectIdentifier) -> str:
    if certificate is None:
        return ""
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _report(facts: SignatureFacts) -> SignatureReport:
    problems: list[str] = []
    if not facts.intact:
        problems.append(facts.integrity_problem or "malformed-signature")
    elif not facts.covers_whole_document and facts.format != "pades":
        # PAdES reports later revisions through pyHanko's difference analysis instead.
        problems.append("incomplete-coverage")
    at: datetime | None = None
    if facts.timestamp_intact is not None:
        at, stamp_problem = timestamp_judge(
            intact=facts.timestamp_intact,
            time=facts.timestamp_time,
            tsa_certificate=facts.timestamp_certificate,
            carried=facts.embedded_certificates,
        )
        if stamp_problem:
            problems.append(stamp_problem)
    signer = facts.signer_certificate
    chain: tuple[ChainLink, ...] = ()
    revoked_at = None
    revocation_checked = False
    if signer is None:
        problems.append("signer-certificate-missing")
    else:
        check = certificate_check(
            signer,
            at=at or timezone.now(),
            carried=facts.embedded_certificates,
            usage=ExtendedKeyUsageOID.EMAIL_PROTECTION,  # a signing key, not a CA or login key
        )
        chain, revoked_at = check.chain, check.revoked_at
        revocation_checked = check.revocation_checked
        problems.extend(check.problems)
    return SignatureReport(
        format=facts.format,
        signer=_name_part(signer, NameOID.COMMON_NAME),
        signer_id=_name_part(signer, NameOID.SERIAL_NUMBER),
        signed_at=at or facts.claimed_signing_time,
        time_proven=at is not None,
        chain=chain,
        problems=tuple(dict.fromkeys(problems)),
        revoked_at=revoked_at,
        revocation_checked=revocation_checked,
    )


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Readers disagree on which of two equal keys counts; a signed document has none."""
    keys = [key for key, _value in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def _jws_facts(data: bytes) -> list[SignatureFacts] | None:
    """Facts of a signed JSON document, or None if it is not one.

    The shape is ``{"payload": ..., "signature": "header..signature", "timestamp": b64}``:
    a detached JWS over the canonical JSON of the payload and, optionally, an RFC 3161
    token over the JWS text.
    """
    try:
        envelope = json.loads(data, object_pairs_hook=_refuse_duplicate_keys)
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting: not a document
        return None
    if not isinstance(envelope, dict) or not (
        {"payload", "signature"} <= set(envelope) <= {"payload", "signature", "timestamp"}
    ):
        return None
    try:
        facts = jws_inspect(str(envelope["signature"]), canonical_json(envelope["payload"]))
    except (JwsError, UnicodeEncodeError, RecursionError):  # a lone surrogate cannot be signed
        return [
            SignatureFacts(
                format="jws",
                intact=False,
                integrity_problem="malformed-signature",
                signer_certificate=None,
                embedded_certificates=(),
                claimed_signing_time=None,
                timestamp_time=None,
                timestamp_certificate=None,
                timestamp_intact=None,
                covers_whole_document=True,
            )
        ]
    stamp = None
    if "timestamp" in envelope:
        try:
            token = base64.b64decode(str(envelope["timestamp"]), validate=True)
            stamp = timestamp_inspect(token, str(envelope["signature"]).encode())
        except (ValueError, TypeError, KeyError, IndexError):
            stamp = TimestampFacts(
                time=timezone.now(), tsa_certificate=None, carried=(), intact=False
            )
    return [
        SignatureFacts(
            format="jws",
            intact=facts.intact,
            integrity_problem=None if facts.intact else "bad-signature-value",
            signer_certificate=facts.header.certificate,
            embedded_certificates=facts.header.carried + (stamp.carried if stamp else ()),
            claimed_signing_time=None,
            timestamp_time=stamp.time if stamp else None,
            timestamp_certificate=stamp.tsa_certificate if stamp else None,
            timestamp_intact=stamp.intact if stamp else None,
            covers_whole_document=True,
        )
    ]


def verify_bytes(data: bytes, *, content: bytes | None = None) -> ValidationReport:
    """Verify a signed file (or a detached CMS signature ``data`` over ``content``)."""
    if len(data) > MAX_UPLOAD or (content is not None and len(content) > MAX_UPLOAD):
        return ValidationReport(format="", signatures=(), problems=("too-large",), document=None)
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip()  # a UTF-8 BOM, as Windows writes
    facts: list[SignatureFacts] | None
    try:
        if head.startswith(b"%PDF"):
            kind, facts = "pdf", pades_inspect(data)
        elif head.startswith(b"<"):
            kind, facts = "xml", xades_inspect(data)
        elif head.startswith(b"{"):
            kind, facts = "json", _jws_facts(data)
            if facts is None:
                return ValidationReport(
                    format="json", signatures=(), problems=("unknown-format",), document=None
                )
        elif content is not None:
            kind, facts = "cms", cms_inspect(data, content)
        elif head.startswith(b"0"):  # a DER SEQUENCE: most likely a detached CMS signature
            return ValidationReport(
                format="cms", signatures=(), problems=("content-needed",), document=None
            )
        else:
            return ValidationReport(
                format="", signatures=(), problems=("unknown-format",), document=None
            )
        reports = tuple(_report(f) for f in facts)
    except _UNREADABLE:
        return ValidationReport(format="", signatures=(), problems=("unreadable",), document=None)
    sha256 = hashlib.sha256(data).hexdigest()
    blob = Blob.objects.filter(sha256=sha256).first()
    document = (
        Document.objects.filter(blob=blob).select_related("agency", "signed_by").first()
        if blob
        else None
    )
    return ValidationReport(
        format=kind,
        signatures=reports,
        problems=() if reports else ("no-signature",),
        document=document,
    )
