from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qyzmet.rules.selectors import rules_published


class Command(BaseCommand):
    help = "List the published rules with their latest version."

    def handle(self, *args: Any, **options: Any) -> None:
        for version in rules_published():
            self.stdout.write(
                f"{version.rule.code:<36} v{version.number:<4} "
                f"{version.published_at:%Y-%m-%d %H:%M} by {version.published_by}"
            )
