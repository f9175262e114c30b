from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qyzmet.core.audit import SealKeyMissing, audit_verify


class Command(BaseCommand):
    help = "Check the audit trail; exits non-zero naming every edited, inserted or deleted entry."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = audit_verify()
        except SealKeyMissing as missing:
            raise CommandError(f"cannot verify the audit trail: {missing}") from None
        for finding in report.findings:
            self.stderr.write(f"TAMPERED {finding}")
        summary = (
            f"{report.entries_checked} entries, {report.seals_checked} seals, "
            f"{report.unsealed_entries} not yet sealed"
        )
        if not report.intact:
            problems = len(report.findings)
            raise CommandError(f"audit trail NOT intact: {problems} problems ({summary})")
        self.stdout.write(f"audit trail intact: {summary}")
