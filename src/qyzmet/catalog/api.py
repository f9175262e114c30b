"""/api/v1/catalog: the published services and life situations, for any channel.

The catalogue is public: a bank app or a bot lists the services and draws a service's
form from its JSON Schema and UI hints without logging in. Texts come in kk, ru and en
together, so a channel shows the language its user chose.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict

from qyzmet.catalog import selectors
from qyzmet.catalog.definitions import FieldUi, Result, Step, Texts
from qyzmet.catalog.models import LifeSituationVersion, ServiceVersion
from qyzmet.core.inputs import StrictQuery

router = Router(tags=["catalog"], auth=None)

PUBLIC: dict[str, Any] = {"security": [{}]}
CODE = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"


class AgencyOut(Schema):
    code: str
    name: Texts


class FeeOut(Schema):
    amount: int = Field(description="minor units (tiyn)")
    currency: str = "KZT"


class ServiceSummaryOut(Schema):
    code: str
    version: int
    agency: AgencyOut
    name: Texts
    summary: Texts
    applicant: str = Field(description="person or organisation")
    fee: FeeOut
    deadline_working_days: int
    eligibility_rule: str | None = Field(description="code@version of the rule applied")


class PrefillOut(Schema):
    field: str
    service: str = Field(description="the exchange service it is read from")
    path: str
    editable: bool


class FormOut(Schema):
    answers: dict[str, Any] = Field(
        description="JSON Schema (2020-12) that an application's answers must satisfy"
    )
    ui: dict[str, FieldUi] = Field(description="label, help and input kind of each field")


class ServiceOut(ServiceSummaryOut):
    help: Texts | None
    form: FormOut
    prefill: list[PrefillOut]
    workflow: list[Step]
    result: Result | None


class SituationStepOut(Schema):
    service: str
    after: list[str]
    optional: bool


class LifeSituationOut(Schema):
    code: str
    version: int
    name: Texts
    summary: Texts
    help: Texts | None
    steps: list[SituationStepOut]
    shared_fields: list[str]


class ServicesQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    agency: str | None = Field(default=None, pattern=CODE, max_length=40, description="code")


def _summary(version: ServiceVersion) -> dict[str, Any]:
    definition = selectors.service_definition(version)
    agency = version.service.agency
    rule = version.rule_version
    return {
        "code": definition.code,
        "version": version.number,
        "agency": {
            "code": agency.code,
            "name": {"kk": agency.name_kk, "ru": agency.name_ru, "en": agency.name_en},
        },
        "name": definition.name,
        "summary": definition.summary,
        "applicant": definition.applicant,
        "fee": {"amount": definition.fee},
        "deadline_working_days": definition.deadline_working_days,
        "eligibility_rule": f"{rule.rule.code}@{rule.number}" if rule else None,
    }


@router.get(
    "/services", response=list[ServiceSummaryOut], summary="Published services",
    openapi_extra=PUBLIC,
)  # fmt: skip
def services_list(
    request: HttpRequest, query: Annotated[ServicesQuery, StrictQuery(...)]
) -> list[dict[str, Any]]:
    """The current version of every published service, by code (of one agency)."""
    return [_summary(version) for version in selectors.services_current(agency=query.agency)]


@router.get(
    "/services/{code}", response=ServiceOut, summary="One service, with its form",
    openapi_extra=PUBLIC, by_alias=True,
)  # fmt: skip
def service_detail(
    request: HttpRequest, code: Annotated[str, Path(pattern=CODE, max_length=60)]
) -> dict[str, Any]:
    """The current version of a service: what it asks (a JSON Schema with UI hints), what
    is filled in from the registries, the steps it goes through and what it results in."""
    try:
        version = selectors.service_version_get(code)
    except selectors.NotInCatalogue:
        raise Http404 from None
    definition = selectors.service_definition(version)
    return {
        **_summary(version),
        "help": definition.help,
        "form": {"answers": definition.form.answers_schema(), "ui": definition.form.ui},
        "prefill": definition.prefill,
        "workflow": definition.workflow,
        "result": definition.result,
    }


def _situation(version: LifeSituationVersion) -> dict[str, Any]:
    definition = selectors.situation_definition(version)
    return {"version": version.number, **definition.model_dump()}


@router.get(
    "/life-situations", response=list[LifeSituationOut], summary="Published life situations",
    openapi_extra=PUBLIC,
)  # fmt: skip
def situations_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every life situation: the services it brings together and the order they unlock."""
    return [_situation(version) for version in selectors.situations_current()]


@router.get(
    "/life-situations/{code}", response=LifeSituationOut, summary="One life situation",
    openapi_extra=PUBLIC,
)  # fmt: skip
def situation_detail(
    request: HttpRequest, code: Annotated[str, Path(pattern=CODE, max_length=60)]
) -> dict[str, Any]:
    try:
        return _situation(selectors.situation_version_get(code))
    except selectors.NotInCatalogue:
        raise Http404 from None
