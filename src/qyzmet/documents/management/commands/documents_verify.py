from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from qyzmet.documents.verification import problem_message, verify_bytes


class Command(BaseCommand):
    help = "Verify a signed PDF, XML, JSON or detached CMS signature; exits 1 if not valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--content", type=Path, help="the signed file, for a detached CMS")
        parser.add_argument("--language", choices=["kk", "ru", "en"], default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = options["file"].read_bytes()
            content = options["content"].read_bytes() if options["content"] else None
        except OSError as error:
            raise CommandError(str(error)) from None
        with translation.override(options["language"]):
            report = verify_bytes(data, content=content)
            for code in report.problems:
                self.stdout.write(f"  ! {problem_message(code)}")
            for number, signature in enumerate(report.signatures, 1):
                state = "VALID" if signature.valid else "INVALID"
                when = signature.signed_at.isoformat() if signature.signed_at else "-"
                proof = "time stamp" if signature.time_proven else "not proven"
                self.stdout.write(
                    f"signature {number} ({signature.format}): {state}\n"
                    f"  signer: {signature.signer} {signature.signer_id}\n"
                    f"  signed at: {when} ({proof})"
                )
                if not signature.revocation_checked:
                    self.stdout.write("  revocation: not checked (another authority's certificate)")
                for link in signature.chain:
                    self.stdout.write(f"  chain: {link.subject}")
                for code in signature.problems:
                    self.stdout.write(f"  ! {problem_message(code)}")
            if report.document is not None:
                self.stdout.write(
                    f"registered document {report.document.short_code}: {report.document.title}"
                )
            if not report.valid:
                raise CommandError(f"{options['file']}: NOT valid")
            self.stdout.write(f"{options['file']}: valid")
