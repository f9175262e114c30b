"""The exchange log's evidence: record digests, signed and time-stamped batch seals, checks.

A mediator only inserts records (one row per exchange, with its own digest), so callers
never wait for each other. :func:`exchange_seal_pending` then closes the records written
since the last seal under a Merkle root, signed with the platform evidence seal and
time-stamped (:mod:`qyzmet.trust.evidence`); each seal names the one before.
:func:`exchange_verify` names every record that was edited, inserted or deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from qyzmet.core.sealing import (
    LEAF,
    committed_high_water_mark,
    leaf_pack,
    leaves_split,
    merkle_root,
    sealed_range_findings,
)
from qyzmet.exchange.models import EvidenceMode, ExchangeRecord, ExchangeSeal
from qyzmet.trust.evidence import Evidence, evidence_check, evidence_seal
from qyzmet.trust.jws import canonical_json


def response_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def record_content(record: ExchangeRecord) -> bytes:
    """The canonical bytes a record's digest is over (bodies are bound by their hashes)."""
    return canonical_json(
        {
            "at": record.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "message_id": record.message_id,
            "channel": record.channel,
            "client": record.client,
            "service": record.service,
            "method": record.method,
            "path": record.path,
            "user_id": record.user_id,
            "purpose": record.purpose,
            "issue": record.issue,
            "subject_iin": record.subject_iin,
            "own_action": record.own_action,
            "fields": record.fields,
            "consent": record.consent,
            "status": record.status,
            "error": record.error,
            "request_hash": record.request_hash,
            "response_hash": record.response_hash,
            "mode": record.mode,
            "assertion_id": record.assertion_id or "",
        }
    )


def record_digest(record: ExchangeRecord) -> str:
    return hashlib.sha256(record_content(record)).hexdigest()


def _body_problem(record: ExchangeRecord) -> str | None:
    request, response = record.request_body, record.response_body
    if record.mode == EvidenceMode.FULL and (request is None or response is None):
        return "a body kept in full is missing (deleted)"
    if request is not None and hashlib.sha256(bytes(request)).hexdigest() != record.request_hash:
        return "request body differs from its hash (edited)"
    if response is not None and response_hash(bytes(response)) != record.response_hash:
        return "response body differs from its hash (edited)"
    return None


def seal_statement(seal: ExchangeSeal) -> bytes:
    """The bytes the evidence seal signs for one batch."""
    return canonical_json(
        {
            "number": seal.number,
            "after_record_id": seal.after_record_id,
            "last_record_id": seal.last_record_id,
            "record_count": seal.record_count,
            "merkle_root": seal.merkle_root,
            "previous_digest": seal.previous_digest,
            "sealed_at": seal.sealed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        }
    )


def statement_values(statement: bytes) -> dict[str, Any]:
    values: dict[str, Any] = json.loads(statement)
    return values


def _seal_digest(statement: bytes, jws: str) -> str:
    return hashlib.sha256(statement + jws.encode()).hexdigest()


def exchange_seal_pending(*, max_records: int = 50_000) -> ExchangeSeal | None:
    """Seal the records committed since the last seal; None when there are none.

    Concurrent sealers do not duplicate a seal: the number is unique and the loser gives up.
    """
    high = committed_high_water_mark(ExchangeRecord)
    last = ExchangeSeal.objects.order_by("-number").first()
    after = last.last_record_id if last else 0
    rows = list(
        ExchangeRecord.objects.filter(id__gt=after, id__lte=high)
        .order_by("id")
        .values_list("id", "digest")[:max_records]
    )
    if not rows:
        return None
    leaves = [leaf_pack(record_id, digest) for record_id, digest in rows]
    seal = ExchangeSeal(
        number=(last.number + 1) if last else 1,
        after_record_id=after,
        last_record_id=rows[-1][0],
        record_count=len(rows),
        leaves=b"".join(leaves),
        merkle_root=merkle_root(leaves),
        previous_digest=last.digest if last else "0" * 64,
        sealed_at=timezone.now(),
    )
    statement = seal_statement(seal)
    evidence = evidence_seal(statement)
    seal.jws, seal.timestamp_token = evidence.jws, evidence.timestamp_token
    seal.digest = _seal_digest(statement, evidence.jws)
    try:
        with transaction.atomic():
            seal.save(force_insert=True)
    except IntegrityError:
        return None
    return seal


@dataclass(frozen=True)
class LogFinding:
    record_id: int | None
    seal_number: int | None
    problem: str

    def __str__(self) -> str:
        where = f"record #{self.record_id}" if self.record_id is not None else "log"
        if self.seal_number is not None:
            where += f" (seal {self.seal_number})"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class LogReport:
    records_checked: int
    seals_checked: int
    unsealed_records: int
    findings: list[LogFinding]

    @property
    def intact(self) -> bool:
        return not self.findings


def exchange_verify() -> LogReport:
    """Check every seal (chain, root, signature, time stamp) and every record against it."""
    findings: list[LogFinding] = []
    expected_previous, expected_number, after = "0" * 64, 1, 0
    records = seals = 0
    for seal in ExchangeSeal.objects.order_by("number").iterator():
        seals += 1
        findings.extend(_check_seal(seal, expected_number, expected_previous, after))
        findings.extend(_check_sealed_records(seal))
        records += seal.record_count
        expected_previous, expected_number = seal.digest, seal.number + 1
        after = seal.last_record_id
    findings.extend(
        LogFinding(record_id, None, "outside every sealed range (inserted)")
        for record_id in ExchangeRecord.objects.filter(id__lte=0).values_list("id", flat=True)
    )
    unsealed = 0
    for record in ExchangeRecord.objects.filter(id__gt=after).order_by("id").iterator():
        unsealed += 1
        problem = _body_problem(record)
        if record_digest(record) != record.digest:
            problem = "content does not match its digest (edited)"
        if problem:
            findings.append(LogFinding(record.pk, None, problem))
    return LogReport(records + unsealed, seals, unsealed, findings)


def _check_seal(
    seal: ExchangeSeal, expected_number: int, expected_previous: str, expected_after: int
) -> Iterator[LogFinding]:
    if seal.number != expected_number:
        yield LogFinding(None, seal.number, f"seal {expected_number} is missing (deleted seal)")
    if seal.previous_digest != expected_previous or seal.after_record_id != expected_after:
        yield LogFinding(None, seal.number, "does not follow the previous seal (broken chain)")
    statement = seal_statement(seal)
    check = evidence_check(statement, Evidence(seal.jws, bytes(seal.timestamp_token)))
    if not check.intact:
        yield LogFinding(None, seal.number, f"signature or time stamp fails: {check.problems}")
    leaves = leaves_split(bytes(seal.leaves))
    if len(bytes(seal.leaves)) % LEAF.size:
        yield LogFinding(None, seal.number, "record list is damaged")
        return
    if merkle_root(leaves) != seal.merkle_root or len(leaves) != seal.record_count:
        yield LogFinding(None, seal.number, "record list does not match the signed root")
    if _seal_digest(statement, seal.jws) != seal.digest:
        yield LogFinding(None, seal.number, "seal digest does not match the seal")


def _check_sealed_records(seal: ExchangeSeal) -> Iterator[LogFinding]:
    if len(bytes(seal.leaves)) % LEAF.size:
        return  # reported with the seal
    present = ExchangeRecord.objects.filter(
        id__gt=seal.after_record_id, id__lte=seal.last_record_id
    ).order_by("id")
    bodies: list[LogFinding] = []

    def digests() -> Iterator[tuple[int, str]]:
        for record in present.iterator():
            problem = _body_problem(record)
            if problem:
                bodies.append(LogFinding(record.pk, seal.number, problem))
            yield record.pk, record_digest(record)

    for record_id, problem in sealed_range_findings(bytes(seal.leaves), digests()):
        yield LogFinding(record_id, seal.number, problem)
    yield from bodies
