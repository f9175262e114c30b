from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.core.delivery import simulated_messages


class Command(BaseCommand):
    help = "Print the newest messages the simulated SMS operator has 'sent' (demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--last", type=int, default=5)

    def handle(self, *args: Any, last: int, **options: Any) -> None:
        messages = simulated_messages("sms")[-last:]
        if not messages:
            self.stdout.write("no messages yet")
        for message in messages:
            self.stdout.write(f"to {message.to}: {message.text}")
