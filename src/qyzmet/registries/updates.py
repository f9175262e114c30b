"""Writes to the base registries that public services make: a birth, a death, a marriage, a
benefit awarded. Each is one transaction, audited with its actor, and refuses what would
contradict the register (a second birth record for the same child, a death before birth).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.identity.models import Person
from qyzmet.identity.national_ids import iin_build
from qyzmet.registries import models as m
from qyzmet.registries.versioning import record_revise


@dataclass(frozen=True)
class ChildNames:
    surname: str
    given_name: str
    patronymic: str = ""


def _population(iin: str) -> m.PopulationRecord:
    record = m.PopulationRecord.objects.select_related("person").filter(person__iin=iin).first()
    if record is None:
        raise Problem(422, f"No population record for IIN {iin}.", code="not-in-register")
    return record


def _free_iin(birth_date: date, sex: str) -> str:
    """The first unused IIN for this birth date and sex."""
    taken = set(
        Person.objects.filter(iin__startswith=f"{birth_date:%y%m%d}").values_list("iin", flat=True)
    )
    for serial in range(1, 10_000):
        iin = iin_build(birth_date, sex, serial)
        if iin is not None and iin not in taken:
            return iin
    raise Problem(409, "No IIN is left for this birth date.", code="iin-exhausted")


@transaction.atomic
def birth_register(
    *,
    parent_iin: str,
    other_parent_iin: str,
    names: ChildNames,
    birth_date: date,
    sex: str,
    actor: str,
) -> Person:
    """Register a child's birth: a new person with an IIN, a population record at the first
    parent's address, and a parent link to each parent in the register."""
    parent = _population(parent_iin)
    others = [_population(other_parent_iin)] if other_parent_iin else []
    if birth_date > timezone.localdate():
        raise Problem(422, "A birth date cannot be in the future.", code="future-birth")
    if m.PopulationRecord.objects.filter(
        birth_date=birth_date,
        given_name_kk=names.given_name,
        person__in=m.FamilyLink.objects.filter(
            relative=parent.person, relation=m.FamilyRelation.PARENT
        ).values("person"),
    ).exists():
        raise Problem(409, "This birth is already registered.", code="already-registered")
    child = Person.objects.create(iin=_free_iin(birth_date, sex))
    m.PopulationRecord.objects.create(
        person=child,
        surname_kk=names.surname,
        given_name_kk=names.given_name,
        patronymic_kk=names.patronymic,
        surname_ru=names.surname,
        given_name_ru=names.given_name,
        patronymic_ru=names.patronymic,
        surname_lat=names.surname,
        given_name_lat=names.given_name,
        birth_date=birth_date,
        sex=sex,
        address=parent.address,
        registered_since=timezone.localdate(),
    )
    for record in [parent, *others]:
        m.FamilyLink.objects.create(
            person=child, relative=record.person, relation=m.FamilyRelation.PARENT, since=birth_date
        )
    parents = [record.person.iin for record in [parent, *others]]
    m.RegistryEvent.objects.create(
        kind=m.EventKind.BIRTH, subject=child, on=birth_date,
        persons=[record.person_id for record in [parent, *others]],
    )  # fmt: skip
    audit_record(
        actor=actor, action="registry.birth.register", object_type="population",
        object_id=child.iin, data={"parents": parents},
    )  # fmt: skip
    return child


@transaction.atomic
def death_register(*, iin: str, death_date: date, actor: str) -> m.PopulationRecord:
    record = _population(iin)
    if record.death_date is not None:
        raise Problem(409, "This death is already registered.", code="already-registered")
    if death_date < record.birth_date or death_date > timezone.localdate():
        raise Problem(422, "The date of death is not possible.", code="impossible-date")
    relatives = m.FamilyLink.objects.filter(
        Q(person=record.person) | Q(relative=record.person), until__isnull=True
    ).values_list("person_id", "relative_id")
    m.RegistryEvent.objects.create(
        kind=m.EventKind.DEATH, subject=record.person, on=death_date,
        persons=sorted({p for pair in relatives for p in pair} - {record.person_id}),
    )  # fmt: skip
    return record_revise(
        record=record, changes={"death_date": death_date}, reason="death registered", actor=actor
    )


@transaction.atomic
def marriage_register(*, iin: str, spouse_iin: str, on: date, actor: str) -> m.FamilyLink:
    one, other = _population(iin), _population(spouse_iin)
    if one.person_id == other.person_id:
        raise Problem(422, "A person cannot marry themselves.", code="same-person")
    married = m.FamilyLink.objects.filter(
        relation=m.FamilyRelation.SPOUSE, until__isnull=True
    ).filter(person__in=[one.person, other.person])
    if married.exists() or m.FamilyLink.objects.filter(
        relation=m.FamilyRelation.SPOUSE, until__isnull=True,
        relative__in=[one.person, other.person],
    ).exists():  # fmt: skip
        raise Problem(409, "One of the two is already married.", code="already-married")
    link = m.FamilyLink.objects.create(
        person=one.person, relative=other.person, relation=m.FamilyRelation.SPOUSE, since=on
    )
    m.RegistryEvent.objects.create(
        kind=m.EventKind.MARRIAGE, subject=one.person, on=on,
        persons=[one.person_id, other.person_id],
    )  # fmt: skip
    audit_record(
        actor=actor, action="registry.marriage.register", object_type="families",
        object_id=str(link.pk), data={"spouses": [iin, spouse_iin]},
    )  # fmt: skip
    return link


@transaction.atomic
def benefit_award_record(
    *, iin: str, kind: str, monthly_amount: int, since: date, until: date | None, actor: str
) -> m.BenefitAward:
    """Record a pension or benefit awarded to a person (amount in tiyn)."""
    if kind not in m.BenefitKind.values:
        raise Problem(422, f"Unknown benefit kind {kind!r}.", code="unknown-benefit")
    record = _population(iin)
    award = m.BenefitAward.objects.create(
        person=record.person, kind=kind, monthly_amount=monthly_amount, since=since, until=until
    )
    audit_record(
        actor=actor, action="registry.benefit.award", object_type="benefits",
        object_id=str(award.pk), data={"iin": iin, "kind": kind, "amount": monthly_amount},
    )  # fmt: skip
    return award
