"""The qyzmet command line, run in-process through its real entry point."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from qyzmet.cli import django_argv, main
from qyzmet.core.audit import audit_record, audit_seal_pending

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["registry", "generate", "--persons", "5"], ["registry_generate", "--persons", "5"]),
        (["audit", "verify"], ["audit_verify"]),
        (["demo", "--port", "9000"], ["demo", "--port", "9000"]),
        (["manage", "check"], ["check"]),
        (["manage"], ["help"]),
        (["audit", "explode"], None),
        (["nonsense"], None),
        ([], None),
    ],
)
def test_subcommands_map_to_management_commands(
    argv: list[str], expected: list[str] | None
) -> None:
    assert django_argv(argv) == expected


def test_unknown_command_prints_usage_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nonsense"]) == 2
    assert "usage: qyzmet" in capsys.readouterr().err


def test_audit_verify_exits_zero_on_an_intact_trail(capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        audit_record(actor="system", action="test.act", data={"i": i})
    audit_seal_pending()
    assert main(["audit", "verify"]) == 0
    assert "audit trail intact: 3 entries, 1 seals" in capsys.readouterr().out


@pytest.mark.parametrize("tampering", ["edit", "delete"])
def test_audit_verify_fails_naming_the_entry(
    tampering: str, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = [audit_record(actor="system", action="test.act", data={"i": i}) for i in range(3)]
    audit_seal_pending()
    target = entries[1].pk
    with connection.cursor() as cursor:
        if tampering == "edit":
            cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [target])
        else:
            cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [target])
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "verify"])
    assert exit_info.value.code != 0
    assert f"TAMPERED entry #{target} (seal 1)" in capsys.readouterr().err


# Django closes database connections after a command run from the command line, so each
# test calls main() last and uses call_command before it.


def test_audit_seal_command(capsys: pytest.CaptureFixture[str]) -> None:
    audit_record(actor="system", action="test.act")
    call_command("audit_seal")
    assert "sealed seal 1" in capsys.readouterr().out
    assert main(["audit", "seal"]) == 0
    assert "nothing to seal" in capsys.readouterr().out


def test_doctor_reports_health_and_fails_on_a_stalled_sealer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from qyzmet.core.models import AuditEntry

    call_command("doctor")
    assert "healthy" in capsys.readouterr().out
    entry = audit_record(actor="system", action="test.act")
    AuditEntry.objects.filter(pk=entry.pk).update(at=timezone.now() - timedelta(minutes=10))
    with pytest.raises(SystemExit):
        main(["doctor"])
    out = capsys.readouterr().out
    assert "FAIL worker: audit entries have gone unsealed" in out
