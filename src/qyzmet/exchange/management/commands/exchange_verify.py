from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qyzmet.exchange.evidence import exchange_verify


class Command(BaseCommand):
    help = "Check the exchange log; exits non-zero naming every edited, inserted or deleted record."

    def handle(self, *args: Any, **options: Any) -> None:
        report = exchange_verify()
        for finding in report.findings:
            self.stderr.write(f"TAMPERED {finding}")
        summary = (
            f"{report.records_checked} records, {report.seals_checked} seals, "
            f"{report.unsealed_records} not yet sealed"
        )
        if not report.intact:
            raise CommandError(
                f"exchange log NOT intact: {len(report.findings)} problems ({summary})"
            )
        self.stdout.write(f"exchange log intact: {summary}")
