"""What the registries answer with: the shapes shared by the registry API and the exchange."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from qyzmet.identity.models import Person
from qyzmet.registries import models as m
from qyzmet.registries import selectors


class AddressOut(Schema):
    code: int
    kind: str
    name_kk: str
    name_ru: str
    name_en: str
    parent_code: int | None


def address_out(unit: m.AddressUnit) -> AddressOut:
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


def person_out(record: m.PopulationRecord, iin: str) -> PersonOut:
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
        address=[address_out(unit) for unit in selectors.address_path(record.address)],
        registered_since=record.registered_since,
        death_date=record.death_date,
        valid_from=record.valid_from,
    )


class FamilyLinkOut(Schema):
    relation: str = Field(description="parent, child or spouse: what the relative is to them")
    relative_iin: str
    since: date
    until: date | None


class EstateOut(Schema):
    cadastral_number: str
    kind: str
    address_code: int
    area_m2: float


def estate_out(estate: m.RealEstateObject) -> EstateOut:
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


class VehicleOut(Schema):
    vin: str
    plate: str
    make: str
    model: str
    year: int
    registered_on: date


def vehicle_out(vehicle: m.Vehicle) -> VehicleOut:
    return VehicleOut(
        vin=vehicle.vin,
        plate=vehicle.plate,
        make=vehicle.make,
        model=vehicle.model,
        year=vehicle.year,
        registered_on=vehicle.registered_on,
    )


class LegalEntityOut(Schema):
    bin: str
    name_kk: str
    name_ru: str
    name_en: str
    legal_form: str
    registered_on: date
    status: str
    address_code: int | None


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


class BenefitOut(Schema):
    kind: str
    monthly_amount: int = Field(description="minor units (tiyn)")
    currency: str
    since: date
    until: date | None


def family_links_out(person: Person) -> list[FamilyLinkOut]:
    """A person's links, each seen from the person (a parent's link reads "child")."""
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


def ownerships_out(person: Person) -> list[OwnershipOut]:
    return [
        OwnershipOut(
            estate=estate_out(o.estate),
            share=f"{o.share_numerator}/{o.share_denominator}",
            since=o.since,
        )
        for o in selectors.estates_owned_by(person)
    ]


def legal_entity_out(record: m.LegalEntityRecord) -> LegalEntityOut:
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


def employment_out(e: m.Employment) -> EmploymentOut:
    return EmploymentOut(
        employer_bin=e.employer.bin, position=e.position,
        started_on=e.started_on, ended_on=e.ended_on,
    )  # fmt: skip


def employments_out(person: Person) -> list[EmploymentOut]:
    return [employment_out(e) for e in selectors.employments_of(person)]


def income_out(i: m.Income) -> IncomeOut:
    return IncomeOut(payer_bin=i.payer.bin, period=i.period, amount=i.amount, currency=i.currency)


def incomes_out(person: Person, *, since: date | None = None) -> list[IncomeOut]:
    return [income_out(i) for i in selectors.incomes_of(person, since=since)]


def benefit_out(b: m.BenefitAward) -> BenefitOut:
    return BenefitOut(
        kind=b.kind, monthly_amount=b.monthly_amount, currency=b.currency,
        since=b.since, until=b.until,
    )  # fmt: skip


def benefits_out(person: Person) -> list[BenefitOut]:
    return [benefit_out(b) for b in selectors.benefits_of(person)]
