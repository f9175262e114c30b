"""Registry records for the portal's personas: citizen A has something in every registry,
citizen B has records of their own that must never show on A's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from qyzmet.identity.models import Person
from qyzmet.registries import models as m
from tests import factories
from tests.conftest import Persona


@dataclass
class Household:
    father: Person
    daughter: Person
    wife: Person
    estate: m.RealEstateObject
    vehicle: m.Vehicle


def _cyrillic_names(person: Person, *, kk: tuple[str, str, str], ru: tuple[str, str, str]) -> None:
    m.PopulationRecord.objects.filter(person=person).update(
        surname_kk=kk[0], given_name_kk=kk[1], patronymic_kk=kk[2],
        surname_ru=ru[0], given_name_ru=ru[1], patronymic_ru=ru[2],
    )  # fmt: skip


@pytest.fixture
def household(citizen_a: Persona) -> Household:
    """Citizen A (Nurlan Abenov, born 17 May 1990) with family, property, work and benefits."""
    subject = citizen_a.person
    assert subject is not None
    _cyrillic_names(
        subject, kk=("Әбенов", "Нұрлан", "Серікұлы"), ru=("Абенов", "Нурлан", "Серикович")
    )
    flat = m.PopulationRecord.objects.get(person=subject).address
    assert flat is not None
    m.AddressUnit.objects.filter(pk=flat.pk).update(
        name_kk="45-пәтер", name_ru="квартира 45", name_en="flat 45"
    )

    father = factories.person(surname="Abenov", given_name="Serik", birth_date=date(1960, 2, 3))
    _cyrillic_names(father, kk=("Әбенов", "Серік", ""), ru=("Абенов", "Серик", ""))
    daughter = factories.person(
        surname="Abenova", given_name="Dana", birth_date=date(2015, 6, 1), sex="F"
    )
    wife = factories.person(
        surname="Abenova", given_name="Zhanar", birth_date=date(1992, 9, 9), sex="F"
    )
    m.FamilyLink.objects.create(
        person=subject, relative=father, relation=m.FamilyRelation.PARENT, since=date(1990, 5, 17)
    )
    m.FamilyLink.objects.create(
        person=daughter, relative=subject, relation=m.FamilyRelation.PARENT, since=date(2015, 6, 1)
    )
    m.FamilyLink.objects.create(
        person=subject, relative=wife, relation=m.FamilyRelation.SPOUSE, since=date(2013, 8, 20)
    )

    estate = m.RealEstateObject.objects.create(
        cadastral_number="21-320-011-045",
        kind=m.PropertyKind.FLAT,
        address=factories.address("Astana", "Esil", "Astana", "Turan", "7", "12"),
        area_dm2=6543,
    )
    m.RealEstateOwnership.objects.create(
        estate=estate, owner_person=subject, share_numerator=1, share_denominator=2,
        since=date(2018, 4, 10),
    )  # fmt: skip
    vehicle = m.Vehicle.objects.create(
        vin="XTA219010K0123456", plate="123ABC01", make="Lada", model="Granta", year=2019,
        owner_person=subject, registered_on=date(2019, 5, 5),
    )  # fmt: skip

    employer = factories.organisation("Dala Trade LLP")
    m.LegalEntityRecord.objects.filter(organisation=employer).update(
        name_kk="«Дала Трейд» ЖШС", name_ru="ТОО «Дала Трейд»"
    )
    factories.employ(subject, employer, monthly_salary=450_000_00)  # Aug-Oct 2026
    m.Income.objects.create(  # too old to be among the recent months
        person=subject, payer=employer, period=date(2024, 3, 1), amount=777_777_00
    )
    m.BenefitAward.objects.create(
        person=subject, kind=m.BenefitKind.CHILD_CARE, monthly_amount=85_000_50,
        since=date(2015, 7, 1),
    )  # fmt: skip
    return Household(father=father, daughter=daughter, wife=wife, estate=estate, vehicle=vehicle)


@dataclass
class Neighbour:
    vin: str
    cadastral_number: str
    employer_name: str


@pytest.fixture
def neighbour(citizen_b: Persona) -> Neighbour:
    """Citizen B's own records, with values that cannot appear on A's page by accident."""
    subject = citizen_b.person
    assert subject is not None
    estate = m.RealEstateObject.objects.create(
        cadastral_number="99-999-999-999", kind=m.PropertyKind.HOUSE,
        address=factories.address("Almaty", "Medeu", "Almaty", "Dostyk", "99"), area_dm2=20000,
    )  # fmt: skip
    m.RealEstateOwnership.objects.create(
        estate=estate, owner_person=subject, share_numerator=1, share_denominator=1,
        since=date(2020, 1, 1),
    )  # fmt: skip
    m.Vehicle.objects.create(
        vin="WBA00000000B99999", plate="999ZZZ02", make="Toyota", model="Camry", year=2021,
        owner_person=subject, registered_on=date(2021, 2, 2),
    )  # fmt: skip
    employer = factories.organisation("Bekova Consulting")
    factories.employ(subject, employer, monthly_salary=999_999_00)
    return Neighbour(
        vin="WBA00000000B99999",
        cadastral_number="99-999-999-999",
        employer_name="Bekova Consulting",
    )
