from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.crossborder.delivery import partner_import


class Command(BaseCommand):
    help = "Add a partner state's node, or update it with its newer trust list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("country", help="ISO 3166-1 alpha-2 code, e.g. KG")
        parser.add_argument("--name", required=True)
        parser.add_argument("--endpoint", required=True, help="the partner node's base URL")
        parser.add_argument("--organisation", required=True, help="the partner node's identifier")
        parser.add_argument(
            "--trust-list", type=Path, required=True, help="its signed TS 119 612 list"
        )
        parser.add_argument(
            "--document-type", action="append", default=[], dest="document_types",
            help="a document type this node sends the partner (repeat for more)",
        )  # fmt: skip
        parser.add_argument(
            "--exchange-client", default="",
            help="the exchange subsystem the partner's requests read registries as",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            partner = partner_import(
                country=options["country"], name=options["name"], endpoint=options["endpoint"],
                organisation=options["organisation"],
                trust_list=options["trust_list"].read_bytes(),
                document_types=options["document_types"],
                exchange_client=options["exchange_client"], actor="operator:cli",
            )  # fmt: skip
        except (Problem, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{partner.country} {partner.name}: trust list {partner.trust_list_sequence}, "
            f"sends {', '.join(partner.document_types) or 'nothing'}"
        )
