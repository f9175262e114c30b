"""/api/v1/registries: read and search the base registries, for those allowed to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from ninja import Path, Router, Schema
from pydantic import AwareDatetime, ConfigDict, Field

from qyzmet.core.errors import Problem
from qyzmet.core.inputs import PLAIN_TEXT, StrictQuery
from qyzmet.identity.authentication import ANY_AUTH, principal_of
from qyzmet.identity.national_ids import bin_checked, iin_checked
from qyzmet.registries import models as m
from qyzmet.registries import selectors
from qyzmet.registries.schemas import (
    AddressOut,
    BenefitOut,
    EmploymentRecordOut,
    EstateOut,
    FamilyLinkOut,
    LegalEntityOut,
    OwnershipOut,
    PersonOut,
    VehicleOut,
    address_out,
    benefits_out,
    employments_out,
    estate_out,
    family_links_out,
    incomes_out,
    legal_entity_out,
    ownerships_out,
    person_out,
    vehicle_out,
)
from qyzmet.registries.versioning import record_as_of, record_history

router = Router(tags=["registries"], auth=ANY_AUTH)


class RegistryOut(Schema):
    code: str
    name: str
    owner: str


@router.get("", response=list[RegistryOut], summary="Registries the caller may read")
def registries_list(request: HttpRequest) -> list[RegistryOut]:
    language = get_language() or "en"
    return [
        RegistryOut(code=r.code, name=r.name(language), owner=r.owner)
        for r in selectors.registries_readable_by(principal_of(request))
    ]


class PersonQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    as_of: AwareDatetime | None = Field(
        default=None, description="the record as it stood at this moment (ISO 8601, with offset)"
    )


@router.get("/population/persons/{iin}", response=PersonOut, summary="A person's population record")
def population_person(
    request: HttpRequest, iin: str, query: Annotated[PersonQuery, StrictQuery(...)]
) -> PersonOut:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="population"
    )
    record = selectors.population_record_of(person)
    if query.as_of is None:
        return person_out(record, person.iin)
    values = record_as_of(record, query.as_of)
    if values is None:
        raise Http404
    earlier = m.PopulationRecord(**values, valid_from=record.valid_from)
    return person_out(earlier, person.iin)


class VersionOut(Schema):
    valid_from: datetime
    valid_to: datetime
    reason: str
    data: dict[str, object]


@router.get(
    "/population/persons/{iin}/history",
    response=list[VersionOut],
    summary="Earlier versions of a person's population record",
)
def population_history(request: HttpRequest, iin: str) -> list[VersionOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="population"
    )
    record = selectors.population_record_of(person)
    return [
        VersionOut(valid_from=v.valid_from, valid_to=v.valid_to, reason=v.reason, data=v.data)
        for v in record_history(record)
    ]


class PersonSearchIn(Schema):
    """Search by names (any script) and birth date; sent as a body to keep it out of URLs."""

    model_config = ConfigDict(extra="forbid")
    surname: str | None = Field(default=None, min_length=1, max_length=80, pattern=PLAIN_TEXT)
    given_name: str | None = Field(default=None, min_length=1, max_length=80, pattern=PLAIN_TEXT)
    birth_date: date | None = None
    limit: int = Field(default=20, ge=1, le=100)


class PersonFoundOut(Schema):
    iin: str
    surname_lat: str
    given_name_lat: str
    birth_date: date


@router.post("/population/search", response=list[PersonFoundOut], summary="Search the population")
def population_search(request: HttpRequest, payload: PersonSearchIn) -> list[PersonFoundOut]:
    if not (payload.surname or payload.given_name or payload.birth_date):
        raise Problem(422, "Give at least one of surname, given_name or birth_date.")
    found = selectors.population_search(
        principal_of(request),
        surname=payload.surname,
        given_name=payload.given_name,
        birth_date=payload.birth_date,
        limit=payload.limit,
    )
    return [
        PersonFoundOut(
            iin=r.person.iin,
            surname_lat=r.surname_lat,
            given_name_lat=r.given_name_lat,
            birth_date=r.birth_date,
        )
        for r in found
    ]


@router.get(
    "/families/persons/{iin}", response=list[FamilyLinkOut], summary="A person's family links"
)
def family_links(request: HttpRequest, iin: str) -> list[FamilyLinkOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="families"
    )
    return family_links_out(person)


@router.get("/addresses/{code}", response=list[AddressOut], summary="An address, region down")
def address(request: HttpRequest, code: int) -> list[AddressOut]:
    unit = selectors.address_get(principal_of(request), code)
    return [address_out(part) for part in selectors.address_path(unit)]


@router.get(
    "/real-estate/persons/{iin}",
    response=list[OwnershipOut],
    summary="Real estate a person owns now",
)
def estates_of_person(request: HttpRequest, iin: str) -> list[OwnershipOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="real-estate"
    )
    return ownerships_out(person)


@router.get(
    "/real-estate/objects/{cadastral_number}", response=EstateOut, summary="A real estate object"
)
def estate(
    request: HttpRequest,
    cadastral_number: Annotated[str, Path(max_length=20, pattern=PLAIN_TEXT)],
) -> EstateOut:
    return estate_out(selectors.estate_get(principal_of(request), cadastral_number))


@router.get("/vehicles/persons/{iin}", response=list[VehicleOut], summary="Vehicles a person owns")
def vehicles_of_person(request: HttpRequest, iin: str) -> list[VehicleOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="vehicles"
    )
    return [vehicle_out(v) for v in selectors.vehicles_owned_by(person)]


@router.get("/vehicles/{vin}", response=VehicleOut, summary="A vehicle by VIN")
def vehicle(
    request: HttpRequest, vin: Annotated[str, Path(max_length=17, pattern=PLAIN_TEXT)]
) -> VehicleOut:
    return vehicle_out(selectors.vehicle_get(principal_of(request), vin))


@router.get("/legal-entities/{bin}", response=LegalEntityOut, summary="A legal entity by BIN")
def legal_entity(request: HttpRequest, bin: str) -> LegalEntityOut:
    return legal_entity_out(selectors.legal_entity_get(principal_of(request), bin_checked(bin)))


class IncomeQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    since: date | None = Field(default=None, description="only incomes from this month on")


@router.get(
    "/employment/persons/{iin}",
    response=EmploymentRecordOut,
    summary="A person's employment and monthly incomes",
)
def employment_of_person(
    request: HttpRequest, iin: str, query: Annotated[IncomeQuery, StrictQuery(...)]
) -> EmploymentRecordOut:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="employment"
    )
    return EmploymentRecordOut(
        employments=employments_out(person), incomes=incomes_out(person, since=query.since)
    )


@router.get(
    "/benefits/persons/{iin}",
    response=list[BenefitOut],
    summary="Pensions and benefits paid to a person",
)
def benefits_of_person(request: HttpRequest, iin: str) -> list[BenefitOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="benefits"
    )
    return benefits_out(person)
