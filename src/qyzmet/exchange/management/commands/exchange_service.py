from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.exchange.models import EvidenceMode
from qyzmet.exchange.services import service_publish


class Command(BaseCommand):
    help = (
        "Publish a service of a registered subsystem, for example one that answers on another "
        "node (its subsystem has an --address)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", help="INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE")
        parser.add_argument("--title-kk", required=True)
        parser.add_argument("--title-ru", required=True)
        parser.add_argument("--title-en", required=True)
        parser.add_argument(
            "--no-personal-data", action="store_true", help="it returns no data about a person"
        )
        parser.add_argument("--consent-required", action="store_true")
        parser.add_argument("--mode", choices=EvidenceMode.values, default=EvidenceMode.METADATA)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            service = service_publish(
                identifier=options["identifier"],
                titles=(options["title_kk"], options["title_ru"], options["title_en"]),
                personal_data=not options["no_personal_data"],
                consent_required=options["consent_required"],
                evidence_mode=options["mode"],
                actor="operator:cli",
            )
        except Problem as problem:
            raise CommandError(problem.detail) from None
        self.stdout.write(f"published {service.identifier}")
