"""A family whose records exercise every list the rules read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from qyzmet.identity.models import Organisation, Person
from qyzmet.registries import models as m
from tests import factories

ON = date(2026, 4, 15)  # the day the rules are decided for in these tests


@dataclass(frozen=True)
class Family:
    mother: Person  # 36, paid by the employer in March 2026
    father: Person  # unemployed, no income: eligible for the emergency payment
    baby: Person  # born 2026-01-10
    teenager: Person  # 17 on ON
    grandmother: Person  # 68, on an old-age pension
    employer: Organisation


@pytest.fixture
def family(db: None) -> Family:
    employer = factories.organisation("Dala Trade LLP")
    mother = factories.person(given_name="Aigerim", birth_date=date(1990, 2, 3), sex="F")
    father = factories.person(given_name="Nurlan", birth_date=date(1988, 7, 30), sex="M")
    baby = factories.person(given_name="Ali", birth_date=date(2026, 1, 10), sex="M")
    teenager = factories.person(given_name="Dana", birth_date=date(2008, 4, 16), sex="F")
    grandmother = factories.person(given_name="Saule", birth_date=date(1957, 11, 2), sex="F")
    m.FamilyLink.objects.create(
        person=mother, relative=father, relation=m.FamilyRelation.SPOUSE, since=date(2012, 6, 1)
    )
    for child in (baby, teenager):
        for parent in (mother, father):
            m.FamilyLink.objects.create(
                person=child, relative=parent, relation=m.FamilyRelation.PARENT,
                since=m.PopulationRecord.objects.get(person=child).birth_date,
            )  # fmt: skip
    m.FamilyLink.objects.create(
        person=mother, relative=grandmother, relation=m.FamilyRelation.PARENT,
        since=date(1990, 2, 3),
    )  # fmt: skip
    m.Employment.objects.create(
        person=mother, employer=employer, position="accountant", started_on=date(2019, 9, 1)
    )
    for month in (1, 2, 3):
        m.Income.objects.create(
            person=mother, payer=employer, period=date(2026, month, 1), amount=410_000_00
        )
    m.BenefitAward.objects.create(
        person=grandmother, kind=m.BenefitKind.OLD_AGE_PENSION, monthly_amount=135_000_00,
        since=date(2018, 11, 2),
    )  # fmt: skip
    m.BenefitAward.objects.create(
        person=mother, kind=m.BenefitKind.CHILD_BIRTH, monthly_amount=140_000_00,
        since=date(2026, 1, 20), until=date(2026, 1, 31),
    )  # fmt: skip
    return Family(mother, father, baby, teenager, grandmother, employer)
