"""Reading cases, with the permission rule: an applicant sees their own applications, an
officer those of their agency (or waiting in their agency's queue); anything else is 404."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qyzmet.cases.models import OPEN_STATUSES, Case, CaseStatus, SituationCase
from qyzmet.catalog.definitions import LifeSituationDefinition, ServiceDefinition
from qyzmet.catalog.models import LifeSituationVersion, ServiceVersion
from qyzmet.identity.selectors import Principal


@lru_cache(maxsize=512)
def _service_definition(version_id: int) -> ServiceDefinition:
    return ServiceDefinition.model_validate(ServiceVersion.objects.get(pk=version_id).definition)


def definition_of(version: ServiceVersion) -> ServiceDefinition:
    """The checked definition a case is processed under (versions never change)."""
    return _service_definition(version.pk)


@lru_cache(maxsize=128)
def _situation_definition(version_id: int) -> LifeSituationDefinition:
    definition = LifeSituationVersion.objects.get(pk=version_id).definition
    return LifeSituationDefinition.model_validate(definition)


def situation_definition_of(version: LifeSituationVersion) -> LifeSituationDefinition:
    return _situation_definition(version.pk)


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related(
        "version__service", "agency__organisation", "queue_agency", "assigned_to", "account",
        "applicant__population", "result", "situation",
    )  # fmt: skip


def _queued() -> QuerySet[Case]:
    """What a queue's rows show (up to 200 of them: the back office page and the API),
    without the answers and the service's definition (:func:`definition_of` needs only the
    version's id): JSON of kilobytes a row, decoded for nothing, and the joins no row
    shows. bench/portal.py: 214 ms of CPU for a page of 200 rows before, 69 ms after."""
    return Case.objects.select_related("version", "assigned_to", "applicant__population").defer(
        "answers", "prefilled", "version__definition"
    )


def cases_of_applicant(person_id: int) -> QuerySet[Case]:
    """A person's applications, newest first, as lists show them (without the answers and
    the service's definition, which :func:`definition_of` reads once a process)."""
    cases = _cases().defer("answers", "prefilled", "version__definition")
    return cases.filter(applicant_id=person_id).order_by("-created_at")


def case_get_for(principal: Principal, public_id: UUID) -> Case:
    """A case the principal may see: their own, or their agency's (not drafts)."""
    return _visible(_cases(), principal, public_id)


def case_ref_for(principal: Principal, public_id: UUID) -> Case:
    """The same, as a reference only (its primary key): for the services that lock and
    read the case themselves."""
    return _visible(Case.objects.only("pk"), principal, public_id)


def _visible(cases: QuerySet[Case], principal: Principal, public_id: UUID) -> Case:
    found = cases.filter(public_id=public_id)
    if principal.person_id is not None:
        found = found.filter(applicant_id=principal.person_id)
    elif principal.is_officer and principal.agency_codes:
        found = found.exclude(status=CaseStatus.DRAFT).filter(
            Q(agency__code__in=principal.agency_codes)
            | Q(queue_agency__code__in=principal.agency_codes)
        )
    else:
        raise Http404
    case = found.first()
    if case is None:
        raise Http404
    return case


def queue_of(
    principal: Principal, *, agency: str | None = None, mine: bool = False
) -> QuerySet[Case]:
    """Applications waiting for an officer of the principal's agencies: escalated first,
    then by deadline."""
    codes = principal.agency_codes if agency is None else principal.agency_codes & {agency}
    queued = _queued().filter(queue_agency__code__in=codes, status__in=OPEN_STATUSES)
    if mine:
        queued = queued.filter(assigned_to=principal.account)
    return queued.order_by(F("escalated_at").asc(nulls_last=True), "deadline", "submitted_at")


def situations_of(person_id: int) -> QuerySet[SituationCase]:
    return (
        SituationCase.objects.select_related("version__situation")
        .prefetch_related(
            Prefetch("cases", Case.objects.select_related("version__service", "assigned_to"))
        )
        .filter(applicant_id=person_id)
        .order_by("-created_at")
    )


def situation_get_for(principal: Principal, public_id: UUID) -> SituationCase:
    if principal.person_id is None:
        raise Http404
    found = situations_of(principal.person_id).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def case_counts_by_status() -> dict[str, int]:
    """How many applications stand in each status (drafts included)."""
    rows = Case.objects.values_list("status").annotate(n=Count("id")).order_by()
    return {status: n for status, n in rows}


def open_cases_by_agency() -> dict[str, tuple[int, int]]:
    """For each agency with applications waiting for its officers: how many, and how many
    of them are past their deadline."""
    today = timezone.localdate()
    rows = (
        Case.objects.filter(status__in=OPEN_STATUSES, queue_agency__isnull=False)
        .values_list("queue_agency__code")
        .annotate(n=Count("id"), late=Count("id", filter=Q(deadline__lt=today)))
        .order_by()
    )
    return {code: (n, late) for code, n, late in rows}
