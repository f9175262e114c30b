from __future__ import annotations

import os
import socket
from typing import Any

from django.core.management.base import BaseCommand

from qyzmet.core.worker import start_sealer, task_worker


class Command(BaseCommand):
    help = "Run background tasks (database queue) and seal the audit trail. Ctrl-C stops it."

    def handle(self, *args: Any, **options: Any) -> None:
        sealer, stop = start_sealer()
        worker = task_worker(f"{socket.gethostname()}-{os.getpid()}")
        worker.configure_signals()
        self.stdout.write("qyzmet worker running; Ctrl-C stops it")
        try:
            worker.run()
        finally:
            stop.set()
            sealer.join()
