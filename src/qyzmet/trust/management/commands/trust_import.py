from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.trust.authority import trust_anchor_import
from qyzmet.trust.models import AnchorKind


class Command(BaseCommand):
    help = "Add a root certificate (PEM or DER) to the trust list, e.g. a national CA's root."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("certificate", type=Path)
        parser.add_argument("--kind", choices=[k.value for k in AnchorKind], default="ca")
        parser.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchor = trust_anchor_import(
                data=options["certificate"].read_bytes(),
                kind=AnchorKind(options["kind"]),
                name=options["name"],
                actor="operator:cli",
            )
        except (OSError, Problem) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"trusted {anchor.name} ({anchor.kind}) sha256={anchor.sha256}")
