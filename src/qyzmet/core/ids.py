"""Opaque public identifiers.

Rows keep a compact integer primary key for joins; anything that leaves the system is
named by a random UUID held in ``public_id``. PostgreSQL and SQLite both fill it
themselves, so bulk loads (COPY) need not send it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler


class RandomUUID(models.Func):
    """A random (version 4) UUID made by the database itself."""

    template = "gen_random_uuid()"
    output_field = models.UUIDField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        # Django stores UUIDs on SQLite as 32 hex characters.
        return "lower(hex(randomblob(16)))", ()


def PublicIdField() -> models.UUIDField[Any, Any]:  # noqa: N802 - reads as a field class at call sites
    """The ``public_id`` column every externally visible model carries."""
    return models.UUIDField(
        default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
