"""Is a certificate trustworthy at a given moment? One answer for every signature format.

A path is built from the certificate up to an active entry of the trust list, using the
certificates a signature carries and the platform's own CAs; each link's signature,
validity period at time ``at``, CA constraints and revocation are checked. Problems are
short codes (``untrusted``, ``expired``, ``not-yet-valid``, ``revoked``,
``not-a-ca``, ``wrong-purpose``) that reports translate into the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qyzmet.trust.authority import sha256_of, x509_of
from qyzmet.trust.models import AnchorKind, Certificate, TrustAnchor

MAX_PATH = 6

# What each problem means, in words a reader understands (reports translate them).
CERTIFICATE_PROBLEMS: dict[str, Promise] = {
    "untrusted": _("The signer's certificate was not issued by a trusted authority."),
    "not-a-ca": _("A certificate in the chain is not a certification authority."),
    "expired": _("The signer's certificate had expired at the time of signing."),
    "not-yet-valid": _("The signer's certificate was not yet valid at the time of signing."),
    "revoked": _("The signer's certificate was revoked before the signature was made."),
    "wrong-purpose": _("The certificate may not be used for this kind of signature."),
}


@dataclass(frozen=True)
class ChainLink:
    subject: str
    issuer: str
    serial: str
    sha256: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class CertificateCheck:
    chain: tuple[ChainLink, ...]  # the certificate first, the trust anchor last
    anchor: str | None  # the trust list entry the path ends at
    problems: tuple[str, ...]
    revoked_at: datetime | None  # of the end certificate, also when revoked after ``at``
    # Whether revocation is known for every certificate below the anchor. The platform knows
    # only its own CAs' revocations; an imported CA's are not fetched (CRL/OCSP) yet.
    revocation_checked: bool

    @property
    def trusted(self) -> bool:
        return not self.problems


_NAMES = {NameOID.SERIAL_NUMBER: "serialNumber", NameOID.ORGANIZATION_IDENTIFIER: "orgId"}


@lru_cache(maxsize=4096)
def name_text(name: x509.Name) -> str:
    """A distinguished name as text, with names for the attributes national CAs use
    (kept: the same few names come back on every signature checked)."""
    return name.rfc4514_string(_NAMES)


def _anchors(kind: AnchorKind) -> dict[str, x509.Certificate]:
    return {
        anchor.sha256: x509.load_der_x509_certificate(bytes(anchor.der))
        for anchor in TrustAnchor.objects.filter(kind=kind, active=True)
    }


def _issued(
    certificates: Iterable[x509.Certificate], child: x509.Certificate
) -> list[x509.Certificate]:
    found = []
    for candidate in certificates:
        if candidate.subject == child.issuer and _directly_issued(child, candidate):
            found.append(candidate)
    return found


@lru_cache(maxsize=4096)
def _directly_issued(child: x509.Certificate, candidate: x509.Certificate) -> bool:
    """Does ``candidate``'s key verify ``child``'s signature? Kept per pair (certificates
    compare and hash by their DER), as the same chains are checked on every signature."""
    try:
        child.verify_directly_issued_by(candidate)
    except _NOT_ITS_ISSUER:
        return False
    return True


# What a certificate that cannot be read raises (besides ValueError) in cryptography.
MALFORMED_CERTIFICATE: tuple[type[Exception], ...] = (
    ValueError,
    x509.InvalidVersion,
    UnsupportedAlgorithm,
)


_NOT_ITS_ISSUER: tuple[type[Exception], ...] = (TypeError, InvalidSignature, *MALFORMED_CERTIFICATE)


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):  # ValueError: a malformed extension
        return False


def _may_sign_for(certificate: x509.Certificate, usage: x509.ObjectIdentifier) -> bool:
    """Whether an end-entity certificate's key may make this kind of signature.

    Not a CA's key; key usage (if stated) allows signatures; the extended key usage (if
    stated) names ``usage``. RFC 3161 requires a TSA certificate to state it.
    """
    if _is_ca(certificate):
        return False
    extensions = certificate.extensions
    try:
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
        if not (key_usage.digital_signature or key_usage.content_commitment):
            return False
    except x509.ExtensionNotFound:
        pass
    except ValueError:
        return False
    try:
        extended = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return usage != ExtendedKeyUsageOID.TIME_STAMPING
    except ValueError:
        return False
    return usage in extended


def certificate_check(
    certificate: x509.Certificate,
    *,
    at: datetime,
    carried: Sequence[x509.Certificate] = (),
    anchor_kind: AnchorKind = AnchorKind.CA,
    usage: x509.ObjectIdentifier | None = None,
    anchors: Mapping[str, x509.Certificate] | None = None,
) -> CertificateCheck:
    """Check ``certificate`` as of ``at`` against the active trust list of ``anchor_kind``,
    or against ``anchors`` (by SHA-256) when given: a partner state's roots, as its trust
    list stood at ``at``. A partner's chain is built from what the signature carries and
    its roots alone, and its revocation is not known here (``revocation_checked`` False).

    ``carried`` are intermediate certificates the signature brought along; they are never
    trusted by themselves. ``usage`` is an extended key usage the end certificate must
    allow (e.g. time stamping for a TSA).
    """
    foreign = anchors is not None  # a partner's chain: none of this platform's CAs in it
    anchors = dict(anchors) if anchors is not None else _anchors(anchor_kind)
    own = (
        {}
        if foreign
        else {
            c.sha256: x509_of(c)
            for c in Certificate.objects.filter(purpose__in=["root-ca", "issuing-ca"])
        }
    )
    pool = {sha256_of(c): c for c in carried} | own | anchors
    path = [certificate]
    problems: list[str] = []
    anchor_name: str | None = None
    while True:
        current = path[-1]
        fingerprint = sha256_of(current)
        if fingerprint in anchors:
            anchor_name = name_text(current.subject)
            break
        if len(path) > MAX_PATH:
            problems.append("untrusted")
            break
        issuers = _issued(pool.values(), current)
        if not issuers:
            problems.append("untrusted")
            break
        issuer = next((i for i in issuers if sha256_of(i) in anchors), issuers[0])
        if not _is_ca(issuer):
            problems.append("not-a-ca")
            break
        if issuer in path:
            problems.append("untrusted")
            break
        path.append(issuer)

    records = (
        {}
        if foreign  # this platform revokes only what it issued
        else {
            c.sha256: c
            for c in Certificate.objects.filter(sha256__in=[sha256_of(c) for c in path]).only(
                "sha256", "revoked_at"
            )
        }
    )
    links = []
    for link in path:
        fingerprint = sha256_of(link)
        record = records.get(fingerprint)
        revoked_at = record.revoked_at if record else None
        links.append(
            ChainLink(
                subject=name_text(link.subject),
                issuer=name_text(link.issuer),
                serial=format(link.serial_number, "x"),
                sha256=fingerprint,
                not_before=link.not_valid_before_utc,
                not_after=link.not_valid_after_utc,
                revoked_at=revoked_at,
            )
        )
        if at < link.not_valid_before_utc and "not-yet-valid" not in problems:
            problems.append("not-yet-valid")
        if at > link.not_valid_after_utc and "expired" not in problems:
            problems.append("expired")
        if revoked_at is not None and revoked_at <= at and "revoked" not in problems:
            problems.append("revoked")
    if usage is not None and not _may_sign_for(certificate, usage):
        problems.append("wrong-purpose")
    return CertificateCheck(
        chain=tuple(links),
        anchor=anchor_name,
        problems=tuple(problems),
        revoked_at=links[0].revoked_at,
        revocation_checked=all(sha256_of(c) in records for c in path[:-1]),
    )
