from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from qyzmet.procurement.ocds import releases_export


class Command(BaseCommand):
    help = "Write every OCDS release published so far as one release package (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="the file (default: standard output)")
        parser.add_argument("--uri", help="where the package is published (its uri field)")

    def handle(self, *args: Any, **options: Any) -> None:
        uri = options["uri"] or f"{settings.QYZMET_PUBLIC_URL}/api/v1/procurement/export"
        if options["out"] is None:
            count = releases_export(sys.stdout, uri=uri)
        else:
            with options["out"].open("w", encoding="utf-8") as out:
                count = releases_export(out, uri=uri)
        self.stderr.write(f"{count} releases")
