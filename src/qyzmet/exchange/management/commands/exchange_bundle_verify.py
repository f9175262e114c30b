from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.exchange.bundles import bundle_verify


class Command(BaseCommand):
    help = (
        "Verify an evidence bundle offline against root certificates (PEM, e.g. from "
        "/trust/roots.pem); needs no database and no network."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", type=Path)
        parser.add_argument("--roots", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = options["bundle"].read_bytes()
            roots = x509.load_pem_x509_certificates(options["roots"].read_bytes())
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        report = bundle_verify(data, roots)
        for problem in report.problems:
            self.stderr.write(f"INVALID {problem}")
        if not report.valid:
            raise CommandError(f"bundle NOT valid: {len(report.problems)} problems")
        record = report.record
        self.stdout.write(
            f"bundle valid: {record.get('method')} {record.get('service')} by "
            f"{record.get('client')} (status {record.get('status')}), sealed {report.sealed_at} "
            f"by {report.sealed_by}, time-stamped {report.existed_at}"
        )
