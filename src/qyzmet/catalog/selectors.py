"""Reading the published catalogue."""

from __future__ import annotations

from django.db.models import F, QuerySet

from qyzmet.catalog.definitions import LifeSituationDefinition, ServiceDefinition
from qyzmet.catalog.models import LifeSituationVersion, Service, ServiceVersion


class NotInCatalogue(Exception):
    pass


def services_current(*, agency: str | None = None) -> QuerySet[ServiceVersion]:
    """The current version of every published service (of one agency), by code."""
    # A version is current when its service points at it.
    versions = ServiceVersion.objects.select_related("service__agency", "rule_version__rule")
    versions = versions.filter(service__current=F("id")).order_by("service__code")
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


def situation_definition(version: LifeSituationVersion) -> LifeSituationDefinition:
    return LifeSituationDefinition.model_validate(version.definition)


def service_definition(version: ServiceVersion) -> ServiceDefinition:
    return ServiceDefinition.model_validate(version.definition)
