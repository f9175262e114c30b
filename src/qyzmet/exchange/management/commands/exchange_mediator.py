from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.exchange.services import mediator_ensure


class Command(BaseCommand):
    help = (
        "Show this node's mediator subsystem and write its certificate (PEM), for registering "
        "it as a client on the nodes it forwards to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="write the certificate here")

    def handle(self, *args: Any, **options: Any) -> None:
        mediator = mediator_ensure(actor="operator:cli")
        certificate = mediator.certificates.filter(removed_at__isnull=True).latest("added_at")
        if options["out"]:
            options["out"].write_text(certificate.pem)
        self.stdout.write(mediator.identifier)
