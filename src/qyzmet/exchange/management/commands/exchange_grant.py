from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.exchange.services import grant_give


class Command(BaseCommand):
    help = "Allow a client subsystem to call a service for the named purposes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", help="INSTANCE/CLASS/MEMBER/SUBSYSTEM")
        parser.add_argument("service", help="INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE")
        parser.add_argument("--purpose", action="append", default=[], dest="purposes")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            grant_give(
                client=options["client"],
                service=options["service"],
                purposes=options["purposes"],
                actor="operator:cli",
            )
        except Problem as problem:
            raise CommandError(problem.detail) from None
        purposes = ", ".join(options["purposes"]) or "no personal data"
        self.stdout.write(f"granted {options['service']} to {options['client']} ({purposes})")
