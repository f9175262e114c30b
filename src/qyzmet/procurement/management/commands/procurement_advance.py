from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qyzmet.procurement.awarding import tenders_advance


class Command(BaseCommand):
    help = "Move on every tender whose period has ended (the worker does this each minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{tenders_advance()} tenders moved on")
