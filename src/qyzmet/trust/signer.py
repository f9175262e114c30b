"""What a signature is made with: a private key, its certificate and the issuers above it.

Every signing format (JWS, CMS, PAdES, XAdES) takes a :class:`SigningIdentity`, so where the
key lives (held by the platform, an agency system's own key in a test) is decided once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True)
class SigningIdentity:
    private_key: SigningKey
    certificate: x509.Certificate
    # Issuing CA certificates, nearest first; the root may be included or left to the reader.
    chain: tuple[x509.Certificate, ...] = field(default=())
