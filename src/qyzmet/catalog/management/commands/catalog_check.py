from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.catalog.commandline import catalogue_checked


class Command(BaseCommand):
    help = "Check a catalogue directory; every problem is named by file, line and field."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", metavar="DIR", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        catalogue = catalogue_checked(options["directory"], self.stderr.write)
        self.stdout.write(
            f"{options['directory']}: ok ({len(catalogue.services)} services, "
            f"{len(catalogue.situations)} life situations)"
        )
