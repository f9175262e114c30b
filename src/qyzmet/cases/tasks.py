"""Background work on cases. Tasks take ids and call services; running one twice is harmless."""

from __future__ import annotations

from django_tasks import task

from qyzmet.cases.services import case_process


@task()
def case_process_task(case_id: int) -> None:
    """Carry a submitted or approved case through its next automatic steps."""
    case_process(case_id=case_id)
