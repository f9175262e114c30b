"""A cheap picture of the whole database, to prove that a request changed nothing.

Every table is counted and its rows hashed, so an edited row shows as well as an added
or deleted one. Two columns change on every request by design and are left out: the
session's expiry (sessions are saved on every request) and a token's ``last_used_at``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.db import models

Snapshot = dict[str, tuple[int, str]]
Changes = dict[str, int | str]  # model label: rows added (or removed), or "edited"

EDITED = "edited"
_VOLATILE = {
    "sessions.Session": {"session_data", "expire_date"},
    "identity.AccessToken": {"last_used_at"},
}


# Counted on every unsafe API request by design (admission control), like session expiry.
_BOOKKEEPING = {"core.AdmissionWindow"}


def _tables() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label not in _BOOKKEEPING
    ]


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def snapshot() -> Snapshot:
    """Row count and content digest of every table."""
    state: Snapshot = {}
    for model in _tables():
        label = model._meta.label
        skip = _VOLATILE.get(label, set())
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        rows = list(model._base_manager.order_by("pk").values_list(*columns))
        digest = hashlib.sha256(repr([tuple(map(_plain, row)) for row in rows]).encode())
        state[label] = (len(rows), digest.hexdigest())
    return state


def changes(before: Snapshot, after: Snapshot) -> Changes:
    """What differs between two snapshots, table by table."""
    found: Changes = {}
    for label, (count, digest) in after.items():
        old_count, old_digest = before.get(label, (0, ""))
        if count != old_count:
            found[label] = count - old_count
        elif digest != old_digest:
            found[label] = EDITED
    return found
