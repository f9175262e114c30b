from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qyzmet.exchange.evidence import exchange_seal_pending


class Command(BaseCommand):
    help = "Seal the exchange records written since the last seal (signed and time-stamped)."

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = 0
        while (seal := exchange_seal_pending()) is not None:
            sealed += 1
            self.stdout.write(f"seal {seal.number}: {seal.record_count} records")
        if not sealed:
            self.stdout.write("nothing to seal")
