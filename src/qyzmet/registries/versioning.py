"""Record versions: the current version lives in the registry's own table; every earlier
version is a :class:`RecordVersion` row holding the field values it had while current."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from qyzmet.core.audit import audit_record
from qyzmet.registries.catalogue import registry_of
from qyzmet.registries.models import Record, RecordVersion

R = TypeVar("R", bound=Record)

_UNVERSIONED = {"id", "valid_from"}


def record_label(record: Record) -> str:
    return f"{registry_of(type(record)).code}:{type(record)._meta.model_name}"


def record_values(record: Record) -> dict[str, Any]:
    """The record's versioned field values, JSON-ready (foreign keys as ids)."""
    return {
        field.attname: _json_ready(field.value_from_object(record))
        for field in record._meta.concrete_fields
        if field.attname not in _UNVERSIONED
    }


def _json_ready(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool):
        return value
    return DjangoJSONEncoder().default(value)


@transaction.atomic
def record_revise(*, record: R, changes: dict[str, Any], reason: str, actor: str) -> R:
    """Make ``changes`` the record's new current version, keeping the old one.

    The record is locked for the duration, so two revisions never lose each other.
    """
    model = type(record)
    locked: R = model._default_manager.select_for_update().get(pk=record.pk)
    unknown = set(changes) - {f.attname for f in model._meta.concrete_fields} | (
        set(changes) & _UNVERSIONED
    )
    if unknown:
        raise ValueError(f"not versioned fields of {model.__name__}: {sorted(unknown)}")
    now = timezone.now()
    RecordVersion.objects.create(
        registry=record_label(locked),
        record_id=locked.pk,
        valid_from=locked.valid_from,
        valid_to=now,
        data=record_values(locked),
        reason=reason,
    )
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.valid_from = now
    locked.save(update_fields=[*changes, "valid_from"])
    audit_record(
        actor=actor,
        action="registry.record.revise",
        object_type=record_label(locked),
        object_id=str(locked.pk),
        data={"reason": reason, "fields": sorted(changes)},
    )
    return locked


def record_as_of(record: Record, moment: datetime) -> dict[str, Any] | None:
    """The record's field values as they stood at ``moment``; None before it existed."""
    if record.valid_from <= moment:
        return record_values(record)
    version = (
        RecordVersion.objects.filter(
            registry=record_label(record),
            record_id=record.pk,
            valid_from__lte=moment,
            valid_to__gt=moment,
        )
        .values_list("data", flat=True)
        .first()
    )
    return version


def record_history(record: Record) -> list[RecordVersion]:
    """Earlier versions, oldest first."""
    return list(
        RecordVersion.objects.filter(registry=record_label(record), record_id=record.pk).order_by(
            "valid_from"
        )
    )
