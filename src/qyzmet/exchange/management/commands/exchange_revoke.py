from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.exchange.services import grant_revoke


class Command(BaseCommand):
    help = "Withdraw a client subsystem's grant to a service."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client")
        parser.add_argument("service")

    def handle(self, *args: Any, **options: Any) -> None:
        if not grant_revoke(
            client=options["client"], service=options["service"], actor="operator:cli"
        ):
            raise CommandError("no such grant")
        self.stdout.write(f"revoked {options['service']} from {options['client']}")
