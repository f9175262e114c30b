"""Rules are published in versions; a decision keeps what it was made on and replays."""

from __future__ import annotations

import pytest

from qyzmet.core.models import AuditEntry
from qyzmet.registries import models as m
from qyzmet.rules.models import Decision, RuleVersion
from qyzmet.rules.services import decision_make, decision_replay, rule_publish
from qyzmet.rules.sources import PersonUnknown, RegistrySource
from qyzmet.rules.syntax import RuleError
from tests.rules.conftest import ON, Family

ADULT = "alive and age >= 18"


@pytest.mark.django_db
def test_publishing_makes_versions_and_changes_nothing_for_the_same_text() -> None:
    first = rule_publish(code="adults", source=ADULT, actor="analyst.aliya")
    again = rule_publish(code="adults", source=ADULT, actor="analyst.aliya")
    second = rule_publish(code="adults", source=ADULT + " and age < 63", actor="analyst.aliya")
    assert (first.number, again.pk, second.number) == (1, first.pk, 2)
    entries = AuditEntry.objects.filter(action="rules.publish")
    assert [e.object_id for e in entries.order_by("pk")] == ["adults/1", "adults/2"]
    assert entries.first().actor == "analyst.aliya"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_an_ill_typed_rule_is_not_published() -> None:
    with pytest.raises(RuleError) as refused:
        rule_publish(code="broken", source='alive and\nage >= "18"', actor="analyst.aliya")
    assert (refused.value.line, refused.value.column) == (2, 1)
    assert not RuleVersion.objects.exists()
    assert not AuditEntry.objects.filter(action="rules.publish").exists()


def test_a_decision_keeps_its_facts_and_replays_the_same_after_the_registry_changes(
    family: Family,
) -> None:
    version = rule_publish(
        code="emergency", source=ADULT + " and not any(incomes where period >= 2026-03-01)",
        actor="analyst.aliya",
    )  # fmt: skip
    decided = decision_make(
        version=version, iin=family.mother.iin, on=ON, source=RegistrySource(), actor="officer.1"
    )
    kept = Decision.objects.get()
    assert (kept.iin, kept.on, kept.eligible, kept.read_through) == (
        family.mother.iin, ON, False, "registries",
    )  # fmt: skip
    assert kept.rule_version == version
    assert kept.dossier["facts"]["birth_date"] == "1990-02-03"
    assert {
        "payer": family.employer.bin,
        "period": "2026-03-01",
        "amount": 410_000_00,
    } in kept.dossier["collections"]["incomes"]
    assert set(kept.dossier["collections"]) == {"incomes"}  # only what the rule reads

    m.Income.objects.filter(person=family.mother).delete()  # the registry changes later
    rule_publish(code="emergency", source=ADULT, actor="analyst.aliya")  # and so does the rule
    replayed = decision_replay(kept)
    assert replayed.outcome.eligible is False
    assert replayed.rule.source == version.source
    assert replayed.dossier == decided.dossier


def test_a_person_not_in_the_register_gets_no_decision(family: Family) -> None:
    version = rule_publish(code="adults", source=ADULT, actor="analyst.aliya")
    with pytest.raises(PersonUnknown):
        decision_make(
            version=version, iin="000000000000", on=ON, source=RegistrySource(), actor="x"
        )
    assert not Decision.objects.exists()
