"""Decisions on applications read through the exchange; the person sees every read, and
the facts are the same as read straight from the registries."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import ExchangeRecord
from qyzmet.exchange.selectors import local_service_identifier
from qyzmet.exchange.services import exchange_init, grant_give, subsystem_add
from qyzmet.identity.models import Agency, Person
from qyzmet.registries.models import FamilyLink, FamilyRelation
from qyzmet.rules.checker import rule_check
from qyzmet.rules.facts import COLLECTIONS
from qyzmet.rules.person import dossier_read, evaluate
from qyzmet.rules.population import eligible_population
from qyzmet.rules.sources import ExchangeSource, PersonUnknown, RegistrySource
from qyzmet.trust.authority import TrustSetup
from tests import factories
from tests.rules.conftest import ON, Family

OFFICE = "QZ/GOV/990240000030/benefits-office"
EVERY_LIST = " and ".join(f"count({c.name}) >= 0" for c in COLLECTIONS)
SERVICES = [
    ("population", "person"), ("families", "links"), ("employment", "income-by-period"),
    ("employment", "jobs"), ("benefits", "paid-to"),
]  # fmt: skip


@pytest.fixture
def office(trust: TrustSetup, agencies: dict[str, Agency]) -> ExchangeClient:
    exchange_init()
    subsystem_add(identifier=OFFICE, actor="test-operator")
    for registry, code in SERVICES:
        grant_give(
            client=OFFICE, service=local_service_identifier(registry, code),
            purposes=["benefit-assignment"], actor="test-operator",
        )  # fmt: skip
    return ExchangeClient.local(OFFICE)


def test_the_exchange_gives_the_same_facts_as_the_registries(
    family: Family, office: ExchangeClient
) -> None:
    rule = rule_check(f"alive and {EVERY_LIST}")
    through = ExchangeSource(office, purpose="benefit-assignment", issue="BEN-2026-00042")
    for person in (family.mother, family.father, family.grandmother):
        direct = dossier_read(RegistrySource(), person.iin, rule)
        exchanged = dossier_read(through, person.iin, rule)
        assert exchanged.to_json() == direct.to_json()
        assert direct.collections["benefits"] or person == family.father
    father = dossier_read(through, family.father.iin, rule)
    assert len(father.collections["household_incomes"]) == 3  # his wife's salaries
    assert len(father.collections["children"]) == 2


def test_every_read_is_in_the_persons_data_tracker(family: Family, office: ExchangeClient) -> None:
    source = Path(__file__).resolve().parents[2] / "src/qyzmet/rules/defs/birth-benefit.rule"
    rule = rule_check(source.read_text("utf-8"))
    through = ExchangeSource(office, purpose="benefit-assignment", issue="BEN-2026-00042")
    outcome = evaluate(rule, dossier_read(through, family.father.iin, rule), on=ON)
    assert outcome.eligible  # the baby was born in January; the mother was paid, not he
    reads = ExchangeRecord.objects.filter(client=OFFICE, issue="BEN-2026-00042")
    assert {(r.subject_iin, r.service.rsplit("/", 2)[-2]) for r in reads} == {
        (family.father.iin, "population"),
        (family.father.iin, "families"),
        (family.father.iin, "benefits"),
        (family.baby.iin, "population"),
        (family.teenager.iin, "population"),
    }
    assert {r.purpose for r in reads} == {"benefit-assignment"}


def test_a_child_missing_from_the_register_is_left_out_both_ways(
    family: Family, office: ExchangeClient
) -> None:
    unregistered = Person.objects.create(iin=factories.next_iin(date(2025, 5, 5), "M"))
    FamilyLink.objects.create(
        person=unregistered, relative=family.father, relation=FamilyRelation.PARENT,
        since=date(2025, 5, 5),
    )  # fmt: skip
    rule = rule_check("count(children) = 2")
    through = ExchangeSource(office, purpose="benefit-assignment", issue="BEN-2026-00043")
    for source in (RegistrySource(), through):
        assert evaluate(rule, dossier_read(source, family.father.iin, rule), on=ON).eligible
    assert eligible_population(rule, on=ON).filter(person=family.father).exists()


def test_a_read_the_exchange_refuses_stops_the_decision(
    family: Family, office: ExchangeClient
) -> None:
    through = ExchangeSource(office, purpose="loan-assessment")  # not granted for this
    with pytest.raises(PersonUnknown, match="PurposeNotGranted"):
        dossier_read(through, family.mother.iin, rule_check("alive"))


def test_a_source_made_for_many_people_reads_each_list_once_and_answers_the_same(
    family: Family, django_assert_num_queries: Any
) -> None:
    rule = rule_check(f"alive and {EVERY_LIST}")
    everyone = [family.mother, family.father, family.baby, family.teenager, family.grandmother]
    iins = [person.iin for person in everyone]
    batch = RegistrySource(iins)
    # The records, then one query a list (household incomes: the marriages, then incomes).
    with django_assert_num_queries(1 + len(COLLECTIONS) + 1):
        together = [dossier_read(batch, iin, rule) for iin in iins]
    assert together == [dossier_read(RegistrySource(), iin, rule) for iin in iins]
    assert len(together[1].collections["household_incomes"]) == 3  # his wife's salaries

    outsider = factories.person(given_name="Erlan", birth_date=date(1979, 3, 3), sex="M")
    assert dossier_read(batch, outsider.iin, rule) == dossier_read(
        RegistrySource(), outsider.iin, rule
    )
    with pytest.raises(PersonUnknown):
        dossier_read(batch, factories.next_iin(date(2001, 1, 1), "F"), rule)
