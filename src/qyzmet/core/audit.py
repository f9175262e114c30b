"""The tamper-evident audit trail.

Writers append :class:`AuditEntry` rows independently (no shared lock, no chain to
extend). A sealer periodically closes the entries written since the last seal under a
signed Merkle root chained to the previous seal. ``audit_verify`` recomputes every
digest, root, chain link and signature and names each entry that was edited, inserted
or deleted after sealing. Entries not yet sealed are checked against their own digest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from qyzmet.core.models import AuditEntry, AuditSeal
from qyzmet.core.sealing import (
    committed_high_water_mark,
    leaf_pack,
    leaves_split,
    merkle_root,
    sealed_range_findings,
)

SYSTEM_ACTOR = "system"


def audit_record(
    *,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the transaction of the act it records."""
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
    )
    entry.digest = entry_digest(entry)
    entry.save(force_insert=True)
    return entry


def entry_digest(entry: AuditEntry) -> str:
    """SHA-256 over the entry's content in a canonical form (its id is bound by the seal)."""
    content = [
        entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.actor,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.data,
    ]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_seal_pending(*, max_entries: int = 50_000) -> AuditSeal | None:
    """Seal the entries written since the last seal; returns None when there are none.

    Only committed entries are sealed: on PostgreSQL the sealer waits, for an instant,
    until transactions that are inserting entries have finished, so no entry can later
    appear below the seal's upper bound. Concurrent sealers do not duplicate a seal: the
    seal number is unique and the loser gives up.
    """
    high = committed_high_water_mark(AuditEntry)
    last = AuditSeal.objects.order_by("-number").first()
    after = last.last_entry_id if last else 0
    rows = list(
        AuditEntry.objects.filter(id__gt=after, id__lte=high)
        .order_by("id")
        .values_list("id", "digest")[:max_entries]
    )
    if not rows:
        return None
    leaves = [leaf_pack(entry_id, digest) for entry_id, digest in rows]
    seal = AuditSeal(
        number=(last.number + 1) if last else 1,
        after_entry_id=after,
        last_entry_id=rows[-1][0],
        entry_count=len(rows),
        leaves=b"".join(leaves),
        merkle_root=merkle_root(leaves),
        previous_digest=last.digest if last else "0" * 64,
        sealed_at=timezone.now(),
    )
    key = _seal_key()
    seal.key_id = _key_id(key.public_key())
    seal.signature = key.sign(_seal_statement(seal))
    seal.digest = hashlib.sha256(_seal_statement(seal) + seal.signature).hexdigest()
    try:
        with transaction.atomic():
            seal.save(force_insert=True)
    except IntegrityError:
        return None
    return seal


def _seal_statement(seal: AuditSeal) -> bytes:
    return json.dumps(
        [
            seal.number,
            seal.after_entry_id,
            seal.last_entry_id,
            seal.entry_count,
            seal.merkle_root,
            seal.previous_digest,
            seal.sealed_at.astimezone(UTC).isoformat(timespec="microseconds"),
            seal.key_id,
        ],
        separators=(",", ":"),
    ).encode()


@dataclass(frozen=True)
class Finding:
    entry_id: int | None
    seal_number: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry #{self.entry_id}" if self.entry_id is not None else "trail"
        if self.seal_number is not None:
            where += f" (seal {self.seal_number})"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class VerifyReport:
    entries_checked: int
    seals_checked: int
    unsealed_entries: int
    findings: list[Finding]

    @property
    def intact(self) -> bool:
        return not self.findings


def audit_verify() -> VerifyReport:
    """Check the whole trail; every finding names the entry (or seal) at fault."""
    findings: list[Finding] = []
    public_key = _seal_key(create=not AuditSeal.objects.exists()).public_key()
    expected_previous = "0" * 64
    expected_number = 1
    after = 0
    entries_checked = seals_checked = 0
    for seal in AuditSeal.objects.order_by("number").iterator():
        seals_checked += 1
        findings.extend(_check_seal(seal, public_key, expected_number, expected_previous, after))
        findings.extend(_check_sealed_entries(seal))
        entries_checked += seal.entry_count
        expected_previous, expected_number = seal.digest, seal.number + 1
        after = seal.last_entry_id
    unsealed = 0
    for entry in AuditEntry.objects.filter(id__gt=after).order_by("id").iterator():
        unsealed += 1
        if entry_digest(entry) != entry.digest:
            findings.append(Finding(entry.pk, None, "content does not match its digest (edited)"))
    return VerifyReport(entries_checked + unsealed, seals_checked, unsealed, findings)


def _check_seal(
    seal: AuditSeal,
    public_key: Ed25519PublicKey,
    expected_number: int,
    expected_previous: str,
    expected_after: int,
) -> Iterator[Finding]:
    if seal.number != expected_number:
        yield Finding(None, seal.number, f"seal {expected_number} is missing (deleted seal)")
    if seal.previous_digest != expected_previous or seal.after_entry_id != expected_after:
        yield Finding(None, seal.number, "does not follow the previous seal (broken chain)")
    try:
        public_key.verify(bytes(seal.signature), _seal_statement(seal))
    except InvalidSignature:
        yield Finding(None, seal.number, "signature does not match the seal (forged seal)")
    leaf_list = leaves_split(bytes(seal.leaves))
    if merkle_root(leaf_list) != seal.merkle_root or len(leaf_list) != seal.entry_count:
        yield Finding(None, seal.number, "entry list does not match the signed root")
    if hashlib.sha256(_seal_statement(seal) + bytes(seal.signature)).hexdigest() != seal.digest:
        yield Finding(None, seal.number, "seal digest does not match the seal")


def _check_sealed_entries(seal: AuditSeal) -> Iterator[Finding]:
    present = AuditEntry.objects.filter(
        id__gt=seal.after_entry_id, id__lte=seal.last_entry_id
    ).order_by("id")
    rows = ((entry.pk, entry_digest(entry)) for entry in present.iterator())
    for entry_id, problem in sealed_range_findings(bytes(seal.leaves), rows):
        yield Finding(entry_id, seal.number, problem)


class SealKeyMissing(Exception):
    """Seals exist but the key that signed them is not in QYZMET_HOME."""


def _seal_key(*, create: bool = True) -> Ed25519PrivateKey:
    """The audit seal key, kept outside the database in QYZMET_HOME (created on first use).

    Verification never creates one: a new key would call every existing seal forged.
    """
    path = Path(settings.QYZMET_HOME) / "keys" / "audit-seal.pem"
    if not path.exists() and not create:
        raise SealKeyMissing(f"{path} is missing: restore QYZMET_HOME/keys from backup")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} does not hold an Ed25519 key")
    return key


def _key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
