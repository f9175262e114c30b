from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.catalog.commandline import problems_said
from qyzmet.programmes.services import SHIPPED, programmes_load


class Command(BaseCommand):
    help = "Check and load programme definitions (DIR/programmes/*.yaml; the shipped ones)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", metavar="DIR", type=Path, nargs="?", default=SHIPPED)

    def handle(self, *args: Any, **options: Any) -> None:
        with problems_said(self.stderr.write):
            loaded = programmes_load(options["directory"], actor="cli")
        for programme in loaded:
            self.stdout.write(f"loaded {programme.code}")
