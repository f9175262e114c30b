"""A throwaway PKI for signature-format tests: root CA → issuing CA → signer, plus a TSA.

Nothing here is meant for production: keys live in memory and certificates are valid from a
day ago for a year, so external tools that check validity at the current time accept them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from qyzmet.trust.signer import SigningIdentity, SigningKey

KeyKind = Literal["ec", "rsa", "ed25519"]
CaKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    issuing: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    signer: SigningIdentity
    tsa_certificate: x509.Certificate
    tsa_key: rsa.RSAPrivateKey

    def timestamper(self, at: datetime | None = None) -> DummyTimeStamper:
        """A TSA in-process that signs with :attr:`tsa_key` and embeds its chain; its tokens
        say ``at`` when given (else the moment they are made)."""
        return DummyTimeStamper(
            fixed_dt=at,
            tsa_cert=_to_asn1(self.tsa_certificate),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                self.tsa_key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            certs_to_embed=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [_to_asn1(self.issuing)]
            ),
        )

    def write_root(self, path: Path) -> Path:
        """Write the root certificate as PEM to ``path`` and return ``path``."""
        path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        return path

    def write_issuing(self, path: Path) -> Path:
        """Write the issuing CA certificate as PEM to ``path`` and return ``path``."""
        path.write_bytes(self.issuing.public_bytes(serialization.Encoding.PEM))
        return path


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def new_key(kind: KeyKind) -> SigningKey:
    """A fresh private key of the given kind (EC P-256, RSA-2048 or Ed25519)."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Qyzmet Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def issue(
    *,
    subject: str,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey,
    issuer: x509.Certificate | None,
    issuer_key: CaKey,
    role: Literal["ca", "signer", "tsa"],
    serial: int | None = None,
) -> x509.Certificate:
    """A certificate for ``public_key`` signed by ``issuer_key`` (self-signed if no issuer),
    with a random serial number unless ``serial`` is given.

    A signer certificate carries an emailProtection EKU and a CRL distribution point although
    nothing here checks either: Poppler 22.12's ``pdfsig`` reads NSS's last error code even
    when path validation succeeded, and NSS leaves "extension not found" behind when either
    is missing, so ``pdfsig`` would report "Unknown issue with Certificate". Real signer
    certificates have both.
    """
    now = datetime.now(UTC)
    issuer_name = issuer.subject if issuer is not None else _name(subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.BasicConstraints(
                ca=role == "ca", path_length=0 if role == "ca" and issuer is not None else None
            ),
            critical=True,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=role != "ca",
                content_commitment=role != "ca",
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=role == "ca",
                crl_sign=role == "ca",
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if role == "tsa":
        # RFC 3161 §2.3: a TSA certificate has exactly this EKU, marked critical.
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if role == "signer":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        ).add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[
                            x509.UniformResourceIdentifier("http://crl.invalid/issuing.crl")
                        ],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


@cache
def make_pki(kind: KeyKind = "ec") -> Pki:
    """A root → issuing CA → signer chain whose signer key is of ``kind``, and an RSA TSA.

    The CAs are EC P-256 whatever ``kind`` is; the TSA is RSA because pyHanko's
    ``DummyTimeStamper`` only signs with RSA. Cached per kind: key generation (RSA above all)
    is the slow part of these tests.
    """
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = issue(
        subject="Qyzmet Test Root",
        public_key=root_key.public_key(),
        issuer=None,
        issuer_key=root_key,
        role="ca",
    )
    issuing_key = ec.generate_private_key(ec.SECP256R1())
    issuing = issue(
        subject="Qyzmet Test Issuing CA",
        public_key=issuing_key.public_key(),
        issuer=root,
        issuer_key=root_key,
        role="ca",
    )
    signer_key = new_key(kind)
    signer_certificate = issue(
        subject=f"Qyzmet Test Signer ({kind})",
        public_key=signer_key.public_key(),
        issuer=issuing,
        issuer_key=issuing_key,
        role="signer",
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_certificate = issue(
        subject="Qyzmet Test TSA",
        public_key=tsa_key.public_key(),
        issuer=issuing,
        issuer_key=issuing_key,
        role="tsa",
    )
    return Pki(
        root=root,
        issuing=issuing,
        issuing_key=issuing_key,
        signer=SigningIdentity(
            private_key=signer_key, certificate=signer_certificate, chain=(issuing,)
        ),
        tsa_certificate=tsa_certificate,
        tsa_key=tsa_key,
    )
