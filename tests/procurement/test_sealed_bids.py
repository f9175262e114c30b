"""The sealing scheme on its own: Shamir shares, encryption to a key, the tender key."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from qyzmet.procurement.sealed_bids import (
    SealError,
    Share,
    bid_context,
    public_key_load,
    seal_open,
    seal_to,
    share_context,
    shares_combine,
    shares_split,
    tender_key_make,
    tender_key_rebuild,
)


@settings(max_examples=40, deadline=None)
@given(
    secret=st.binary(min_size=32, max_size=32),
    shape=st.integers(1, 6).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 8))),
)
def test_any_threshold_of_shares_rebuilds_the_secret(secret: bytes, shape: tuple[int, int]) -> None:
    threshold, count = shape
    shares = shares_split(secret, threshold=threshold, count=count)
    assert len(shares) == count
    for chosen in itertools.islice(itertools.combinations(shares, threshold), 10):
        assert shares_combine(chosen) == secret


def test_fewer_shares_than_the_threshold_do_not_rebuild_the_key() -> None:
    members = [(f"m{i}", X25519PrivateKey.generate()) for i in range(5)]
    key = tender_key_make(
        tender="t", members=[(name, k.public_key()) for name, k in members], threshold=3
    )
    shares = [
        Share.from_bytes(seal_open(k, sealed, context=share_context("t", name)))
        for (name, k), sealed in zip(members, key.sealed_shares, strict=True)
    ]
    assert [hashlib.sha256(s.to_bytes()).hexdigest() for s in shares] == list(key.share_digests)
    for two in itertools.combinations(shares, 2):
        with pytest.raises(SealError):
            tender_key_rebuild(two, public_key=key.public_key)
    rebuilt = tender_key_rebuild(shares[2:], public_key=key.public_key)
    sealed_bid = seal_to(
        public_key_load(key.public_key), b"price 100", context=bid_context("t", "b")
    )
    assert seal_open(rebuilt, sealed_bid, context=bid_context("t", "b")) == b"price 100"


def test_a_share_opens_only_with_its_members_key_and_context() -> None:
    alice, bob = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    key = tender_key_make(
        tender="t", members=[("alice", alice.public_key()), ("bob", bob.public_key())], threshold=1
    )
    with pytest.raises(SealError):
        seal_open(bob, key.sealed_shares[0], context=share_context("t", "alice"))
    with pytest.raises(SealError):
        seal_open(alice, key.sealed_shares[0], context=share_context("t", "bob"))
    with pytest.raises(SealError):
        seal_open(alice, key.sealed_shares[0], context=share_context("other tender", "alice"))


def test_a_sealed_bid_moved_to_another_bid_or_altered_does_not_open() -> None:
    key = X25519PrivateKey.generate()
    sealed = seal_to(key.public_key(), b"secret", context=bid_context("t", "b1"))
    with pytest.raises(SealError):
        seal_open(key, sealed, context=bid_context("t", "b2"))
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealError):
        seal_open(key, altered, context=bid_context("t", "b1"))
    with pytest.raises(SealError):
        seal_open(key, b"\x02" + sealed[1:], context=bid_context("t", "b1"))


def test_the_ciphertext_does_not_carry_the_plaintext() -> None:
    key = X25519PrivateKey.generate()
    plaintext = b'{"prices": {"1": 98765432}}'
    sealed = seal_to(key.public_key(), plaintext, context=bid_context("t", "b"))
    assert b"98765432" not in sealed
    assert seal_to(key.public_key(), plaintext, context=bid_context("t", "b")) != sealed


def test_malformed_shares_are_refused() -> None:
    with pytest.raises(SealError):
        Share.from_bytes(b"\x00" + bytes(66))  # index 0 would be the secret itself
    with pytest.raises(SealError):
        Share.from_bytes(b"\x01" + b"\xff" * 66)  # above the prime
    with pytest.raises(SealError):
        shares_combine([Share(1, 5), Share(1, 5)])
