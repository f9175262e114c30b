"""The language refuses what it cannot read or what makes no sense, saying where."""

from __future__ import annotations

from pathlib import Path

import pytest

from qyzmet.rules.checker import rule_check
from qyzmet.rules.syntax import RuleError, Type, parse

DEFS = Path(__file__).resolve().parents[2] / "src" / "qyzmet" / "rules" / "defs"


@pytest.mark.parametrize(
    ("source", "line", "column", "says"),
    [
        ("", 1, 1, "the rule is empty"),
        ("# only a comment\n", 1, 1, "the rule is empty"),
        ("alive and\n", 1, 10, "expected a fact, a value or '('"),
        ("alive\nand age >= 18\nand sex = 'F'", 3, 11, "double quotes"),
        ("age >= 18 >= 1", 1, 11, "comparisons do not chain"),
        ('age >= "18"', 1, 1, "cannot compare a number with a text"),
        ("age > 18 KZT", 1, 1, "write an amount of money with its currency"),
        ("age >= 18.5", 1, 8, "numbers are whole"),
        ("42500.123 KZT > 1 KZT", 1, 1, "at most 2 decimal places"),
        ("birth_date > 2020-02-30", 1, 14, "2020-02-30 is not a date"),
        ("wealth > 1 KZT", 1, 1, "there is no fact 'wealth'"),
        ("incomes > 3", 1, 1, "incomes is a list of records"),
        ("count(pets) > 0", 1, 7, "there is no list 'pets'"),
        ("count(children where amount > 1) > 0", 1, 22, "children have no fact 'amount'"),
        ("count(children where age < 18 and count(incomes) > 0) > 0", 1, 35, "inside another"),
        ("sum(incomes where period > today) > 0 KZT", 1, 1, "sum(incomes.amount where"),
        ("sum(incomes.payer) > 0 KZT", 1, 1, "sum adds up a field"),
        ("count(incomes.amount) > 0", 1, 1, "count counts records"),
        ("birth_date + 18 years <= today", 1, 1, "a period is added to today or a fixed date"),
        ("start_of_month(birth_date) = today", 1, 16, "start_of_month takes today"),
        ("months_between(today) > 1", 1, 1, "months_between takes 2 dates"),
        ("years_between(age, today) > 1", 1, 15, "years_between takes dates"),
        ("shout(1) = 1", 1, 1, "there is no function 'shout'"),
        ("age", 1, 1, "a rule must be yes or no"),
        ("not age", 1, 5, "'not' applies to a condition"),
        ("alive and 3", 1, 11, "'and' joins conditions"),
        ('sex in ["F", 1]', 1, 8, "a list holds values of one type"),
        ("sex in [age]", 1, 9, "a list holds fixed texts or fixed numbers"),
        ("sex in []", 1, 8, "a list needs at least one value"),
        ('age in ["18"]', 1, 1, "compares a text or a number with a list"),
        ('sex < "F"', 1, 1, "'<' does not apply to a text"),
        ("today - 3 months", 1, 1, "a rule must be yes or no"),
        ('alive and __import__("os")', 1, 11, "there is no function '__import__'"),
        ("alive; drop table", 1, 6, "unexpected character ';'"),
        ("alive)", 1, 6, "expected 'and', 'or' or the end of the rule"),
        ("(alive", 1, 7, "expected ')'"),
    ],
)
def test_a_bad_rule_is_refused_with_its_position(
    source: str, line: int, column: int, says: str
) -> None:
    with pytest.raises(RuleError) as refused:
        rule_check(source)
    error = refused.value
    assert says in error.message
    assert (error.line, error.column) == (line, column), error.pointer()
    assert str(error).startswith(f"line {line}, column {column}: ")


def test_the_pointer_underlines_the_offending_part() -> None:
    with pytest.raises(RuleError) as refused:
        rule_check("alive\nand count(pets where x) > 0")
    assert refused.value.pointer() == "  and count(pets where x) > 0\n            ^^^^"


@pytest.mark.parametrize("path", sorted(DEFS.glob("*.rule")), ids=lambda p: p.stem)
def test_every_shipped_rule_checks(path: Path) -> None:
    rule = rule_check(path.read_text("utf-8"))
    assert rule.tree.type is Type.BOOL


def test_a_rule_reads_only_the_lists_it_names() -> None:
    rule = rule_check("alive and count(children where age < 18) >= 1 and not any(benefits)")
    assert rule.collections == {"children", "benefits"}
    assert rule_check("age >= 18").collections == frozenset()


def test_money_dates_and_periods_are_read_exactly() -> None:
    tree = parse("42_500.50 KZT + 1 ₸ > 0 KZT and 2020-03-16 < today - 2 weeks")
    amounts = tree.operands[0].left  # type: ignore[attr-defined]
    assert (amounts.left.value, amounts.right.value) == (4_250_050, 100)
    period = tree.operands[1].right.right  # type: ignore[attr-defined]
    assert (period.value.days, period.value.months) == (14, 0)
