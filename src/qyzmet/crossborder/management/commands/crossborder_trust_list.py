from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.crossborder.node import own_trust_list


class Command(BaseCommand):
    help = "Write this node's signed TS 119 612 trust list, for partners to import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        data = own_trust_list()
        options["out"].write_bytes(data)
        self.stdout.write(f"wrote {options['out']} ({len(data)} bytes)")
