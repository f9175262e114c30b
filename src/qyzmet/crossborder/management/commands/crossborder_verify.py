from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from qyzmet.core.errors import Problem
from qyzmet.crossborder.report import LANGUAGES, statement
from qyzmet.crossborder.verify import foreign_document_validate, validation_report


class Command(BaseCommand):
    help = (
        "Check a document signed in a partner state as of when it was signed, by that "
        "state's trust list; write the signed validation report. Exits 1 unless every "
        "signature passed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--country", required=True, help="the state where it was signed")
        parser.add_argument("--language", choices=LANGUAGES, default="en")
        parser.add_argument("--report", type=Path, help="write the signed report (XML) here")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = options["file"].read_bytes()
            results = foreign_document_validate(data, country=options["country"])
            if options["report"] is not None:
                report = validation_report(
                    data, country=options["country"], language=options["language"]
                )
                options["report"].write_bytes(report)
        except (Problem, OSError) as error:
            raise CommandError(str(error)) from None
        with translation.override(options["language"]):
            for result in results:
                self.stdout.write(f"{result.indication}: {statement(result)}")
        if any(r.indication != "TOTAL-PASSED" for r in results):
            raise SystemExit(1)
