"""The platform's certification authorities: set up, issue, revoke, load keys.

``trust_init`` creates a root CA, an issuing CA, a timestamp authority and an OCSP
responder. CA, TSA and responder keys live in files under ``QYZMET_HOME/trust/keys``,
sealed with the master key (:mod:`qyzmet.core.secretbox`); keys the platform holds for
people and agencies (remote signing, agency seals) are sealed into the database row.
Nothing private is ever stored in clear.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.core.secretbox import secret_open, secret_seal
from qyzmet.identity.models import Account, Agency
from qyzmet.trust.algorithms import Algorithm, algorithm_named, algorithm_of_key
from qyzmet.trust.models import AnchorKind, Certificate, KeyHolder, Purpose, TrustAnchor
from qyzmet.trust.signer import SigningIdentity, SigningKey

LIFETIMES: dict[str, timedelta] = {
    Purpose.ROOT_CA: timedelta(days=20 * 365),
    Purpose.ISSUING_CA: timedelta(days=10 * 365),
    Purpose.TIMESTAMPING: timedelta(days=5 * 365),
    Purpose.OCSP: timedelta(days=2 * 365),
    Purpose.SEAL: timedelta(days=3 * 365),
    Purpose.AUTH: timedelta(days=365),
    Purpose.SIGN: timedelta(days=365),
}
# Backdating absorbs clock differences between the platform and whoever checks.
BACKDATE = timedelta(minutes=5)
KEY_FILE_KDF_ROUNDS = 100_000
# Each key file is a new certificate: a few a day is plenty for a person.
KEY_FILES_PER_WINDOW = 5
KEY_FILE_WINDOW = timedelta(days=1)


class TrustNotInitialised(Problem):
    def __init__(self) -> None:
        super().__init__(
            503, "The platform's certification authority is not set up: run `qyzmet trust init`."
        )


@dataclass(frozen=True)
class Subject:
    """Who a certificate names. ``serial_number`` carries IIN or BIN, as national CAs do."""

    common_name: str
    serial_number: str = ""
    organisation: str = ""
    country: str = "KZ"

    def x509_name(self) -> x509.Name:
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, self.country)]
        if self.organisation:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation))
        if self.serial_number:
            attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, self.serial_number))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, self.common_name))
        return x509.Name(attributes)


def sha256_of(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def x509_of(certificate: Certificate) -> x509.Certificate:
    return _parse_der(bytes(certificate.der))


@lru_cache(maxsize=4096)
def _parse_der(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


# --- selectors -----------------------------------------------------------------------


def ca_certificate(purpose: Purpose) -> Certificate:
    """The newest unrevoked platform certificate for a CA-side role (root, issuing, TSA, OCSP)."""
    found = (
        Certificate.objects.filter(purpose=purpose, revoked_at__isnull=True)
        .order_by("-not_before", "-id")
        .first()
    )
    if found is None:
        raise TrustNotInitialised()
    return found


def chain_of(certificate: Certificate) -> tuple[x509.Certificate, ...]:
    """The issuers of a certificate, nearest first, up to and including the root."""
    chain = []
    current = certificate
    while current.issuer_id is not None and current.issuer_id != current.id:
        current = current.issuer  # type: ignore[assignment]
        chain.append(x509_of(current))
    return tuple(chain)


def signing_identity(certificate: Certificate) -> SigningIdentity:
    """The key and chain to sign with, for a certificate whose key the platform holds."""
    return SigningIdentity(
        private_key=_private_key(certificate),
        certificate=x509_of(certificate),
        chain=chain_of(certificate),
    )


@lru_cache(maxsize=32)
def signing_identity_kept(certificate_sha256: str) -> SigningIdentity:
    """:func:`signing_identity` of a platform-held certificate, kept in this process (its
    key unsealed once): for seals that sign on every request (a node's envelopes, bid
    receipts). Callers look the current certificate up themselves, so a renewed seal is a
    new entry. Tests that start from a new PKI call ``signing_identity_kept.cache_clear()``."""
    return signing_identity(Certificate.objects.get(sha256=certificate_sha256))


# --- keys ------------------------------------------------------------------------------


def _key_dir() -> Path:
    return Path(settings.QYZMET_HOME) / "trust" / "keys"


def _key_context(sha256: str) -> str:
    return f"trust-private-key:{sha256}"


def _seal_key(key: SigningKey, sha256: str) -> bytes:
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return secret_seal(der, context=_key_context(sha256))


def _write_key_file(key: SigningKey, sha256: str) -> None:
    directory = _key_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(directory / f"{sha256}.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(_seal_key(key, sha256))


def _private_key(certificate: Certificate) -> SigningKey:
    if certificate.key_holder == KeyHolder.PLATFORM_SEALED:
        sealed = bytes(certificate.sealed_key or b"")
    elif certificate.key_holder == KeyHolder.PLATFORM_FILE:
        path = _key_dir() / f"{certificate.sha256}.key"
        if not path.exists():
            raise Problem(503, f"The key file of {certificate} is missing from QYZMET_HOME.")
        sealed = path.read_bytes()
    else:
        raise Problem(409, "The platform does not hold this certificate's key.")
    return _load_private_key(sealed, certificate.sha256)


@lru_cache(maxsize=256)
def _load_private_key(sealed: bytes, sha256: str) -> SigningKey:
    key = serialization.load_der_private_key(
        secret_open(sealed, context=_key_context(sha256)), password=None
    )
    if not isinstance(
        key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise TypeError(f"no configured algorithm for a {type(key).__name__}")
    return key


# --- issuing ---------------------------------------------------------------------------


def _extensions_for(
    purpose: str, builder: x509.CertificateBuilder, issuer: Certificate | None
) -> x509.CertificateBuilder:
    is_ca = purpose in (Purpose.ROOT_CA, Purpose.ISSUING_CA)
    path_length = 1 if purpose == Purpose.ROOT_CA else 0
    builder = builder.add_extension(
        x509.BasicConstraints(ca=is_ca, path_length=path_length if is_ca else None), critical=True
    )
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=not is_ca,
            content_commitment=purpose in (Purpose.SIGN, Purpose.SEAL, Purpose.TIMESTAMPING),
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=is_ca,
            crl_sign=is_ca,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    extended = {
        Purpose.AUTH: [ExtendedKeyUsageOID.CLIENT_AUTH],
        # Document-signing verifiers (NSS in pdfsig, S/MIME in openssl) look for this.
        Purpose.SIGN: [ExtendedKeyUsageOID.EMAIL_PROTECTION],
        Purpose.SEAL: [ExtendedKeyUsageOID.EMAIL_PROTECTION],
        Purpose.TIMESTAMPING: [ExtendedKeyUsageOID.TIME_STAMPING],
        Purpose.OCSP: [ExtendedKeyUsageOID.OCSP_SIGNING],
    }.get(purpose)  # type: ignore[call-overload]
    if extended:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(extended), critical=purpose == Purpose.TIMESTAMPING
        )
    if purpose == Purpose.OCSP:
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    if issuer is not None:
        public = settings.QYZMET_PUBLIC_URL
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[
                            x509.UniformResourceIdentifier(
                                f"{public}/trust/crl/{issuer.serial}.crl"
                            )
                        ],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        access = [
            x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier(f"{public}/trust/certificates/{issuer.serial}.crt"),
            )
        ]
        if not is_ca and purpose != Purpose.OCSP:
            access.insert(
                0,
                x509.AccessDescription(
                    x509.oid.AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(f"{public}/trust/ocsp"),
                ),
            )
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    return builder


def certificate_issue(
    *,
    purpose: Purpose,
    subject: Subject,
    public_key: CertificatePublicKeyTypes,
    key_holder: KeyHolder,
    private_key: SigningKey | None = None,
    issuer: Certificate | None = None,
    account: Account | None = None,
    agency: Agency | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    actor: str = "system",
) -> Certificate:
    """Issue, record and audit a certificate. With ``issuer=None`` it is a self-signed root.

    ``private_key`` is required when the platform holds the key: it is sealed into a file
    (CA-side roles) or into the row (keys held for people and agencies).
    """
    algorithm_of_key(public_key)
    now = timezone.now()
    not_before = not_before or now - BACKDATE
    not_after = not_after or now + LIFETIMES[purpose]
    issuer_key: SigningKey
    if (key_holder != KeyHolder.SUBJECT or issuer is None) and private_key is None:
        raise ValueError("the platform holds this key (or it is a self-signed root): pass it")
    if issuer is None:
        issuer_name, issuer_key, issuer_public = subject.x509_name(), private_key, public_key  # type: ignore[assignment]
    else:
        issuer_x509 = x509_of(issuer)
        if issuer.revoked_at is not None:
            raise Problem(409, f"{issuer} is revoked and issues nothing more.")
        # A CA never issues beyond its own life.
        not_after = min(not_after, issuer_x509.not_valid_after_utc)
        issuer_name, issuer_key = issuer_x509.subject, _private_key(issuer)
        issuer_public = issuer_x509.public_key()
    serial = x509.random_serial_number()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject.x509_name())
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public),  # type: ignore[arg-type]
            critical=False,
        )
    )
    builder = _extensions_for(purpose, builder, issuer)
    signed = builder.sign(issuer_key, algorithm_of_key(issuer_key).certificate_hash())
    sha256 = sha256_of(signed)
    sealed = None
    if key_holder == KeyHolder.PLATFORM_SEALED:
        sealed = _seal_key(private_key, sha256)  # type: ignore[arg-type]
    elif key_holder == KeyHolder.PLATFORM_FILE:
        _write_key_file(private_key, sha256)  # type: ignore[arg-type]
    certificate = Certificate.objects.create(
        serial=format(serial, "x"),
        issuer=issuer,
        purpose=purpose,
        algorithm=algorithm_of_key(public_key).name,
        subject=signed.subject.rfc4514_string(),
        account=account,
        agency=agency,
        der=signed.public_bytes(serialization.Encoding.DER),
        sha256=sha256,
        not_before=signed.not_valid_before_utc,
        not_after=signed.not_valid_after_utc,
        key_holder=key_holder,
        sealed_key=sealed,
    )
    if issuer is None:
        Certificate.objects.filter(pk=certificate.pk).update(issuer=certificate)
        certificate.issuer = certificate
    audit_record(
        actor=actor,
        action="trust.certificate.issue",
        object_type="certificate",
        object_id=certificate.serial,
        data={
            "purpose": purpose,
            "holder": key_holder,
            "subject": certificate.subject,
            "account": str(account.public_id) if account else None,
            "agency": agency.code if agency else None,
        },
    )
    return certificate


@dataclass(frozen=True)
class TrustSetup:
    root: Certificate
    issuing: Certificate
    timestamping: Certificate
    ocsp: Certificate
    created: bool


@transaction.atomic
def trust_init(*, algorithm: str = "ecdsa-p256", organisation: str = "qyzmet") -> TrustSetup:
    """Create the platform root CA, issuing CA, TSA and OCSP responder, once.

    Running it again changes nothing and reports the existing setup. The root is added
    to the trust list. The TSA signs with RSA-2048 whatever the CA algorithm, as
    timestamp verifiers widely expect.
    """
    existing = Certificate.objects.filter(purpose=Purpose.ROOT_CA).exists()
    if existing:
        return TrustSetup(
            root=ca_certificate(Purpose.ROOT_CA),
            issuing=ca_certificate(Purpose.ISSUING_CA),
            timestamping=ca_certificate(Purpose.TIMESTAMPING),
            ocsp=ca_certificate(Purpose.OCSP),
            created=False,
        )
    chosen = algorithm_named(algorithm)

    def platform_key(
        purpose: Purpose, name: str, issuer: Certificate | None, using: Algorithm = chosen
    ) -> Certificate:
        key = using.generate()
        return certificate_issue(
            purpose=purpose,
            subject=Subject(common_name=name, organisation=organisation),
            public_key=key.public_key(),
            private_key=key,
            key_holder=KeyHolder.PLATFORM_FILE,
            issuer=issuer,
        )

    root = platform_key(Purpose.ROOT_CA, f"{organisation} Root CA", None)
    issuing = platform_key(Purpose.ISSUING_CA, f"{organisation} Issuing CA", root)
    tsa = platform_key(
        Purpose.TIMESTAMPING,
        f"{organisation} Timestamp Authority",
        issuing,
        algorithm_named("rsa-2048"),
    )
    ocsp = platform_key(Purpose.OCSP, f"{organisation} OCSP Responder", issuing)
    for kind in (AnchorKind.CA, AnchorKind.TSA):
        TrustAnchor.objects.create(
            kind=kind, name=f"{organisation} Root CA", der=root.der, sha256=root.sha256
        )
    audit_record(
        actor="system",
        action="trust.init",
        object_type="certificate",
        object_id=root.serial,
        data={"algorithm": chosen.name, "root_sha256": root.sha256},
    )
    return TrustSetup(root=root, issuing=issuing, timestamping=tsa, ocsp=ocsp, created=True)


def subject_of_account(account: Account) -> Subject:
    """How a person or officer is named in their certificates: name, and IIN as serial."""
    person = account.person
    if person is None:
        return Subject(common_name=account.username)
    record = getattr(person, "population", None)
    name = f"{record.surname_lat} {record.given_name_lat}" if record else person.iin
    return Subject(common_name=name.upper(), serial_number=f"IIN{person.iin}")


def subject_of_agency(agency: Agency) -> Subject:
    return Subject(
        common_name=agency.name_en,
        organisation=agency.name_en,
        serial_number=f"BIN{agency.organisation.bin}",
    )


@transaction.atomic
def held_certificate_issue(
    *, account: Account, purpose: Purpose, algorithm: str, actor: str
) -> Certificate:
    """Issue an AUTH or SIGN certificate whose key the platform holds, sealed.

    The key is used only through a confirmed signing request (remote signing).
    """
    if purpose not in (Purpose.AUTH, Purpose.SIGN):
        raise Problem(422, "Only AUTH and SIGN certificates are issued to people.")
    key = algorithm_named(algorithm).generate()
    certificate = certificate_issue(
        purpose=purpose,
        subject=subject_of_account(account),
        public_key=key.public_key(),
        private_key=key,
        key_holder=KeyHolder.PLATFORM_SEALED,
        issuer=ca_certificate(Purpose.ISSUING_CA),
        account=account,
        actor=actor,
    )
    return certificate


@transaction.atomic
def key_file_issue(
    *,
    account: Account,
    password: str,
    algorithm: str,
    actor: str,
    purpose: Purpose = Purpose.SIGN,
) -> tuple[Certificate, bytes]:
    """Issue a SIGN (signing) or AUTH (logging in) certificate with a new key and return it
    as a PKCS#12 key file.

    The platform keeps the certificate only; the key exists solely in the returned file,
    encrypted with the person's password (PBES2, PBKDF2-SHA256, AES-256-CBC). One key,
    one purpose: a login key file cannot sign, and a signing one cannot log in.
    """
    if purpose not in (Purpose.AUTH, Purpose.SIGN):
        raise Problem(422, "Only AUTH and SIGN certificates are issued to people.")
    if len(password) < 8:
        raise Problem(422, gettext("The key file password must have at least 8 characters."))
    Account.objects.select_for_update().get(pk=account.pk)  # one count at a time
    recent = Certificate.objects.filter(
        account=account,
        key_holder=KeyHolder.SUBJECT,
        not_before__gt=timezone.now() - BACKDATE - KEY_FILE_WINDOW,
    ).count()
    if recent >= KEY_FILES_PER_WINDOW:
        raise Problem(
            429,
            gettext(
                "You have made several key files today. Revoke the ones you do not use "
                "and try again tomorrow."
            ),
            code="rate-limited",
        )
    key = algorithm_named(algorithm).generate()
    issuing = ca_certificate(Purpose.ISSUING_CA)
    certificate = certificate_issue(
        purpose=purpose,
        subject=subject_of_account(account),
        public_key=key.public_key(),
        key_holder=KeyHolder.SUBJECT,
        issuer=issuing,
        account=account,
        actor=actor,
    )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KEY_FILE_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    key_file = pkcs12.serialize_key_and_certificates(
        certificate.subject.encode(),
        key,
        x509_of(certificate),
        list(chain_of(certificate)),
        encryption,
    )
    return certificate, key_file


def _current_seal(agency: Agency | None, subject: Subject) -> Certificate | None:
    """The platform-held seal in use under this name: the agency's, or with None the
    platform's own (several: the evidence seal, an exchange mediator's key...)."""
    return (
        Certificate.objects.filter(
            agency=agency,
            subject=subject.x509_name().rfc4514_string(),
            account__isnull=True,
            purpose=Purpose.SEAL,
            key_holder=KeyHolder.PLATFORM_SEALED,
            revoked_at__isnull=True,
            not_after__gt=timezone.now() + timedelta(days=1),
        )
        .order_by("-not_before")
        .first()
    )


def platform_seal_ensure(*, agency: Agency | None, subject: Subject) -> Certificate:
    """A platform-held seal, issued on first use (and when the last nears its end).

    The common case reads without a lock; only issuing locks the issuing CA's row, so two
    first uses at once make one seal.
    """
    found = _current_seal(agency, subject)
    if found is not None:
        return found
    with transaction.atomic():
        issuing = Certificate.objects.select_for_update().get(
            pk=ca_certificate(Purpose.ISSUING_CA).pk
        )
        found = _current_seal(agency, subject)
        if found is not None:
            return found
        key = algorithm_named(issuing.algorithm).generate()
        return certificate_issue(
            purpose=Purpose.SEAL,
            subject=subject,
            public_key=key.public_key(),
            private_key=key,
            key_holder=KeyHolder.PLATFORM_SEALED,
            issuer=issuing,
            agency=agency,
        )


def seal_certificate_ensure(*, agency: Agency) -> Certificate:
    """The agency's electronic seal (platform-held key), issued on first use."""
    return platform_seal_ensure(agency=agency, subject=subject_of_agency(agency))


@transaction.atomic
def system_certificate_issue(
    *,
    agency: Agency | None,
    csr_pem: bytes,
    actor: str,
    subject: Subject | None = None,
    purpose: Purpose = Purpose.SEAL,
) -> Certificate:
    """Certify a system's own key (from its CSR); the platform never sees the key.

    The subject is the agency's unless given (an exchange member that is not an agency).
    ``purpose`` is SEAL (signatures, client assertions) or AUTH (TLS client authentication).
    """
    if purpose not in (Purpose.SEAL, Purpose.AUTH):
        raise ValueError("a system certificate is for sealing or for TLS client authentication")
    if subject is None:
        if agency is None:
            raise ValueError("name the agency or the subject")
        subject = subject_of_agency(agency)
    try:
        csr = x509.load_pem_x509_csr(csr_pem)
    except ValueError as error:
        raise Problem(422, "The certificate request is not a PEM-encoded PKCS#10 CSR.") from error
    if not csr.is_signature_valid:
        raise Problem(422, "The certificate request's signature does not verify.")
    public_key = csr.public_key()
    try:
        algorithm_of_key(public_key)
    except ValueError as error:
        raise Problem(422, str(error)) from error
    certificate = certificate_issue(
        purpose=purpose,
        subject=subject,
        public_key=public_key,
        key_holder=KeyHolder.SUBJECT,
        issuer=ca_certificate(Purpose.ISSUING_CA),
        agency=agency,
        actor=actor,
    )
    return certificate


REVOCATION_REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key-compromise": x509.ReasonFlags.key_compromise,
    "affiliation-changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation-of-operation": x509.ReasonFlags.cessation_of_operation,
}


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, reason: str, actor: str, at: datetime | None = None
) -> Certificate:
    """Revoke a certificate from ``at`` (now by default); signatures made before stay valid."""
    if reason not in REVOCATION_REASONS:
        raise Problem(422, f"Unknown revocation reason {reason!r}.")
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = at or timezone.now()
    locked.revocation_reason = reason
    locked.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(
        actor=actor,
        action="trust.certificate.revoke",
        object_type="certificate",
        object_id=locked.serial,
        data={"reason": reason},
    )
    return locked


def rsa_key_of(certificate: Certificate) -> rsa.RSAPrivateKey:
    key = _private_key(certificate)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{certificate} does not have an RSA key")
    return key


@transaction.atomic
def trust_anchor_import(*, data: bytes, kind: AnchorKind, name: str, actor: str) -> TrustAnchor:
    """Add a root (PEM or DER) to the trust list, e.g. the national CA's or TSA's root.

    Only self-signed CA certificates are accepted as anchors; importing one twice
    reactivates it.
    """
    try:
        certificate = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN CERTIFICATE-----" in data  # PEM, perhaps after comment lines
            else x509.load_der_x509_certificate(data)
        )
    except ValueError as error:
        raise Problem(422, "Not a PEM or DER X.509 certificate.") from error
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        certificate.verify_directly_issued_by(certificate)
    except (x509.ExtensionNotFound, ValueError, TypeError, InvalidSignature) as error:
        raise Problem(422, "A trust anchor must be a self-signed CA certificate.") from error
    if not is_ca:
        raise Problem(422, "A trust anchor must be a self-signed CA certificate.")
    anchor, _ = TrustAnchor.objects.update_or_create(
        kind=kind,
        sha256=sha256_of(certificate),
        defaults={
            "name": name,
            "der": certificate.public_bytes(serialization.Encoding.DER),
            "imported": True,
            "active": True,
        },
    )
    audit_record(
        actor=actor,
        action="trust.anchor.import",
        object_type="trust-anchor",
        object_id=anchor.sha256,
        data={"kind": kind, "name": name, "subject": certificate.subject.rfc4514_string()},
    )
    return anchor


@transaction.atomic
def trust_anchor_distrust(*, sha256: str, actor: str) -> int:
    """Deactivate every trust list entry with this fingerprint; returns how many."""
    count = TrustAnchor.objects.filter(sha256=sha256, active=True).update(active=False)
    if count == 0:
        raise Problem(404, f"No active trust list entry has fingerprint {sha256}.")
    audit_record(
        actor=actor, action="trust.anchor.distrust", object_type="trust-anchor", object_id=sha256
    )
    return count
