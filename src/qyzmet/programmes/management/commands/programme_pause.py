from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.programmes.services import programme_pause


class Command(BaseCommand):
    help = "Pause a programme: its run stops after the chunk it is in; offers stop going out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--resume", action="store_true", help="lift the pause")

    def handle(self, *args: Any, **options: Any) -> None:
        programme = programme_pause(options["code"], paused=not options["resume"], actor="cli")
        self.stdout.write(f"{programme.code}: {'paused' if programme.paused_at else 'running'}")
