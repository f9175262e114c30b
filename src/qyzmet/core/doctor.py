"""Health checks an operator runs with ``qyzmet doctor``; each says what is wrong in words."""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from qyzmet.core.models import AuditEntry, AuditSeal

TASK_WAIT_LIMIT = timedelta(minutes=2)
SEAL_WAIT_LIMIT = timedelta(minutes=5)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check("database", False, f"cannot connect ({error}); check QYZMET_DATABASE_URL")
    return Check("database", True, f"{connection.vendor} at {connection.settings_dict['NAME']}")


def check_migrations() -> Check:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return Check("migrations", False, f"{len(plan)} not applied; run `qyzmet migrate`")
    return Check("migrations", True, "all applied")


def check_worker() -> Check:
    now = timezone.now()
    waiting = DBTaskResult.objects.ready().order_by("enqueued_at").first()
    if waiting is not None and now - waiting.enqueued_at > TASK_WAIT_LIMIT:
        return Check("worker", False, "tasks have waited over 2 minutes: start `qyzmet worker`")
    last_sealed = AuditSeal.objects.order_by("-number").values_list("last_entry_id", flat=True)
    oldest_unsealed = (
        AuditEntry.objects.filter(id__gt=last_sealed.first() or 0).order_by("id").first()
    )
    if oldest_unsealed is not None and now - oldest_unsealed.at > SEAL_WAIT_LIMIT:
        return Check(
            "worker",
            False,
            "audit entries have gone unsealed for over 5 minutes: start `qyzmet worker`",
        )
    return Check("worker", True, "no task or audit entry is waiting too long")


def check_keys() -> Check:
    home = Path(settings.QYZMET_HOME)
    problems = []
    for key_file in (home / "secret.key", home / "keys" / "audit-seal.pem"):
        if key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) & 0o077:
            problems.append(f"{key_file} is readable by others (chmod 600 it)")
    if len(settings.SECRET_KEY) < 50:
        problems.append("the secret key is shorter than 50 characters")
    if problems:
        return Check("keys", False, "; ".join(problems))
    return Check("keys", True, f"kept under {home}")


CHECKS: tuple[Callable[[], Check], ...] = (
    check_database,
    check_migrations,
    check_worker,
    check_keys,
)


def run_checks() -> list[Check]:
    """Every check; later ones are skipped when the database cannot be reached."""
    results = [check_database()]
    if not results[0].ok:
        return results
    return results + [check() for check in CHECKS[1:]]
