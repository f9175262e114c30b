"""The task queue stays fast as a surge grows it, and finished tasks do not pile up."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from qyzmet.cases.tasks import case_process_task
from qyzmet.core.worker import tasks_prune, tasks_statistics_refresh


def _task(status: TaskResultStatus, finished_days_ago: int | None = None) -> DBTaskResult:
    finished = None if finished_days_ago is None else timezone.now() - timedelta(finished_days_ago)
    return DBTaskResult(
        id=uuid.uuid4(), status=status, args_kwargs={"args": [1], "kwargs": {}},
        task_path=case_process_task.module_path, backend_name="default",
        run_after=get_date_max(), finished_at=finished,
    )  # fmt: skip


def _next_task_plan() -> str:
    """How PostgreSQL would find the worker's next task."""
    with transaction.atomic(), connection.cursor() as cursor:
        claim = DBTaskResult.objects.ready().filter(backend_name="default")
        sql, params = claim.select_for_update(skip_locked=True)[:1].query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.django_db(transaction=True)
def test_the_next_task_comes_from_the_queues_index_however_fast_it_grew() -> None:
    # A queue that has just filled up, as in the first minute of a surge: not analysed yet.
    DBTaskResult.objects.bulk_create(
        [_task(TaskResultStatus.READY) for _ in range(3_000)], batch_size=1_000
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # as a busy server would have
    assert "Sort" in _next_task_plan(), "the state this test is about"
    tasks_statistics_refresh()
    plan = _next_task_plan()
    assert "Index Scan using tasks_db_new_ordering_idx" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.django_db
def test_successful_tasks_go_after_a_week_failed_ones_stay() -> None:
    old, recent, failed = DBTaskResult.objects.bulk_create(
        [
            _task(TaskResultStatus.SUCCESSFUL, finished_days_ago=8),
            _task(TaskResultStatus.SUCCESSFUL, finished_days_ago=6),
            _task(TaskResultStatus.FAILED, finished_days_ago=30),
        ]
    )
    while tasks_prune() is not None:
        pass
    left = set(DBTaskResult.objects.values_list("id", flat=True))
    assert left == {recent.id, failed.id}
    assert old.id not in left
