"""A refusal names the clause that failed and the values it failed on, in kk, ru and en."""

from __future__ import annotations

from pathlib import Path

import pytest

from qyzmet.rules.checker import rule_check
from qyzmet.rules.explanations import Explanation, explain
from qyzmet.rules.person import dossier_read, evaluate
from qyzmet.rules.sources import RegistrySource
from tests.rules.conftest import ON, Family

DEFS = Path(__file__).resolve().parents[2] / "src" / "qyzmet" / "rules" / "defs"
EMERGENCY = (DEFS / "emergency-payment-2020.rule").read_text("utf-8")


def decided(source: str, iin: str, language: str = "en") -> Explanation:
    rule = rule_check(source)
    dossier = dossier_read(RegistrySource(), iin, rule)
    outcome = evaluate(rule, dossier, on=ON)
    return explain(outcome, dossier, rule.source, on=ON, language=language)


def test_income_last_month_refuses_the_emergency_payment_and_says_from_whom(
    family: Family,
) -> None:
    explanation = decided(EMERGENCY, family.mother.iin)
    assert not explanation.eligible
    [reason] = explanation.reasons
    assert reason.clause == (
        "any(incomes where period >= start_of_month(today) - 1 month and amount >= 350_000 KZT)"
    )
    assert (reason.line, reason.column) == (7, 9)
    assert reason.text == (
        "Incomes where period >= start_of_month(today) - 1 month and amount >= 350_000 KZT: "
        "1 found; the rule allows none."
    )
    assert ("start_of_month(today) - 1 month", "1 March 2026") in reason.values
    assert reason.records == [
        f"month: March 2026; amount: 410,000.00 KZT; payer (BIN): {family.employer.bin}"
    ]


def test_the_same_refusal_in_russian_and_kazakh(family: Family) -> None:
    for language, month, amount in (
        ("ru", "март 2026", "410\u00a0000,00\u00a0₸"),
        ("kk", "2026", "410\u00a0000,00\u00a0₸"),
    ):
        explanation = decided(EMERGENCY, family.mother.iin, language)
        [reason] = explanation.reasons
        assert month in reason.records[0].lower()
        assert amount in reason.records[0]
        assert family.employer.bin in reason.records[0]
        assert reason.text != decided(EMERGENCY, family.mother.iin).reasons[0].text


def test_an_eligible_person_gets_no_reasons(family: Family) -> None:
    explanation = decided(EMERGENCY, family.father.iin)
    assert explanation.eligible
    assert explanation.reasons == []
    assert explanation.lines() == ["Eligible: every condition of the rule is met."]


def test_every_failing_clause_is_named_with_its_values(family: Family) -> None:
    explanation = decided(
        "alive\nand age >= 18\nand not any(benefits where active)", family.teenager.iin
    )
    [age] = explanation.reasons
    assert age.clause == "age >= 18"
    assert age.text == "Age: 17; the rule requires at least 18."
    assert age.values == []  # the text says it all

    explanation = decided("age < 65 and not any(benefits where active)", family.grandmother.iin)
    [age, pension] = explanation.reasons
    assert (age.clause, age.text) == ("age < 65", "Age: 68; the rule requires less than 65.")
    assert pension.clause == "any(benefits where active)"
    assert pension.text == "Pensions and benefits where active: 1 found; the rule allows none."
    assert pension.records == [
        "kind: old-age pension (old_age_pension); monthly amount: 135,000.00 KZT; "
        "paid since: 2 November 2018"
    ]


def test_alternatives_are_explained_together(family: Family) -> None:
    explanation = decided('sex = "F" or count(children where age < 1) >= 2', family.father.iin)
    [either] = explanation.reasons
    assert either.text == "None of these holds:"
    assert [a.clause for a in either.alternatives] == [
        'sex = "F"',
        "count(children where age < 1) >= 2",
    ]
    assert either.alternatives[1].text == (
        "Number of children where age < 1: 1; the rule requires at least 2."
    )
    assert either.alternatives[1].records[0].startswith("date of birth: 10 January 2026")


def test_sums_name_the_total_and_the_records(family: Family) -> None:
    source = "sum(household_incomes.amount where period >= today - 3 months) < 500_000 KZT"
    [reason] = decided(source, family.father.iin).reasons
    assert reason.text == (
        "Total amount of incomes of the household (the person and their spouse) where "
        "period >= today - 3 months: 820,000.00 KZT; the rule requires less than 500,000.00 KZT."
    )
    assert len(reason.records) == 2  # the spouse's February and March salaries


@pytest.mark.parametrize("path", sorted(DEFS.glob("*.rule")), ids=lambda p: p.stem)
def test_every_refusal_of_a_shipped_rule_has_reasons(path: Path, family: Family) -> None:
    source = path.read_text("utf-8")
    for person in (family.mother, family.father, family.baby, family.teenager, family.grandmother):
        for language in ("kk", "ru", "en"):
            explanation = decided(source, person.iin, language)
            if explanation.eligible:
                continue
            assert explanation.reasons
            for reason in explanation.reasons:
                assert reason.clause
                assert reason.clause in " ".join(source.split())
                assert reason.text
