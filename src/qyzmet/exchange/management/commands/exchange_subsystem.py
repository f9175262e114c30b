from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.exchange.services import certificate_register, subsystem_add


class Command(BaseCommand):
    help = (
        "Register a member's subsystem (INSTANCE/CLASS/MEMBER/SUBSYSTEM), where its services "
        "answer (--address, for a registry on another node) and the certificate it signs with."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier")
        parser.add_argument("--address", default="", help="base URL of the node it runs on")
        parser.add_argument(
            "--mediator", action="store_true", help="it forwards for other clients (a mediator)"
        )
        parser.add_argument("--certificate", type=Path, help="PEM certificate of its key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            subsystem = subsystem_add(
                identifier=options["identifier"],
                address=options["address"],
                is_mediator=options["mediator"],
                actor="operator:cli",
            )
            if options["certificate"]:
                certificate_register(
                    subsystem=subsystem,
                    pem=options["certificate"].read_bytes(),
                    actor="operator:cli",
                )
        except (OSError, Problem) as error:
            raise CommandError(getattr(error, "detail", str(error))) from None
        self.stdout.write(f"subsystem {subsystem.identifier}")
