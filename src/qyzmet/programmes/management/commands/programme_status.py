from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.programmes.selectors import programme_status
from qyzmet.programmes.services import programme_get


class Command(BaseCommand):
    help = "Counts per stage, refusals by reason, money paid against the budget."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        for line in programme_status(programme_get(options["code"])).lines():
            self.stdout.write(line)
