"""Factories for synthetic test data: valid IINs/BINs, never real people."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from qyzmet.identity.models import Organisation, Person
from qyzmet.identity.national_ids import bin_build, iin_build
from qyzmet.registries import models as m

_serials = itertools.count(1)
_codes = itertools.count(9_000_000_000)


def next_iin(birth_date: date, sex: str) -> str:
    while True:
        iin = iin_build(birth_date, sex, next(_serials) % 10_000)
        if iin is not None and not Person.objects.filter(iin=iin).exists():
            return iin


def next_bin(registered: date = date(2015, 3, 1)) -> str:
    while True:
        bin_ = bin_build(registered, 4, 0, next(_serials) % 100_000)
        if bin_ is not None and not Organisation.objects.filter(bin=bin_).exists():
            return bin_


def address(*names: str) -> m.AddressUnit:
    """A chain of address units from region down, returning the last one."""
    parent = None
    kinds = list(m.AddressKind)
    for level, name in enumerate(names or ("Astana", "Esil", "Astana", "Mangilik El", "12", "45")):
        parent = m.AddressUnit.objects.create(
            code=next(_codes),
            kind=kinds[min(level, len(kinds) - 1)],
            parent=parent,
            name_kk=name,
            name_ru=name,
            name_en=name,
        )
    assert parent is not None
    return parent


def person(
    *,
    surname: str = "Sadykov",
    given_name: str = "Arman",
    birth_date: date = date(1990, 5, 17),
    sex: str = "M",
    address_unit: m.AddressUnit | None = None,
) -> Person:
    """A person with a population record (names mirrored into each script)."""
    subject = Person.objects.create(iin=next_iin(birth_date, sex))
    m.PopulationRecord.objects.create(
        person=subject,
        surname_kk=surname,
        given_name_kk=given_name,
        surname_ru=surname,
        given_name_ru=given_name,
        surname_lat=surname,
        given_name_lat=given_name,
        birth_date=birth_date,
        sex=sex,
        address=address_unit,
        registered_since=birth_date + timedelta(days=30),
    )
    return subject


def organisation(name: str = "Dala Trade LLP") -> Organisation:
    org = Organisation.objects.create(bin=next_bin())
    m.LegalEntityRecord.objects.create(
        organisation=org,
        name_kk=name,
        name_ru=name,
        name_en=name,
        legal_form="LLP",
        registered_on=date(2015, 3, 1),
    )
    return org


def employ(
    worker: Person, employer: Organisation, *, monthly_salary: int = 450_000_00
) -> m.Employment:
    employment = m.Employment.objects.create(
        person=worker, employer=employer, position="engineer", started_on=date(2020, 1, 1)
    )
    for month in (8, 9, 10):
        m.Income.objects.create(
            person=worker, payer=employer, period=date(2026, month, 1), amount=monthly_salary
        )
    return employment
