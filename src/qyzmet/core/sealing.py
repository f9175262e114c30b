"""Batch sealing of append-only logs, shared by the audit trail and the exchange log.

Writers insert rows that each carry the SHA-256 of their own content; nobody extends a
chain, so writers never wait for each other. A sealer later closes the rows written since
the previous seal under one RFC 6962 Merkle root over packed ``(id, digest)`` leaves.
The seal keeps the leaves, so a verifier can name the row that was edited, inserted or
deleted, and a Merkle proof shows one row's membership without the others.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Iterator
from typing import Literal

from django.db import connection, models, transaction

LEAF = struct.Struct(">q32s")
Side = Literal["left", "right"]


def leaf_pack(row_id: int, digest_hex: str) -> bytes:
    return LEAF.pack(row_id, bytes.fromhex(digest_hex))


def leaves_split(blob: bytes) -> list[bytes]:
    return [blob[i : i + LEAF.size] for i in range(0, len(blob), LEAF.size)]


def leaves_by_id(blob: bytes) -> dict[int, bytes]:
    """Row id → sealed digest (raw bytes)."""
    return dict(LEAF.unpack_from(blob, offset) for offset in range(0, len(blob), LEAF.size))


def _leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _next_level(level: list[bytes]) -> list[bytes]:
    paired = [_node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        paired.append(level[-1])  # an odd node is promoted, not duplicated
    return paired


def merkle_root(leaves: list[bytes]) -> str:
    """RFC 6962-style Merkle tree hash over the packed leaves."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = [_leaf_hash(leaf) for leaf in leaves]
    while len(level) > 1:
        level = _next_level(level)
    return level[0].hex()


def merkle_proof(leaves: list[bytes], index: int) -> list[tuple[Side, str]]:
    """The sibling hashes from leaf ``index`` up to the root, each with its side."""
    proof: list[tuple[Side, str]] = []
    level = [_leaf_hash(leaf) for leaf in leaves]
    while len(level) > 1:
        if index % 2:
            proof.append(("left", level[index - 1].hex()))
        elif index + 1 < len(level):
            proof.append(("right", level[index + 1].hex()))
        level = _next_level(level)
        index //= 2
    return proof


def merkle_root_from_proof(leaf: bytes, proof: Iterable[tuple[str, str]]) -> str:
    """The root a leaf and its proof lead to; equal to the sealed root if the leaf is in it."""
    node = _leaf_hash(leaf)
    for side, sibling_hex in proof:
        sibling = bytes.fromhex(sibling_hex)
        node = _node_hash(sibling, node) if side == "left" else _node_hash(node, sibling)
    return node.hex()


def committed_high_water_mark(model: type[models.Model]) -> int:
    """The highest id of ``model`` below which no uncommitted insert can still appear.

    On PostgreSQL this takes the table's SHARE lock for an instant: it conflicts with the
    ROW EXCLUSIVE lock of inserters, so it waits until their transactions have finished.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE MODE")
        top = model._default_manager.order_by("-id").values_list("id", flat=True).first()
    return int(top or 0)


def sealed_range_findings(
    sealed_leaves: bytes, present: Iterable[tuple[int, str]]
) -> Iterator[tuple[int, str]]:
    """Compare the rows found in a sealed id range with the seal's leaves.

    ``present`` yields ``(id, recomputed digest)`` in id order. Each finding is
    ``(row id, problem)``: edited, inserted after sealing, or deleted.
    """
    sealed = leaves_by_id(sealed_leaves)
    for row_id, digest in present:
        sealed_digest = sealed.pop(row_id, None)
        if sealed_digest is None:
            yield row_id, "not in the seal (inserted after sealing)"
        elif bytes.fromhex(digest) != sealed_digest:
            yield row_id, "content differs from the sealed digest (edited)"
    for missing_id in sorted(sealed):
        yield missing_id, "sealed but missing (deleted)"
