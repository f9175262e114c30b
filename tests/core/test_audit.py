"""The audit trail: intact trails verify; edits, insertions and deletions are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, transaction

from qyzmet.core.audit import SealKeyMissing, audit_record, audit_seal_pending, audit_verify
from qyzmet.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _trail(n: int = 5) -> list[AuditEntry]:
    return [
        audit_record(actor="system", action="test.act", object_id=str(i), data={"i": i})
        for i in range(n)
    ]


def test_intact_trail_verifies() -> None:
    _trail()
    assert audit_seal_pending() is not None
    _trail(2)  # an unsealed tail is fine too
    report = audit_verify()
    assert report.intact, report.findings
    assert (report.seals_checked, report.unsealed_entries, report.entries_checked) == (1, 2, 7)


def test_seal_covers_only_new_entries() -> None:
    _trail(3)
    first = audit_seal_pending()
    assert audit_seal_pending() is None
    _trail(2)
    second = audit_seal_pending()
    assert first is not None
    assert second is not None
    assert (second.number, second.entry_count) == (2, 2)
    assert second.previous_digest == first.digest


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_edited_entry_is_named() -> None:
    entries = _trail()
    audit_seal_pending()
    _raw("UPDATE core_auditentry SET actor = %s WHERE id = %s", ["intruder", entries[2].pk])
    findings = audit_verify().findings
    assert [(f.entry_id, "edited" in f.problem) for f in findings] == [(entries[2].pk, True)]


def test_edit_with_recomputed_digest_is_still_named() -> None:
    entries = _trail()
    audit_seal_pending()
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.data = {"i": 999}
    from qyzmet.core.audit import entry_digest

    _raw(
        "UPDATE core_auditentry SET data = %s, digest = %s WHERE id = %s",
        ['{"i": 999}', entry_digest(forged), entries[1].pk],
    )
    findings = audit_verify().findings
    assert [f.entry_id for f in findings] == [entries[1].pk]


def test_deleted_entry_is_named() -> None:
    entries = _trail()
    audit_seal_pending()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [entries[3].pk])
    findings = audit_verify().findings
    assert [(f.entry_id, "deleted" in f.problem) for f in findings] == [(entries[3].pk, True)]


def _trail_rolled_back() -> None:
    try:
        with transaction.atomic():
            _trail(1)
            raise RuntimeError("abort")
    except RuntimeError:
        pass


def test_inserted_entry_is_named() -> None:
    _trail(2)
    _trail_rolled_back()  # leaves a gap in the ids, as real aborted acts do
    _trail(2)
    audit_seal_pending()
    sealed_ids = set(AuditEntry.objects.values_list("id", flat=True))
    gap = next(i for i in range(min(sealed_ids), max(sealed_ids)) if i not in sealed_ids)
    _raw(
        "INSERT INTO core_auditentry (id, at, actor, action, object_type, object_id, data, digest)"
        " SELECT %s, at, 'intruder', action, object_type, object_id, data, digest"
        " FROM core_auditentry WHERE id = %s",
        [gap, min(sealed_ids)],
    )
    findings = audit_verify().findings
    assert [(f.entry_id, "inserted" in f.problem) for f in findings] == [(gap, True)]


def test_forged_seal_is_detected() -> None:
    _trail()
    seal = audit_seal_pending()
    assert seal is not None
    _raw("UPDATE core_auditseal SET entry_count = entry_count + 1 WHERE id = %s", [seal.pk])
    assert any("signature" in f.problem for f in audit_verify().findings)


def test_deleted_seal_breaks_the_chain() -> None:
    _trail(2)
    first = audit_seal_pending()
    _trail(2)
    audit_seal_pending()
    assert first is not None
    _raw("DELETE FROM core_auditseal WHERE id = %s", [first.pk])
    assert any("missing" in f.problem for f in audit_verify().findings)


def test_verification_refuses_to_run_without_the_seal_key(settings: object, tmp_path: Path) -> None:
    _trail(2)
    audit_seal_pending()
    settings.QYZMET_HOME = tmp_path  # type: ignore[attr-defined]  # a home without keys
    with pytest.raises(SealKeyMissing, match="restore QYZMET_HOME/keys"):
        audit_verify()
    assert not (tmp_path / "keys" / "audit-seal.pem").exists()
