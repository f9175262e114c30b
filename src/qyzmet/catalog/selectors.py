"""Reading the published catalogue."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import F, QuerySet
from pydantic import BaseModel

from qyzmet.catalog.definitions import LifeSituationDefinition, ServiceDefinition
from qyzmet.catalog.models import (
    LifeSituationVersion,
    PublishedVersion,
    Service,
    ServiceVersion,
)

T = TypeVar("T", bound=BaseModel)


class NotInCatalogue(Exception):
    pass


def services_current(*, agency: str | None = None) -> QuerySet[ServiceVersion]:
    """The current version of every published service (of one agency), by code."""
    # A version is current when its service points at it.
    # The definitions are read only for versions this process has not checked yet.
    versions = ServiceVersion.objects.select_related("service__agency", "rule_version__rule")
    versions = versions.defer("definition").filter(service__current=F("id"))
    versions = versions.order_by("service__code")
    if agency is not None:
        versions = versions.filter(service__agency__code=agency)
    return versions


def service_version_get(code: str) -> ServiceVersion:
    """The current version of the service ``code``."""
    versions = ServiceVersion.objects.select_related("service__agency", "rule_version__rule")
    found = versions.filter(service__code=code, service__current=F("id")).first()
    if found is None:
        raise NotInCatalogue(f"no service {code!r} is published")
    return found


def service_definition_latest(code: str) -> ServiceDefinition | None:
    """The current definition of a published service, or None."""
    service = Service.objects.select_related("current").filter(code=code).first()
    if service is None or service.current is None:
        return None
    return ServiceDefinition.model_validate(service.current.definition)


def situations_current() -> QuerySet[LifeSituationVersion]:
    return (
        LifeSituationVersion.objects.select_related("situation")
        .defer("definition")
        .filter(situation__current=F("id"))
        .order_by("situation__code")
    )


def situation_version_get(code: str) -> LifeSituationVersion:
    found = (
        LifeSituationVersion.objects.select_related("situation")
        .filter(situation__code=code, situation__current=F("id"))
        .first()
    )
    if found is None:
        raise NotInCatalogue(f"no life situation {code!r} is published")
    return found


# Checked definitions by (version id, digest): a version never changes, and the digest
# keeps a reused id (a test database rolled back) from meeting another's definition.
_CHECKED: dict[tuple[str, int, str], Any] = {}
_CHECKED_MAX = 2048


def _checked(kind: str, version: PublishedVersion, model: type[T]) -> T:
    key = (kind, version.pk, version.digest)
    found = _CHECKED.get(key)
    if not isinstance(found, model):
        found = model.model_validate(version.definition)
        if len(_CHECKED) >= _CHECKED_MAX:
            _CHECKED.clear()
        _CHECKED[key] = found
    return found


def situation_definition(version: LifeSituationVersion) -> LifeSituationDefinition:
    return _checked("situation", version, LifeSituationDefinition)


def service_definition(version: ServiceVersion) -> ServiceDefinition:
    """The checked definition of a published version (checked once a process)."""
    return _checked("service", version, ServiceDefinition)
