from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qyzmet.core.audit import audit_seal_pending


class Command(BaseCommand):
    help = "Seal the audit entries written since the last seal (the worker does this itself)."

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = 0
        while (seal := audit_seal_pending()) is not None:
            sealed += 1
            self.stdout.write(f"sealed {seal}")
        if not sealed:
            self.stdout.write("nothing to seal")
