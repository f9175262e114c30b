"""Sealed bids: the cryptography that keeps a bid unreadable until the committee opens it.

When a tender is published the platform makes a tender key pair (X25519), splits the
private key into one share per committee member with Shamir's scheme (any ``threshold``
shares rebuild it; fewer tell nothing about it), encrypts each share to that member's
opening key, and forgets the private key. A bid is encrypted on receipt to the tender's
public key and only its ciphertext is stored. Nobody can decrypt a bid, an administrator
with the database and the master key included, until ``threshold`` members have opened
their shares with their own keys and handed them in, which the platform accepts only
after the deadline. docs/procurement.md gives the threat model.

Everything here is pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Shares are points on a polynomial over the integers modulo this (Mersenne) prime, larger
# than any 32-byte key.
PRIME = 2**521 - 1
_VALUE_BYTES = 66
_VERSION = b"\x01"
_NONCE_BYTES = 12
_KEY_BYTES = 32
MAX_MEMBERS = 255


class SealError(Exception):
    """Sealed data that cannot be opened: the wrong key or context, damage, or too few
    shares."""


# --- encryption to a public key (ECIES: X25519, HKDF-SHA256, AES-256-GCM) ---------------


def public_key_bytes(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_load(raw: bytes) -> X25519PublicKey:
    if len(raw) != _KEY_BYTES:
        raise SealError("an X25519 public key is 32 bytes")
    return X25519PublicKey.from_public_bytes(raw)


def _box(shared: bytes, ephemeral: bytes, context: bytes) -> AESGCM:
    key = HKDF(hashes.SHA256(), _KEY_BYTES, salt=ephemeral, info=b"qyzmet-seal:" + context)
    return AESGCM(key.derive(shared))


def seal_to(recipient: X25519PublicKey, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` so that only the holder of ``recipient``'s private key opens it,
    and only under the same ``context`` (a bid moved to another tender does not open)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = public_key_bytes(ephemeral.public_key())
    nonce = secrets.token_bytes(_NONCE_BYTES)
    box = _box(ephemeral.exchange(recipient), ephemeral_public, context)
    return _VERSION + ephemeral_public + nonce + box.encrypt(nonce, plaintext, context)


def seal_open(key: X25519PrivateKey, sealed: bytes, *, context: bytes) -> bytes:
    """Decrypt what :func:`seal_to` made for ``key``'s public key and ``context``."""
    if sealed[:1] != _VERSION or len(sealed) < 1 + _KEY_BYTES + _NONCE_BYTES + 16:
        raise SealError("not a sealed value of a known format")
    ephemeral_public = sealed[1 : 1 + _KEY_BYTES]
    nonce = sealed[1 + _KEY_BYTES : 1 + _KEY_BYTES + _NONCE_BYTES]
    ciphertext = sealed[1 + _KEY_BYTES + _NONCE_BYTES :]
    box = _box(key.exchange(public_key_load(ephemeral_public)), ephemeral_public, context)
    try:
        return box.decrypt(nonce, ciphertext, context)
    except InvalidTag as error:
        raise SealError("the key or the context does not fit, or the data is damaged") from error


# --- Shamir's secret sharing --------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    index: int  # 1..255: the point's x
    value: int  # the polynomial's value there

    def to_bytes(self) -> bytes:
        return bytes([self.index]) + self.value.to_bytes(_VALUE_BYTES, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> Share:
        if len(data) != 1 + _VALUE_BYTES or data[0] == 0:
            raise SealError("a share is 67 bytes: its index (1-255) and its value")
        value = int.from_bytes(data[1:], "big")
        if value >= PRIME:
            raise SealError("a share's value is out of range")
        return cls(data[0], value)


def shares_split(secret: bytes, *, threshold: int, count: int) -> list[Share]:
    """``count`` shares of ``secret``, any ``threshold`` of which rebuild it."""
    if not 1 <= threshold <= count <= MAX_MEMBERS:
        raise ValueError("1 <= threshold <= count <= 255")
    coefficients = [int.from_bytes(secret, "big")]
    coefficients += [secrets.randbelow(PRIME) for _ in range(threshold - 1)]
    shares = []
    for x in range(1, count + 1):
        y = 0
        for coefficient in reversed(coefficients):  # Horner
            y = (y * x + coefficient) % PRIME
        shares.append(Share(x, y))
    return shares


def shares_combine(shares: Sequence[Share], *, length: int = _KEY_BYTES) -> bytes:
    """The secret at x = 0 of the polynomial through ``shares`` (Lagrange interpolation).
    Too few or wrong shares give a wrong secret, which the caller detects."""
    if len({share.index for share in shares}) != len(shares) or not shares:
        raise SealError("the shares must be distinct")
    secret = 0
    for share in shares:
        numerator, denominator = 1, 1
        for other in shares:
            if other.index != share.index:
                numerator = numerator * -other.index % PRIME
                denominator = denominator * (share.index - other.index) % PRIME
        secret = (secret + share.value * numerator * pow(denominator, -1, PRIME)) % PRIME
    if secret.bit_length() > 8 * length:
        raise SealError("these shares do not rebuild a key")
    return secret.to_bytes(length, "big")


# --- the tender key -----------------------------------------------------------------------


@dataclass(frozen=True)
class TenderKey:
    public_key: bytes  # raw X25519: what bids are sealed to
    sealed_shares: tuple[bytes, ...]  # one per member, in the order the members were given
    # SHA-256 of each share: a share handed in is checked against its own, so a wrong one
    # is refused at once and named (a digest of 67 random bytes reveals nothing of them).
    share_digests: tuple[str, ...]


def share_context(tender: str, member: str) -> bytes:
    return f"qyzmet-share:{tender}:{member}".encode()


def bid_context(tender: str, bid: str) -> bytes:
    return f"qyzmet-bid:{tender}:{bid}".encode()


def tender_key_make(
    *, tender: str, members: Sequence[tuple[str, X25519PublicKey]], threshold: int
) -> TenderKey:
    """A new tender key: its public part, and its private part split among ``members``
    (each named and with their opening key), sealed to each. The private key is not kept."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    shares = shares_split(raw, threshold=threshold, count=len(members))
    sealed = tuple(
        seal_to(key, share.to_bytes(), context=share_context(tender, name))
        for (name, key), share in zip(members, shares, strict=True)
    )
    digests = tuple(hashlib.sha256(share.to_bytes()).hexdigest() for share in shares)
    return TenderKey(public_bytes_of(private), sealed, digests)


def public_bytes_of(private: X25519PrivateKey) -> bytes:
    return public_key_bytes(private.public_key())


def tender_key_rebuild(shares: Sequence[Share], *, public_key: bytes) -> X25519PrivateKey:
    """The tender's private key from enough shares; refused unless it matches the public
    key bids were sealed to."""
    private = X25519PrivateKey.from_private_bytes(shares_combine(shares))
    if public_bytes_of(private) != public_key:
        raise SealError("these shares do not rebuild the tender's key")
    return private
