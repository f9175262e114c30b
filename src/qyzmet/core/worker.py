"""Background work: the task queue worker, and the periodic jobs (sealing the tamper-evident
logs, requeueing the tasks of dead workers, and what other apps add)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from qyzmet.core.idempotency import delete_batch

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


def worker_id_new() -> str:
    """``host-pid``: lets a worker on the same host tell that this one has died."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _abandoned(worker_id: str) -> bool:
    host, _, pid = worker_id.rpartition("-")
    return host == socket.gethostname() and pid.isdigit() and not _process_alive(int(pid))


def tasks_requeue_abandoned(*, timeout: timedelta | None = None) -> None:
    """Put back on the queue every task whose worker died while running it: at once when
    that worker ran on this host (its process is gone), otherwise once it has run longer
    than QYZMET_TASK_TIMEOUT. Tasks are idempotent, so running one again is safe; this is
    how a worker killed mid-task loses nothing. Returns None (nothing left) for the
    worker's periodic loop."""
    limit = timezone.now() - (timeout or timedelta(seconds=settings.QYZMET_TASK_TIMEOUT))
    for task_id, worker_ids, started_at in DBTaskResult.objects.running().values_list(
        "id", "worker_ids", "started_at"
    ):
        last = worker_ids[-1] if worker_ids else ""
        if _abandoned(last) or (started_at is not None and started_at < limit):
            requeued = DBTaskResult.objects.filter(
                id=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
            ).update(status=TaskResultStatus.READY, started_at=None)
            if requeued:
                logger.warning("task %s of worker %s requeued: its worker is gone", task_id, last)


KEEP_FINISHED_TASKS = timedelta(days=7)
# Changes to the task queue after which its statistics are refreshed (see below).
QUEUE_CHANGES_BEFORE_ANALYZE = 1000


def tasks_statistics_refresh() -> None:
    """Keep PostgreSQL's statistics of the task queue current (a periodic job).

    A surge grows the queue from nothing to tens of thousands of tasks in a minute, before
    autovacuum looks (once a minute, and only past a share of the table). Planned on the
    statistics of an empty queue, taking the next task reads and sorts the whole backlog
    (12 ms a task with 3,500 waiting, growing with it) instead of reading the first entry
    of the queue's index (0.2 ms)."""
    if connection.vendor != "postgresql":
        return
    table = DBTaskResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relid = %s::regclass",
            [table],
        )
        row = cursor.fetchone()
        if row is not None and row[0] >= QUEUE_CHANGES_BEFORE_ANALYZE:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def tasks_prune() -> int | None:
    """Delete a batch of tasks that finished successfully more than a week ago (failed ones
    stay, to be looked into); how many, or None when none was left (a periodic job)."""
    cutoff = timezone.now() - KEEP_FINISHED_TASKS
    return delete_batch(DBTaskResult.objects.successful().filter(finished_at__lt=cutoff))


def run_periodically(stop: threading.Event) -> None:
    """Every AUDIT_SEAL_INTERVAL seconds, until ``stop`` is set, run each of
    QYZMET_PERIODIC_JOBS (functions that do one batch and return None when nothing is left:
    sealing the logs, requeueing dead workers' tasks, escalating cases...)."""
    jobs = [import_string(path) for path in settings.QYZMET_PERIODIC_JOBS]
    while not stop.wait(settings.AUDIT_SEAL_INTERVAL):
        for run_batch in jobs:
            try:
                close_old_connections()
                while run_batch() is not None:
                    pass
            except Exception:  # a job must outlive any one failure (a TSA down, say)
                logger.exception("periodic job %s failed; will try again", run_batch.__name__)
    connections.close_all()


def start_periodic_jobs() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_periodically, args=(stop,), name="periodic-jobs")
    thread.start()
    return thread, stop


@dataclass(frozen=True)
class QueueHealth:
    """The task queue at a glance, for the operator."""

    waiting: int
    running: int
    failed_last_day: int
    oldest_wait: timedelta | None  # how long the oldest waiting task has waited
    finished_by_slot: list[tuple[datetime, int]]  # tasks finished, per slot, oldest first


def queue_health(*, slots: int = 12, slot: timedelta = timedelta(minutes=10)) -> QueueHealth:
    """Counts of the database queue: waiting, running, failed today, and how many tasks
    finished in each of the last ``slots`` slots (a chart of the workers' pace)."""
    now = timezone.now()
    results = DBTaskResult.objects
    oldest = results.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True)
    first = oldest.first()
    starts = [now - (slots - i) * slot for i in range(slots)]
    counts = results.filter(finished_at__gte=starts[0]).aggregate(**{
        f"slot{i}": Count("id", filter=Q(finished_at__gte=start, finished_at__lt=start + slot))
        for i, start in enumerate(starts)
    })  # fmt: skip
    return QueueHealth(
        waiting=results.ready().count(),
        running=results.filter(status=TaskResultStatus.RUNNING).count(),
        failed_last_day=results.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)
        ).count(),
        oldest_wait=now - first if first else None,
        finished_by_slot=[(start, counts[f"slot{i}"]) for i, start in enumerate(starts)],
    )
