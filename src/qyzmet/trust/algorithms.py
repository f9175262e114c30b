"""Signature algorithms, pluggable: each is one object that makes keys, signs and verifies.

Signatures are in JWS form (RFC 7518): ECDSA as r||s, RSA PKCS#1 v1.5, Ed25519 raw, so
one value works in JWS tokens, in a browser's WebCrypto output and in stored signing
acts. A national algorithm (GOST R 34.10-2012) is added by registering one more
:class:`Algorithm` (see docs/trust.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from qyzmet.trust.signer import SigningKey

CertificateHash = hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None


class UnknownAlgorithm(ValueError):
    pass


class Algorithm(Protocol):
    @property
    def name(self) -> str:
        """As configured: ecdsa-p256, rsa-2048, ed25519."""
        ...

    @property
    def jws(self) -> str:
        """As named in JWS headers: ES256, RS256, EdDSA."""
        ...

    def generate(self) -> SigningKey: ...
    def sign(self, key: SigningKey, message: bytes) -> bytes: ...
    def verify(self, public_key: CertificatePublicKeyTypes, value: bytes, message: bytes) -> bool:
        """True if ``value`` is this algorithm's signature of ``message`` by ``public_key``."""
        ...

    def certificate_hash(self) -> CertificateHash:
        """The hash used when this key signs a certificate or CRL (None for Ed25519)."""
        ...

    def fits(self, key: CertificatePublicKeyTypes | CertificateIssuerPrivateKeyTypes) -> bool: ...


@dataclass(frozen=True)
class EcdsaP256:
    name: str = "ecdsa-p256"
    jws: str = "ES256"

    def generate(self) -> SigningKey:
        return ec.generate_private_key(ec.SECP256R1())

    def sign(self, key: SigningKey, message: bytes) -> bytes:
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError(f"{self.name} cannot sign with a {type(key).__name__}")
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def verify(self, public_key: CertificatePublicKeyTypes, value: bytes, message: bytes) -> bool:
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or len(value) != 64:
            return False
        der = encode_dss_signature(int.from_bytes(value[:32]), int.from_bytes(value[32:]))
        try:
            public_key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def certificate_hash(self) -> CertificateHash:
        return hashes.SHA256()

    def fits(self, key: CertificatePublicKeyTypes | CertificateIssuerPrivateKeyTypes) -> bool:
        return isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) and (
            key.curve.name == "secp256r1"
        )


@dataclass(frozen=True)
class Rsa2048:
    name: str = "rsa-2048"
    jws: str = "RS256"

    def generate(self) -> SigningKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def sign(self, key: SigningKey, message: bytes) -> bytes:
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"{self.name} cannot sign with a {type(key).__name__}")
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def verify(self, public_key: CertificatePublicKeyTypes, value: bytes, message: bytes) -> bool:
        if not isinstance(public_key, rsa.RSAPublicKey):
            return False
        try:
            public_key.verify(value, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def certificate_hash(self) -> CertificateHash:
        return hashes.SHA256()

    def fits(self, key: CertificatePublicKeyTypes | CertificateIssuerPrivateKeyTypes) -> bool:
        return isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey) and key.key_size >= 2048


@dataclass(frozen=True)
class Ed25519:
    name: str = "ed25519"
    jws: str = "EdDSA"

    def generate(self) -> SigningKey:
        return ed25519.Ed25519PrivateKey.generate()

    def sign(self, key: SigningKey, message: bytes) -> bytes:
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise TypeError(f"{self.name} cannot sign with a {type(key).__name__}")
        return key.sign(message)

    def verify(self, public_key: CertificatePublicKeyTypes, value: bytes, message: bytes) -> bool:
        if not isinstance(public_key, ed25519.Ed25519PublicKey):
            return False
        try:
            public_key.verify(value, message)
        except InvalidSignature:
            return False
        return True

    def certificate_hash(self) -> CertificateHash:
        return None

    def fits(self, key: CertificatePublicKeyTypes | CertificateIssuerPrivateKeyTypes) -> bool:
        return isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey)


_BUILT_IN: tuple[Algorithm, ...] = (EcdsaP256(), Rsa2048(), Ed25519())
ALGORITHMS: dict[str, Algorithm] = {a.name: a for a in _BUILT_IN}
_BY_JWS: dict[str, Algorithm] = {a.jws: a for a in ALGORITHMS.values()}


def algorithm_named(name: str) -> Algorithm:
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise UnknownAlgorithm(
            f"unknown algorithm {name!r}; known: {', '.join(sorted(ALGORITHMS))}"
        ) from None


def algorithm_for_jws(jws_name: str) -> Algorithm:
    try:
        return _BY_JWS[jws_name]
    except KeyError:
        raise UnknownAlgorithm(f"unsupported JWS algorithm {jws_name!r}") from None


def algorithm_of_key(
    key: CertificatePublicKeyTypes | CertificateIssuerPrivateKeyTypes,
) -> Algorithm:
    for algorithm in ALGORITHMS.values():
        if algorithm.fits(key):
            return algorithm
    raise UnknownAlgorithm(f"no configured algorithm for a {type(key).__name__}")
