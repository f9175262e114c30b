"""The per-person evaluator and the set-based one select exactly the same people.

The per-person evaluator (person.py) computes every formula as written; the set-based one
(population.py) compiles the rule into one SQL query and rewrites parts of it for speed
(age bounds as birth date ranges, ``count(...) >= 1`` as EXISTS). Hypothesis writes rules
over the whole language (tests/rules/strategies.py) and populations whose dates sit on
the edges (A); the shipped rules and random ones run on a generated population, where
every refusal must also name the clauses that failed, in kk, ru or en (B); and
each rewrite meets people on both sides of each of its edges (C).
"""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings, target
from hypothesis import strategies as st

import qyzmet.rules
from qyzmet.registries.generator import population_generate
from qyzmet.registries.models import GenerationRun, PopulationRecord
from qyzmet.rules.checker import CheckedRule, rule_check
from qyzmet.rules.explanations import explain
from qyzmet.rules.person import Dossier, dossier_read, evaluate
from qyzmet.rules.population import eligible_population
from qyzmet.rules.sources import RegistrySource
from qyzmet.rules.syntax import RuleError
from tests.rules.strategies import (
    BenefitSpec,
    IncomeSpec,
    LinkSpec,
    PersonSpec,
    Scenario,
    edge_cases,
    rules,
    scenario_insert,
    scenarios,
    shift_months,
)

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]

SHIPPED = sorted((Path(qyzmet.rules.__file__).parent / "defs").glob("*.rule"))
# A rule that reads every list: its dossiers serve any rule (evaluate reads only the lists
# a rule names), so the generated population is read once, not once per random rule.
EVERY_LIST = rule_check(
    "count(children) + count(incomes) + count(household_incomes) + count(benefits)"
    " + count(employments) >= 0"
)


def checked(source: str) -> CheckedRule:
    try:
        return rule_check(source)
    except RuleError as error:
        pytest.fail(
            f"the checker rejected a generated rule (a bug in the strategy or the checker):\n"
            f"{source}\n{error}\n{error.pointer()}"
        )


def dossiers_read(rule: CheckedRule) -> dict[str, Dossier]:
    """The dossier of everyone in the population register, read for ``rule``."""
    iins = list(
        PopulationRecord.objects.order_by("person__iin").values_list("person__iin", flat=True)
    )
    source = RegistrySource(iins)  # each list read once for everyone
    return {iin: dossier_read(source, iin, rule) for iin in iins}


def assert_agree(rule: CheckedRule, dossiers: dict[str, Dossier], on: date) -> set[str]:
    """Both evaluators on ``on``; returns who is eligible."""
    one_by_one = {iin for iin, d in dossiers.items() if evaluate(rule, d, on=on).eligible}
    query = eligible_population(rule, on=on)
    at_once = set(query.values_list("person__iin", flat=True))
    if one_by_one != at_once:
        differing = sorted(one_by_one ^ at_once)
        details = "\n".join(
            f"  {iin}: per-person {iin in one_by_one}, set-based {iin in at_once}\n"
            f"    {json.dumps(dossiers[iin].to_json(), default=str)}"
            for iin in differing
        )
        pytest.fail(
            f"the evaluators disagree on {connection.vendor}, on={on.isoformat()}\n"
            f"rule:\n{rule.source}\n"
            f"differing IINs ({len(differing)} of {len(dossiers)}):\n{details}\n"
            f"SQL: {query.query}"
        )
    return one_by_one


def counted(selected: set[str], everyone: int) -> None:
    if not selected:
        event("selects nobody")
    elif len(selected) == everyone:
        event("selects everybody")
    else:
        event("selects some")


def reference_days(on: date) -> list[date]:
    return [on, on - timedelta(days=1), on + timedelta(days=1)]


LANGUAGES = ("kk", "ru", "en")
REFUSALS_EXPLAINED = 15  # per random rule on the generated population


def assert_refusal_explained(rule: CheckedRule, dossier: Dossier, on: date, language: str) -> None:
    """A refusal names at least one clause of the rule, where it stands, and says why."""
    explanation = explain(evaluate(rule, dossier, on=on), dossier, rule.source, on=on,
                          language=language)  # fmt: skip
    assert not explanation.eligible
    assert explanation.reasons, f"a refusal without a reason:\n{rule.source}\n{dossier}"
    lines = rule.source.split("\n")
    pending = list(explanation.reasons)
    while pending:
        reason = pending.pop()
        pending += reason.alternatives
        assert reason.text.strip()
        # The clause is the text at its position, with line breaks folded.
        written = "\n".join(lines[reason.line - 1 :])[reason.column - 1 :]
        assert " ".join(written.split()).startswith(reason.clause), (reason, rule.source)


class _RolledBack(Exception):
    """Ends an example's transaction, so the next example does not see its rows."""


# --- A: random rules on random populations ---------------------------------------------

FEB_29_ADULT = Scenario(
    on=date(2023, 2, 28),
    persons=(
        PersonSpec(birth_date=date(2005, 2, 28)),
        PersonSpec(birth_date=date(2004, 2, 29), sex="F"),
        PersonSpec(birth_date=date(2005, 3, 1)),
        PersonSpec(birth_date=date(2005, 3, 1), death_date=date(2022, 1, 1)),
    ),
)
MONTH_END = Scenario(
    on=date(2023, 2, 28),
    persons=(
        PersonSpec(birth_date=date(2023, 1, 31)),
        PersonSpec(birth_date=date(2023, 1, 28)),
        PersonSpec(birth_date=date(2023, 1, 27), sex="F"),
        PersonSpec(birth_date=date(2022, 12, 31)),
    ),
)
LEAP_DAY = Scenario(  # 18 years before 2024-02-29 is 2006-02-28; a month before 03-31, 02-29
    on=date(2024, 2, 29),
    persons=(
        PersonSpec(birth_date=date(2006, 2, 28)),
        PersonSpec(birth_date=date(2006, 3, 1), sex="F"),
        PersonSpec(birth_date=date(2006, 2, 27)),
        PersonSpec(birth_date=date(2004, 2, 29), sex="F"),
        PersonSpec(birth_date=date(2024, 1, 31)),
        PersonSpec(birth_date=date(2024, 1, 29)),
    ),
)
HOUSEHOLD = Scenario(
    on=date(2024, 2, 29),
    persons=(
        PersonSpec(
            birth_date=date(1990, 5, 17),
            incomes=(IncomeSpec(date(2024, 1, 1), 6_000_000, 0),),
            benefits=(BenefitSpec("old_age_pension", 1, date(2024, 2, 29), None),),
        ),
        PersonSpec(
            birth_date=date(1992, 2, 29),
            sex="F",
            incomes=(IncomeSpec(date(2023, 12, 1), 4_250_000, 1),),
        ),
        PersonSpec(birth_date=date(2023, 3, 1), incomes=(IncomeSpec(date(2024, 2, 1), 1, 0),)),
        PersonSpec(birth_date=date(2010, 1, 1), registered=False),
        PersonSpec(birth_date=date(1991, 1, 1), incomes=(IncomeSpec(date(2024, 2, 1), 7, 1),)),
    ),
    links=(
        LinkSpec("spouse", 0, 1, date(2015, 1, 1)),
        LinkSpec("spouse", 1, 0, date(2016, 1, 1)),  # the same marriage, stored both ways
        LinkSpec("spouse", 2, 0, date(2016, 1, 1), date(2020, 1, 1)),
        LinkSpec("parent", 2, 0, date(2023, 3, 1)),
        LinkSpec("parent", 2, 1, date(2023, 3, 1)),
        LinkSpec("parent", 3, 1, date(2010, 1, 1)),  # not in the register: not a child
        LinkSpec("spouse", 4, 1, date(2012, 1, 1), date(2014, 1, 1)),  # divorced
    ),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
@given(source=rules(), scenario=scenarios())
@example(source="age >= 18", scenario=FEB_29_ADULT)
@example(source="18 <= age and alive", scenario=FEB_29_ADULT)
@example(source="years_between(birth_date, today) = 18", scenario=FEB_29_ADULT)
@example(source="18 < age or age = 17", scenario=LEAP_DAY)
@example(source="months_between(birth_date, today + 1 month) < 1", scenario=LEAP_DAY)
@example(source="months_between(birth_date, today) >= 1", scenario=MONTH_END)
@example(source="months_between(birth_date, 2023-02-28) = 1", scenario=MONTH_END)
@example(source="months_between(2023-01-31, birth_date) <= -1", scenario=MONTH_END)
@example(
    source="sum(household_incomes.amount where period >= start_of_month(today) - 3 months)"
    " < 3 * 60_000 KZT * (2 + count(children where age < 18))",
    scenario=HOUSEHOLD,
)
@example(source="1 <= count(children where alive) and count(children) < 2", scenario=HOUSEHOLD)
@example(source="not any(benefits where active) or count(children) = 2", scenario=HOUSEHOLD)
@example(source="count(household_incomes where amount < 1 KZT) = 0", scenario=HOUSEHOLD)
def test_random_rules_select_the_same_people_either_way(source: str, scenario: Scenario) -> None:
    decided_both_ways(checked(source), scenario, reference_days(scenario.on))


def decided_both_ways(rule: CheckedRule, scenario: Scenario, days: list[date]) -> None:
    """Insert the scenario, check both evaluators agree on each day, and roll it back."""
    before = PopulationRecord.objects.count()
    try:
        with transaction.atomic():
            scenario_insert(scenario)
            dossiers = dossiers_read(rule)
            assert len(dossiers) == before + sum(spec.registered for spec in scenario.persons)
            for day in days:
                selected = assert_agree(rule, dossiers, day)
                if day == scenario.on:
                    counted(selected, len(dossiers))
                    target(min(len(selected), len(dossiers) - len(selected)), label="split")
            raise _RolledBack
    except _RolledBack:
        pass
    assert PopulationRecord.objects.count() == before


# --- B: shipped and random rules on a generated population ------------------------------

GENERATED_PERSONS = 300


def generated_days() -> list[date]:
    """Days to decide on around the generated population's reference month (its ages and
    six months of incomes are counted from the first day of the month it was made in)."""
    started = timezone.localtime(GenerationRun.objects.get().started_at).date()
    as_of = started.replace(day=1)
    days = {
        as_of,
        as_of - timedelta(days=1),
        started,
        shift_months(as_of, 1) - timedelta(days=1),
        shift_months(as_of, 2),
        shift_months(started, 12),
        shift_months(started, 24),  # people grow into the pension age the data froze
        shift_months(as_of, 60),
        date(2024, 2, 29),
    }
    return sorted(days)


def test_shipped_and_random_rules_select_the_same_people_on_a_generated_population() -> None:
    population_generate(persons=GENERATED_PERSONS, seed=11)  # inside the test's transaction
    days = generated_days()
    everyone = PopulationRecord.objects.count()
    assert everyone >= GENERATED_PERSONS
    # Read everyone once with every list: evaluate only looks at the lists a rule names,
    # so these dossiers are what dossier_read gives for any rule.
    dossiers = dossiers_read(EVERY_LIST)
    assert len(dossiers) == everyone

    assert len(SHIPPED) >= 5
    registry = RegistrySource()
    for path in SHIPPED:
        rule = checked(path.read_text("utf-8"))
        # The shortcut above holds: the rule's own reading, one person at a time.
        for iin in list(dossiers)[::25]:
            full = dossiers[iin]
            lists = {name: full.collections[name] for name in rule.collections}
            assert dossier_read(registry, iin, rule) == Dossier(iin, full.facts, lists)
        sizes = []
        for day in days:
            selected = assert_agree(rule, dossiers, day)
            sizes.append(len(selected))
            refused = [iin for iin in dossiers if iin not in selected][:REFUSALS_EXPLAINED]
            for iin, language in zip(refused, itertools.cycle(LANGUAGES), strict=False):
                assert_refusal_explained(rule, dossiers[iin], day, language)
        # Not vacuous: on some day the rule picks some people and leaves others.
        assert any(0 < size < everyone for size in sizes), (path.name, days, sizes)

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        print_blob=True,
    )
    @given(source=rules(), on=st.sampled_from(days), language=st.sampled_from(LANGUAGES))
    def random_rules_agree(source: str, on: date, language: str) -> None:
        rule = checked(source)
        selected = assert_agree(rule, dossiers, on)
        counted(selected, everyone)
        target(min(len(selected), everyone - len(selected)), label="people on each side")
        refused = [iin for iin in dossiers if iin not in selected][:REFUSALS_EXPLAINED]
        for iin in refused:
            assert_refusal_explained(rule, dossiers[iin], on, language)

    random_rules_agree()


# --- C: the rewrites' edges ---------------------------------------------------------------


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
@given(case=edge_cases())
def test_rewrites_select_the_same_people_on_their_edges(case: tuple[str, Scenario]) -> None:
    source, scenario = case
    decided_both_ways(checked(source), scenario, [scenario.on])
