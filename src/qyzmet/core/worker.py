"""Background work: the task queue worker and the periodic sealers of the tamper-evident logs."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("qyzmet.worker")


def task_worker(worker_id: str) -> Worker:
    """A worker for every queue of the default task backend, polling once a second."""
    return Worker(
        queue_names=["*"],
        interval=1.0,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def seal_periodically(stop: threading.Event) -> None:
    """Every AUDIT_SEAL_INTERVAL seconds, until ``stop`` is set, run each of QYZMET_SEALERS
    (functions that seal one batch and return None when nothing is left)."""
    sealers = [import_string(path) for path in settings.QYZMET_SEALERS]
    while not stop.wait(settings.AUDIT_SEAL_INTERVAL):
        for seal_pending in sealers:
            try:
                close_old_connections()
                while seal_pending() is not None:
                    pass
            except Exception:  # the sealer must outlive any one failure (a TSA down, say)
                logger.exception("sealing failed; will try again")
    connections.close_all()


def start_sealer() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=seal_periodically, args=(stop,), name="audit-sealer")
    thread.start()
    return thread, stop
