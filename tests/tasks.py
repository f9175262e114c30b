"""Running queued tasks inside a test, with the django-tasks-db worker's own code.

The worker's ``run()`` loop recycles the database connection between tasks, which would
end the transaction a ``db`` test runs in; so this takes each ready task the way that
loop does (locked, claimed) and hands it to the worker's ``run_task``. Tasks enqueued in
the test's transaction are visible here: it is the same connection.
"""

from __future__ import annotations

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from qyzmet.core.worker import task_worker


def tasks_run_pending(*, limit: int = 100, fail_on_error: bool = True) -> int:
    """Run every task that is ready now, including those the tasks enqueue, and return
    how many ran. A task that raised fails the test unless ``fail_on_error`` is False.
    Tasks to run later (``run_after`` in the future) stay queued."""
    worker = task_worker("test")
    ran = 0
    while True:
        with exclusive_transaction():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
        result.refresh_from_db()
        if fail_on_error and result.status == TaskResultStatus.FAILED:
            raise AssertionError(f"task {result.task_path} failed:\n{result.traceback}")
        if ran >= limit:
            raise AssertionError(f"still tasks to run after {limit}: do they enqueue each other?")
