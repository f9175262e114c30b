"""What the registries hold about citizens A and B, and the ids the API names it by.

Both citizens have one of everything (home address, flat, car, job with three monthly
incomes, benefit, child, an earlier version of their population record and an access
token), so every endpoint has something to show to those allowed to see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.utils import timezone

from qyzmet.identity.models import Account, Person
from qyzmet.identity.services import token_create
from qyzmet.registries import models as m
from qyzmet.registries.versioning import record_revise
from tests import factories


@dataclass(frozen=True)
class Holdings:
    """One citizen's records."""

    person: Person
    account: Account
    surname: str
    address_code: int
    cadastral_number: str
    vin: str
    employer_bin: str
    benefit_kind: str
    child_iin: str
    token_id: UUID

    @property
    def iin(self) -> str:
        return self.person.iin


@dataclass(frozen=True)
class World:
    a: Holdings
    b: Holdings

    def of(self, subject: str) -> Holdings:
        return {"a": self.a, "b": self.b}[subject]


def vehicle(owner: Person, *, vin: str) -> m.Vehicle:
    return m.Vehicle.objects.create(
        vin=vin,
        plate=f"{vin[-3:]}ABC02",
        make="Toyota",
        model="Camry",
        year=2019,
        owner_person=owner,
        registered_on=date(2019, 6, 1),
    )


def estate(owner: Person, *, cadastral_number: str, home: m.AddressUnit) -> m.RealEstateObject:
    flat = m.RealEstateObject.objects.create(
        cadastral_number=cadastral_number, kind=m.PropertyKind.FLAT, address=home, area_dm2=6_450
    )
    m.RealEstateOwnership.objects.create(
        estate=flat,
        owner_person=owner,
        share_numerator=1,
        share_denominator=1,
        since=date(2018, 4, 2),
    )
    return flat


def benefit(person: Person, *, kind: str = m.BenefitKind.CHILD_CARE) -> m.BenefitAward:
    return m.BenefitAward.objects.create(
        person=person, kind=kind, monthly_amount=85_000_00, since=date(2025, 2, 1)
    )


def child(parent: Person, *, surname: str) -> Person:
    born = date(2016, 2, 29)
    kid = factories.person(surname=surname, given_name="Dana", birth_date=born, sex="F")
    m.FamilyLink.objects.create(
        person=kid, relative=parent, relation=m.FamilyRelation.PARENT, since=born
    )
    return kid


def holdings_build(account: Account, *, serial: int) -> Holdings:
    person = account.person
    assert person is not None
    record = m.PopulationRecord.objects.get(person=person)
    home = record.address or factories.address("Almaty", "Medeu", "Almaty", "Abay", str(serial))
    # An earlier version of the record, so that its history is not empty.
    record_revise(
        record=record,
        changes={"address_id": home.pk, "registered_since": date(2020, 9, 1)},
        reason="moved house",
        actor="system",
    )
    employer = factories.organisation(f"Employer {serial} LLP")
    factories.employ(person, employer)
    token = token_create(
        account=account,
        name=f"integration {serial}",
        scopes=["registries:read"],
        expires_at=timezone.now() + timedelta(days=30),
    ).token
    return Holdings(
        person=person,
        account=account,
        surname=record.surname_lat,
        address_code=home.code,
        cadastral_number=estate(
            person, cadastral_number=f"21-320-105-{serial:04d}", home=home
        ).cadastral_number,
        vin=vehicle(person, vin=f"JTNB11HK{serial:09d}").vin,
        employer_bin=employer.bin,
        benefit_kind=benefit(person).kind,
        child_iin=child(person, surname=record.surname_lat).iin,
        token_id=token.public_id,
    )
