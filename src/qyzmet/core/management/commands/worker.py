from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from qyzmet.core.worker import start_periodic_jobs, task_worker, worker_id_new


class Command(BaseCommand):
    help = "Run background tasks (database queue) and seal the audit trail. Ctrl-C stops it."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.QYZMET_WORKER_NICENESS > 0:
            os.nice(settings.QYZMET_WORKER_NICENESS)
        periodic, stop = start_periodic_jobs()
        worker = task_worker(worker_id_new())
        worker.configure_signals()
        self.stdout.write("qyzmet worker running; Ctrl-C stops it")
        try:
            worker.run()
        finally:
            stop.set()
            periodic.join()
