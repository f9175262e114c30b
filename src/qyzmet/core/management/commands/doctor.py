from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qyzmet.core.doctor import run_checks


class Command(BaseCommand):
    help = "Check the database, migrations, worker and keys; exit 1 explaining what is wrong."

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_checks()
        for check in results:
            mark = "ok  " if check.ok else "FAIL"
            self.stdout.write(f"{mark} {check.name}: {check.detail}")
        failed = [check.name for check in results if not check.ok]
        if failed:
            raise CommandError(f"not healthy: {', '.join(failed)}")
        self.stdout.write("healthy")
