from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.programmes.selectors import programme_status
from qyzmet.programmes.services import RunPaused, programme_run


class Command(BaseCommand):
    help = (
        "Run a mass programme: eligibility, payment orders, bank files, sending them, the "
        "banks' answers. --resume goes on with its unfinished run from where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--resume", action="store_true")
        parser.add_argument("--on", type=date.fromisoformat, help="decide eligibility on DATE")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            run = programme_run(options["code"], resume=options["resume"], on=options["on"],
                                say=self.stdout.write)  # fmt: skip
        except RunPaused as paused:
            raise CommandError(f"{paused} is paused; resume it, then run with --resume") from None
        except Problem as problem:
            raise CommandError(problem.detail) from None
        self.stdout.write(f"run finished in {time.monotonic() - started:.1f} s")
        for line in programme_status(run.programme).lines():
            self.stdout.write(line)
