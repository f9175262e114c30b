from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.trust.authority import trust_anchor_distrust


class Command(BaseCommand):
    help = "Remove a root from the trust list (by SHA-256 fingerprint, as `trust roots` shows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sha256")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = trust_anchor_distrust(sha256=options["sha256"].lower(), actor="operator:cli")
        except Problem as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"no longer trusted: {count} trust list entries")
