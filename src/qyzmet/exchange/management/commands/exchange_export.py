from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.exchange.bundles import BundleNotReady, bundle_export
from qyzmet.exchange.models import ExchangeRecord


class Command(BaseCommand):
    help = "Export one exchange as a signed evidence bundle (zip) that verifies offline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message_id", help="the exchange's X-Road-Id (or its record number)")
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = options["message_id"]
        records = ExchangeRecord.objects.filter(message_id=wanted)
        if wanted.isdigit():
            records = records | ExchangeRecord.objects.filter(pk=int(wanted))
        found = list(records.order_by("id")[:2])
        if len(found) != 1:
            raise CommandError(
                f"{'no exchange' if not found else 'several exchanges'} with id {wanted!r}"
            )
        try:
            data = bundle_export(found[0], exported_by="operator:cli")
        except BundleNotReady as error:
            raise CommandError(str(error)) from None
        options["out"].write_bytes(data)
        self.stdout.write(f"wrote {options['out']} ({len(data)} bytes)")
