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


class AddressOut(Schema):
    code: int
    kind: str
    name_kk: str
    name_ru: str
    name_en: str
    parent_code: int | None


def _address_out(unit: m.AddressUnit) -> AddressOut:
    return AddressOut(
        code=unit.code,
        kind=m.AddressKind(unit.kind).name.lower(),
        name_kk=unit.name_kk,
        name_ru=unit.name_ru,
        name_en=unit.name_en,
        parent_code=unit.parent.code if unit.parent else None,
    )


class PersonOut(Schema):
    iin: str
    surname_kk: str
    given_name_kk: str
    patronymic_kk: str
    surname_ru: str
    given_name_ru: str
    patronymic_ru: str
    surname_lat: str
    given_name_lat: str
    birth_date: date
    sex: str
    citizenship: str
    address: list[AddressOut] = Field(description="from region down to building or flat")
    registered_since: date | None
    death_date: date | None
    valid_from: datetime = Field(description="when this version of the record took effect")


def _person_out(record: m.PopulationRecord, iin: str) -> PersonOut:
    return PersonOut(
        iin=iin,
        surname_kk=record.surname_kk,
        given_name_kk=record.given_name_kk,
        patronymic_kk=record.patronymic_kk,
        surname_ru=record.surname_ru,
        given_name_ru=record.given_name_ru,
        patronymic_ru=record.patronymic_ru,
        surname_lat=record.surname_lat,
        given_name_lat=record.given_name_lat,
        birth_date=record.birth_date,
        sex=record.sex,
        citizenship=record.citizenship,
        address=[_address_out(unit) for unit in selectors.address_path(record.address)],
        registered_since=record.registered_since,
        death_date=record.death_date,
        valid_from=record.valid_from,
    )


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
        return _person_out(record, person.iin)
    values = record_as_of(record, query.as_of)
    if values is None:
        raise Http404
    earlier = m.PopulationRecord(**values, valid_from=record.valid_from)
    return _person_out(earlier, person.iin)


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


class FamilyLinkOut(Schema):
    relation: str = Field(description="parent, child or spouse: what the relative is to them")
    relative_iin: str
    since: date
    until: date | None


@router.get(
    "/families/persons/{iin}", response=list[FamilyLinkOut], summary="A person's family links"
)
def family_links(request: HttpRequest, iin: str) -> list[FamilyLinkOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="families"
    )
    links = []
    for link in selectors.family_links_of(person):
        if link.person_id == person.pk:
            relation, relative = link.relation, link.relative
        else:
            relation = "child" if link.relation == m.FamilyRelation.PARENT else link.relation
            relative = link.person
        links.append(
            FamilyLinkOut(
                relation=relation, relative_iin=relative.iin, since=link.since, until=link.until
            )
        )
    return links


@router.get("/addresses/{code}", response=list[AddressOut], summary="An address, region down")
def address(request: HttpRequest, code: int) -> list[AddressOut]:
    unit = selectors.address_get(principal_of(request), code)
    return [_address_out(part) for part in selectors.address_path(unit)]


class EstateOut(Schema):
    cadastral_number: str
    kind: str
    address_code: int
    area_m2: float


def _estate_out(estate: m.RealEstateObject) -> EstateOut:
    return EstateOut(
        cadastral_number=estate.cadastral_number,
        kind=estate.kind,
        address_code=estate.address.code,
        area_m2=estate.area_dm2 / 100,
    )


class OwnershipOut(Schema):
    estate: EstateOut
    share: str = Field(examples=["1/2"])
    since: date


@router.get(
    "/real-estate/persons/{iin}",
    response=list[OwnershipOut],
    summary="Real estate a person owns now",
)
def estates_of_person(request: HttpRequest, iin: str) -> list[OwnershipOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="real-estate"
    )
    return [
        OwnershipOut(
            estate=_estate_out(o.estate),
            share=f"{o.share_numerator}/{o.share_denominator}",
            since=o.since,
        )
        for o in selectors.estates_owned_by(person)
    ]


@router.get(
    "/real-estate/objects/{cadastral_number}", response=EstateOut, summary="A real estate object"
)
def estate(
    request: HttpRequest,
    cadastral_number: Annotated[str, Path(max_length=20, pattern=PLAIN_TEXT)],
) -> EstateOut:
    return _estate_out(selectors.estate_get(principal_of(request), cadastral_number))


class VehicleOut(Schema):
    vin: str
    plate: str
    make: str
    model: str
    year: int
    registered_on: date


def _vehicle_out(vehicle: m.Vehicle) -> VehicleOut:
    return VehicleOut(
        vin=vehicle.vin,
        plate=vehicle.plate,
        make=vehicle.make,
        model=vehicle.model,
        year=vehicle.year,
        registered_on=vehicle.registered_on,
    )


@router.get("/vehicles/persons/{iin}", response=list[VehicleOut], summary="Vehicles a person owns")
def vehicles_of_person(request: HttpRequest, iin: str) -> list[VehicleOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="vehicles"
    )
    return [_vehicle_out(v) for v in selectors.vehicles_owned_by(person)]


@router.get("/vehicles/{vin}", response=VehicleOut, summary="A vehicle by VIN")
def vehicle(
    request: HttpRequest, vin: Annotated[str, Path(max_length=17, pattern=PLAIN_TEXT)]
) -> VehicleOut:
    return _vehicle_out(selectors.vehicle_get(principal_of(request), vin))


class LegalEntityOut(Schema):
    bin: str
    name_kk: str
    name_ru: str
    name_en: str
    legal_form: str
    registered_on: date
    status: str
    address_code: int | None


@router.get("/legal-entities/{bin}", response=LegalEntityOut, summary="A legal entity by BIN")
def legal_entity(request: HttpRequest, bin: str) -> LegalEntityOut:
    record = selectors.legal_entity_get(principal_of(request), bin_checked(bin))
    return LegalEntityOut(
        bin=record.organisation.bin,
        name_kk=record.name_kk,
        name_ru=record.name_ru,
        name_en=record.name_en,
        legal_form=record.legal_form,
        registered_on=record.registered_on,
        status=record.status,
        address_code=record.address.code if record.address else None,
    )


class EmploymentOut(Schema):
    employer_bin: str
    position: str
    started_on: date
    ended_on: date | None


class IncomeOut(Schema):
    payer_bin: str
    period: date = Field(description="first day of the month")
    amount: int = Field(description="minor units (tiyn)")
    currency: str


class EmploymentRecordOut(Schema):
    employments: list[EmploymentOut]
    incomes: list[IncomeOut]


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
        employments=[
            EmploymentOut(
                employer_bin=e.employer.bin,
                position=e.position,
                started_on=e.started_on,
                ended_on=e.ended_on,
            )
            for e in selectors.employments_of(person)
        ],
        incomes=[
            IncomeOut(payer_bin=i.payer.bin, period=i.period, amount=i.amount, currency=i.currency)
            for i in selectors.incomes_of(person, since=query.since)
        ],
    )


class BenefitOut(Schema):
    kind: str
    monthly_amount: int = Field(description="minor units (tiyn)")
    currency: str
    since: date
    until: date | None


@router.get(
    "/benefits/persons/{iin}",
    response=list[BenefitOut],
    summary="Pensions and benefits paid to a person",
)
def benefits_of_person(request: HttpRequest, iin: str) -> list[BenefitOut]:
    person = selectors.person_get_for(
        principal_of(request), iin=iin_checked(iin).iin, registry="benefits"
    )
    return [
        BenefitOut(
            kind=b.kind,
            monthly_amount=b.monthly_amount,
            currency=b.currency,
            since=b.since,
            until=b.until,
        )
        for b in selectors.benefits_of(person)
    ]
