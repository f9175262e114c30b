"""Hypothesis strategies for the eligibility rules: well-typed rule source text over the
whole language, and small populations whose dates sit on the edges a rule can fall over
(birthdays 18 years ago to the day, Feb 29, month ends, records that start or end on
the reference day).

The rule generator writes text, not trees: a small typed generator, depth-limited, that
knows each fact's type and where it may appear, and puts in parentheses only where the
grammar's precedence needs them (plus a few it does not). Every rule it writes must pass
the checker; the tests assert that, so a rejected rule is a bug here or in the checker.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, partial
from typing import TypeVar

from hypothesis import strategies as st

from qyzmet.identity.models import Organisation, Person
from qyzmet.identity.national_ids import bin_build, iin_build
from qyzmet.registries import models as m

T = TypeVar("T")


def shift_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the 31st becoming a shorter month's last day.

    Written here again rather than imported, so the data does not lean on the code it
    tests."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _bins() -> tuple[str, ...]:
    found: list[str] = []
    serial = 1
    while len(found) < 2:
        built = bin_build(date(2018, 7, 1), 4, 1, serial)
        if built is not None:
            found.append(built)
        serial += 1
    return tuple(found)


# The payers and employers of generated populations; rules name them (and one nobody has).
ORG_BINS = _bins()
UNKNOWN_BIN = "990840000017"
CITIZENSHIPS = ("KAZ", "RUS", "UZB")
BENEFIT_KINDS = tuple(m.BenefitKind.values)

# Reference dates: leap day, the day before a missing leap day, month ends, a year's start.
ON_DATES = (
    date(2024, 2, 29),
    date(2023, 2, 28),
    date(2026, 3, 31),
    date(2026, 1, 1),
    date(2025, 6, 17),
    date(2024, 12, 31),
    date(2023, 3, 1),
    date(2025, 1, 31),
)
# Dates a rule may write; 9999-12-31 is what an open end reads as, so it is compared with
# but never moved (it would leave the calendar).
RULE_DATES = (
    date(2024, 2, 29),
    date(2023, 2, 28),
    date(2005, 2, 28),
    date(2006, 3, 1),
    date(2026, 3, 31),
    date(2026, 1, 1),
    date(2025, 6, 17),
    date(1960, 2, 29),
    date(2000, 1, 31),
)
FAR_DATE = date(9999, 12, 31)


# --- rules ----------------------------------------------------------------------------

# Precedence of what a piece of text is, lowest first, as the parser reads it.
OR, AND, NOT, COMPARISON, ADDITIVE, MULTIPLICATIVE, UNARY, PRIMARY = range(8)


@dataclass(frozen=True)
class Expr:
    text: str
    level: int = PRIMARY

    def at(self, level: int) -> str:
        """The text, in parentheses if it binds looser than ``level`` needs."""
        return self.text if self.level >= level else f"({self.text})"


# What each scope offers: the person (None) and the records inside count/any/sum(...).
_DATE_FACTS: dict[str | None, tuple[str, ...]] = {
    None: ("birth_date",),
    "children": ("birth_date",),
    "incomes": ("period",),
    "household_incomes": ("period",),
    "benefits": ("since", "ends"),
    "employments": ("since", "ends"),
}
_BOOL_FACTS: dict[str | None, tuple[str, ...]] = {
    None: ("alive",),
    "children": ("alive",),
    "incomes": (),
    "household_incomes": (),
    "benefits": ("active",),
    "employments": ("active",),
}
_MONEY_FACTS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "children": (),
    "incomes": ("amount",),
    "household_incomes": ("amount",),
    "benefits": ("amount",),
    "employments": (),
}
_AGED = (None, "children")  # scopes with a derived age
_TEXT_FACTS: dict[str | None, tuple[tuple[str, tuple[str, ...]], ...]] = {
    None: (("sex", ("M", "F")), ("citizenship", (*CITIZENSHIPS, "kaz"))),
    "children": (("sex", ("M", "F", "X")),),
    "incomes": (("payer", (*ORG_BINS, UNKNOWN_BIN)),),
    "household_incomes": (("payer", (*ORG_BINS, UNKNOWN_BIN)),),
    "benefits": (("kind", (*BENEFIT_KINDS, "pension")),),
    "employments": (("employer", (*ORG_BINS, UNKNOWN_BIN)),),
}
COLLECTIONS = ("children", "incomes", "household_incomes", "benefits", "employments")
SUMMABLE = ("incomes", "household_incomes", "benefits")
AGE_BOUNDS = (0, 1, 17, 18, 61, 63, 16, 64, 100, -1)
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
PERIOD_UNITS = ("day", "days", "week", "weeks", "month", "months", "year", "years")


class _Writer:
    """Writes one rule, drawing every choice from hypothesis (so it shrinks)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def pick(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def choose(self, *options: Callable[[], Expr]) -> Expr:
        """One of ``options``, called; the first is the simplest (hypothesis shrinks to it)."""
        return self.pick(options)()

    def maybe_parenthesised(self, expr: Expr) -> Expr:
        if self.draw(st.integers(0, 9)) == 0:
            return Expr(f"({expr.text})")
        return expr

    # conditions

    def condition(self, scope: str | None, depth: int) -> Expr:
        leaves: list[Callable[[], Expr]] = [
            lambda: self.bool_fact(scope),
            lambda: self.compare_number(scope, 0),
            lambda: self.compare_text(scope),
            lambda: self.compare_date(scope, 0),
        ]
        if scope in _AGED:
            leaves.append(lambda: self.age_bound(scope))
        leaves.append(lambda: self.date_distance_bound(scope))
        if scope is None:
            leaves.append(lambda: Expr(f"any({self.pick(COLLECTIONS)})"))
        if depth <= 0:
            return self.maybe_parenthesised(self.choose(*leaves))
        deeper = depth - 1
        branches: list[Callable[[], Expr]] = [
            *leaves,
            lambda: self.logical(scope, deeper),
            lambda: Expr(f"not {self.condition(scope, deeper).at(NOT)}", NOT),
            lambda: self.compare_number(scope, deeper),
            lambda: self.compare_money(scope, deeper),
            lambda: self.compare_date(scope, deeper),
            lambda: self.compare_bools(scope, deeper),
            lambda: self.membership(scope, deeper),
        ]
        if scope is None:
            branches += [lambda: self.any_where(deeper), lambda: self.count_bound(deeper)]
        return self.maybe_parenthesised(self.choose(*branches))

    def bool_fact(self, scope: str | None) -> Expr:
        return Expr(self.pick((*_BOOL_FACTS[scope], "true", "false")))

    def logical(self, scope: str | None, depth: int) -> Expr:
        op = self.pick(("and", "or"))
        level = AND if op == "and" else OR
        count = self.draw(st.integers(2, 3))
        operands = [self.condition(scope, depth).at(level + 1) for _ in range(count)]
        joiner = self.pick((f" {op} ", f"\n{op} ", f"\n    {op} "))
        return Expr(joiner.join(operands), level)

    def compared(self, left: Expr, op: str, right: Expr) -> Expr:
        return Expr(f"{left.at(ADDITIVE)} {op} {right.at(ADDITIVE)}", COMPARISON)

    def compare_number(self, scope: str | None, depth: int) -> Expr:
        op = self.pick(COMPARISONS)
        return self.compared(self.number(scope, depth), op, self.number(scope, depth))

    def compare_money(self, scope: str | None, depth: int) -> Expr:
        op = self.pick(COMPARISONS)
        return self.compared(self.money(scope, depth), op, self.money(scope, depth))

    def compare_date(self, scope: str | None, depth: int) -> Expr:
        op = self.pick(COMPARISONS)
        left = self.date(scope, depth)
        right = self.choose(lambda: self.date(scope, depth), lambda: Expr(FAR_DATE.isoformat()))
        if self.draw(st.booleans()):
            left, right = right, left
        return self.compared(left, op, right)

    def compare_text(self, scope: str | None) -> Expr:
        name, values = self.pick(_TEXT_FACTS[scope])
        left, right = Expr(name), Expr(f'"{self.pick(values)}"')
        if self.draw(st.booleans()):
            left, right = right, left
        return self.compared(left, self.pick(("=", "!=")), right)

    def compare_bools(self, scope: str | None, depth: int) -> Expr:
        left = self.condition(scope, depth).at(ADDITIVE)
        right = self.condition(scope, depth).at(ADDITIVE)
        return Expr(f"{left} {self.pick(('=', '!='))} {right}", COMPARISON)

    def membership(self, scope: str | None, depth: int) -> Expr:
        op = self.pick(("in", "not in"))
        if self.draw(st.booleans()):
            name, values = self.pick(_TEXT_FACTS[scope])
            chosen = self.draw(st.lists(st.sampled_from(values), min_size=1, max_size=4))
            items = ", ".join(f'"{value}"' for value in chosen)
            return Expr(f"{name} {op} [{items}]", COMPARISON)
        left = self.number(scope, depth)
        numbers = self.draw(st.lists(self.number_literal_strategy(), min_size=1, max_size=4))
        return Expr(f"{left.at(ADDITIVE)} {op} [{', '.join(numbers)}]", COMPARISON)

    def age_bound(self, scope: str | None) -> Expr:
        bound = Expr(str(self.pick(AGE_BOUNDS)), UNARY)
        op = self.pick(COMPARISONS)
        if self.draw(st.booleans()):
            return self.compared(bound, op, Expr("age"))
        return self.compared(Expr("age"), op, bound)

    def date_distance_bound(self, scope: str | None) -> Expr:
        """``years_between(fact, constant) op N`` and ``months_between``: the date range
        rewrite of the set-based evaluator, in either order and with any constant end."""
        function = self.pick(("years_between", "months_between"))
        fact = self.pick(_DATE_FACTS[scope])
        end = self.constant_date(1)
        bound = self.pick((0, 1, 18, 12, 3, 2, 6, 17, 63, -1, 11, 13))
        call = Expr(f"{function}({fact}, {end.text})")
        bound_expr = Expr(str(bound), UNARY if bound < 0 else PRIMARY)
        op = self.pick(COMPARISONS)
        if self.draw(st.booleans()):
            return self.compared(bound_expr, op, call)
        return self.compared(call, op, bound_expr)

    def any_where(self, depth: int) -> Expr:
        collection = self.pick(COLLECTIONS)
        return Expr(f"any({collection} where {self.condition(collection, depth).text})")

    def count_bound(self, depth: int) -> Expr:
        """``count(...) op 0/1/2`` either way round: the EXISTS rewrite and its neighbours."""
        count = self.count(depth)
        bound = Expr(str(self.pick((0, 1, 2))))
        op = self.pick(COMPARISONS)
        if self.draw(st.booleans()):
            return self.compared(bound, op, count)
        return self.compared(count, op, bound)

    def count(self, depth: int) -> Expr:
        collection = self.pick(COLLECTIONS)
        if self.draw(st.booleans()):
            return Expr(f"count({collection})")
        return Expr(f"count({collection} where {self.condition(collection, depth).text})")

    # numbers

    def number_literal_strategy(self) -> st.SearchStrategy[str]:
        return st.one_of(
            st.sampled_from(("0", "1", "2", "18", "17", "63", "-1", "1_000")),
            st.integers(-3, 200).map(str),
        )

    def number(self, scope: str | None, depth: int) -> Expr:
        leaves: list[Callable[[], Expr]] = [
            lambda: self.number_literal(),
            lambda: self.date_distance(scope, 0),
        ]
        if scope in _AGED:
            leaves.append(lambda: Expr("age"))
        if scope is None:
            leaves.append(lambda: self.count(0))
        if depth <= 0:
            return self.choose(*leaves)
        deeper = depth - 1
        return self.choose(
            *leaves,
            lambda: self.additive(self.number(scope, deeper), self.number(scope, deeper)),
            lambda: self.scaled(self.number(scope, deeper), scope, deeper),
            lambda: Expr(f"-{self.number(scope, deeper).at(UNARY)}", UNARY),
            lambda: self.date_distance(scope, deeper),
            *([lambda: self.count(deeper)] if scope is None else []),
        )

    def number_literal(self) -> Expr:
        text = self.draw(self.number_literal_strategy())
        return Expr(text, UNARY if text.startswith("-") else PRIMARY)

    def additive(self, left: Expr, right: Expr) -> Expr:
        op = self.pick(("+", "-"))
        return Expr(f"{left.at(ADDITIVE)} {op} {right.at(MULTIPLICATIVE)}", ADDITIVE)

    def factor(self, scope: str | None, depth: int) -> Expr:
        """A small multiplier (a literal or a count), so products stay far from overflow."""
        if scope is None and self.draw(st.booleans()):
            return self.count(depth)
        return Expr(str(self.draw(st.integers(-3, 12))), UNARY)

    def scaled(self, value: Expr, scope: str | None, depth: int) -> Expr:
        factor = self.factor(scope, depth)
        if self.draw(st.booleans()):
            return Expr(f"{value.at(MULTIPLICATIVE)} * {factor.at(UNARY)}", MULTIPLICATIVE)
        return Expr(f"{factor.at(MULTIPLICATIVE)} * {value.at(UNARY)}", MULTIPLICATIVE)

    def date_distance(self, scope: str | None, depth: int) -> Expr:
        """years_between/months_between of any two dates: fact then constant (the rewrite),
        constant then fact, two facts, two constants."""
        function = self.pick(("years_between", "months_between"))
        facts = _DATE_FACTS[scope]
        first, second = self.pick(
            (
                (lambda: Expr(self.pick(facts)), lambda: self.constant_date(depth)),
                (lambda: self.constant_date(depth), lambda: Expr(self.pick(facts))),
                (lambda: Expr(self.pick(facts)), lambda: Expr(self.pick(facts))),
                (lambda: self.constant_date(depth), lambda: self.constant_date(depth)),
            )
        )
        return Expr(f"{function}({first().text}, {second().text})")

    # money

    def money_literal(self) -> Expr:
        whole = self.draw(
            st.one_of(
                st.sampled_from((0, 42_500, 60_000, 1, 180_000, 85_000)),
                st.integers(0, 2_000_000),
            )
        )
        cents = self.draw(st.sampled_from(("", ".50", ".01", ".5", ".99", ".00")))
        digits = self.pick((str(whole), f"{whole:_}"))
        return Expr(f"{digits}{cents}{self.pick((' KZT', ' ₸', '₸', 'KZT'))}")

    def money(self, scope: str | None, depth: int) -> Expr:
        leaves: list[Callable[[], Expr]] = [lambda: self.money_literal()]
        leaves += [partial(Expr, name) for name in _MONEY_FACTS[scope]]
        if scope is None:
            leaves.append(lambda: self.sum(0))
        if depth <= 0:
            return self.choose(*leaves)
        deeper = depth - 1
        return self.choose(
            *leaves,
            lambda: self.additive(self.money(scope, deeper), self.money(scope, deeper)),
            lambda: self.scaled(self.money(scope, deeper), scope, deeper),
            lambda: Expr(f"-{self.money(scope, deeper).at(UNARY)}", UNARY),
            *([lambda: self.sum(deeper)] if scope is None else []),
        )

    def sum(self, depth: int) -> Expr:
        collection = self.pick(SUMMABLE)
        if self.draw(st.booleans()):
            return Expr(f"sum({collection}.amount)")
        where = self.condition(collection, depth).text
        return Expr(f"sum({collection}.amount where {where})")

    # dates

    def period(self) -> str:
        return f"{self.draw(st.integers(0, 24))} {self.pick(PERIOD_UNITS)}"

    def constant_date(self, depth: int) -> Expr:
        leaves: list[Callable[[], Expr]] = [
            lambda: Expr("today"),
            lambda: Expr(self.pick(RULE_DATES).isoformat()),
            lambda: Expr(f"start_of_month({self.pick(('today', *map(str, RULE_DATES)))})"),
            lambda: Expr(f"today {self.pick(('-', '+'))} {self.period()}", ADDITIVE),
            lambda: Expr(f"start_of_month(today) - {self.pick(('1 month', '3 months'))}", ADDITIVE),
        ]
        if depth <= 0:
            return self.choose(*leaves)
        deeper = depth - 1
        return self.choose(
            *leaves,
            lambda: Expr(
                f"{self.constant_date(deeper).at(ADDITIVE)} {self.pick(('-', '+'))} "
                f"{self.period()}",
                ADDITIVE,
            ),
            lambda: Expr(f"start_of_month({self.constant_date(deeper).text})"),
        )

    def date(self, scope: str | None, depth: int) -> Expr:
        return self.choose(
            lambda: Expr(self.pick(_DATE_FACTS[scope])),
            lambda: self.constant_date(depth),
        )


@st.composite
def rules(draw: st.DrawFn, max_depth: int = 3) -> str:
    """The source text of a well-typed rule (it must pass ``rule_check``)."""
    writer = _Writer(draw)
    body = writer.condition(None, draw(st.integers(0, max_depth))).text
    comment = draw(st.sampled_from(("", "# generated\n", "  ")))
    return f"{comment}{body}"


# --- populations ----------------------------------------------------------------------


@dataclass(frozen=True)
class IncomeSpec:
    period: date
    amount: int  # tiyn
    payer: int  # index into ORG_BINS


@dataclass(frozen=True)
class BenefitSpec:
    kind: str
    monthly_amount: int
    since: date
    until: date | None


@dataclass(frozen=True)
class EmploymentSpec:
    employer: int
    started_on: date
    ended_on: date | None


@dataclass(frozen=True)
class PersonSpec:
    birth_date: date
    sex: str = "M"
    citizenship: str = "KAZ"
    death_date: date | None = None
    # False: a Person without a population record (a child or spouse the register lacks).
    registered: bool = True
    incomes: tuple[IncomeSpec, ...] = ()
    benefits: tuple[BenefitSpec, ...] = ()
    employments: tuple[EmploymentSpec, ...] = ()


@dataclass(frozen=True)
class LinkSpec:
    relation: str  # parent: ``relative`` is the parent of ``person``; or spouse
    person: int  # indexes into Scenario.persons
    relative: int
    since: date
    until: date | None = None


@dataclass(frozen=True)
class Scenario:
    """A population to evaluate rules on, as of the reference day ``on``."""

    on: date
    persons: tuple[PersonSpec, ...]
    links: tuple[LinkSpec, ...] = ()


@cache
def reference_dates() -> st.SearchStrategy[date]:
    return st.one_of(
        st.sampled_from(ON_DATES),
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    )


@cache
def birth_dates(on: date) -> st.SearchStrategy[date]:
    """Birthdays on and around the ages rules ask about, Feb 29, month ends, the very old
    and the newborn."""
    exact = st.builds(
        lambda years, days: shift_months(on, -12 * years) + timedelta(days=days),
        st.sampled_from((18, 17, 63, 61, 0, 1, 16, 19, 62, 64, 90)),
        st.sampled_from((0, -1, 1)),
    )
    leap_days = st.sampled_from(
        [
            date(year, 2, 29)
            for year in (2004, 2008, 1960, 2020, 2024, 1904, 1964)
            if year <= on.year
        ]
    )
    month_ends = st.builds(
        lambda years, month: _month_end_before(on, on.year - years, month),
        st.sampled_from((18, 0, 17, 63, 61, 1)),
        st.sampled_from((1, 3, 2, 4, 12, 6)),
    )
    newborn = st.builds(
        lambda days: on - timedelta(days=days), st.sampled_from((0, 1, 2, 30, 364, 365, 366))
    )
    very_old = st.sampled_from((date(1920, 1, 1), date(1900, 2, 28), date(1904, 2, 29)))
    anything = st.dates(min_value=date(1930, 1, 1), max_value=on)
    return st.one_of(exact, leap_days, month_ends, newborn, very_old, anything)


def _month_end_before(on: date, year: int, month: int) -> date:
    """The last day of ``month`` in ``year``, or of the year before if that is after ``on``."""
    end = date(year, month, calendar.monthrange(year, month)[1])
    return end if end <= on else _month_end_before(on, year - 1, month)


@cache
def dates_near(on: date) -> st.SearchStrategy[date]:
    """Dates a record starts or ends on: the reference day and its neighbours, month
    starts and ends, a few months or a year either side."""
    first = on.replace(day=1)
    return st.one_of(
        st.builds(lambda days: on + timedelta(days=days), st.sampled_from((0, -1, 1))),
        st.sampled_from((first, first - timedelta(days=1), shift_months(first, 1))),
        st.builds(
            lambda months: shift_months(on, months), st.sampled_from((-1, -3, -12, 1, -2, 12))
        ),
        st.dates(min_value=on - timedelta(days=3 * 366), max_value=on + timedelta(days=366)),
    )


@cache
def income_periods(on: date) -> st.SearchStrategy[date]:
    first = on.replace(day=1)
    return st.integers(-14, 1).map(lambda months: shift_months(first, months))


@cache
def amounts() -> st.SearchStrategy[int]:
    """Tiyn: nothing, a tiyn, amounts on the shipped rules' thresholds, anything."""
    return st.one_of(
        st.sampled_from((0, 4_250_000, 6_000_000, 1, 18_000_000, 35_999_999, 36_000_000)),
        st.integers(0, 100_000_000),
    )


@cache
def incomes(on: date) -> st.SearchStrategy[IncomeSpec]:
    return st.builds(
        IncomeSpec,
        period=income_periods(on),
        amount=amounts(),
        payer=st.integers(0, len(ORG_BINS) - 1),
    )


@cache
def benefits(on: date) -> st.SearchStrategy[BenefitSpec]:
    return st.builds(
        BenefitSpec,
        kind=st.sampled_from(BENEFIT_KINDS),
        monthly_amount=amounts(),
        since=dates_near(on),
        until=st.none() | dates_near(on),
    )


@cache
def employments(on: date) -> st.SearchStrategy[EmploymentSpec]:
    return st.builds(
        EmploymentSpec,
        employer=st.integers(0, len(ORG_BINS) - 1),
        started_on=dates_near(on),
        ended_on=st.none() | dates_near(on),
    )


@cache
def persons(on: date, *, registered: bool = True) -> st.SearchStrategy[PersonSpec]:
    return st.builds(
        PersonSpec,
        birth_date=birth_dates(on),
        sex=st.sampled_from(("M", "F")),
        citizenship=st.sampled_from(("KAZ", "KAZ", *CITIZENSHIPS[1:])),
        death_date=st.none() | st.none() | dates_near(on),
        registered=st.just(registered),
        incomes=st.lists(incomes(on), max_size=4).map(tuple),
        benefits=st.lists(benefits(on), max_size=2).map(tuple),
        employments=st.lists(employments(on), max_size=2).map(tuple),
    )


@st.composite
def scenarios(draw: st.DrawFn, max_persons: int = 8) -> Scenario:
    """1 to ``max_persons`` registered persons (and up to two the register lacks), with
    parent and spouse links among them, incomes, benefits and jobs around ``on``."""
    on = draw(reference_dates())
    people = draw(st.lists(persons(on), min_size=1, max_size=max_persons))
    people += draw(st.lists(persons(on, registered=False), max_size=2))
    index = st.integers(0, len(people) - 1)
    links: list[LinkSpec] = []
    if len(people) > 1:
        # Two different people: the second is drawn from the others.
        pairs = st.tuples(index, st.integers(1, len(people) - 1)).map(
            lambda pair: (pair[0], (pair[0] + pair[1]) % len(people))
        )
        for child, parent in draw(st.lists(pairs, max_size=2 * len(people))):
            since = draw(st.sampled_from((people[child].birth_date, date(2010, 1, 1))))
            links.append(LinkSpec("parent", child, parent, since))
        for first, second in draw(st.lists(pairs, max_size=len(people))):
            since = draw(dates_near(on))
            until = draw(st.none() | dates_near(on))
            links.append(LinkSpec("spouse", first, second, since, until))
    unique = {(link.relation, link.person, link.relative, link.since): link for link in links}
    return Scenario(on=on, persons=tuple(people), links=tuple(unique.values()))


_serials = itertools.count(5_000)


def _iins(specs: Sequence[PersonSpec]) -> list[str]:
    """A new valid IIN for each person (their birth date and sex in it), none in use."""
    while True:
        iins: list[str] = []
        for spec in specs:
            iin = None
            while iin is None or iin in iins:
                iin = iin_build(spec.birth_date, spec.sex, next(_serials) % 10_000)
            iins.append(iin)
        if not Person.objects.filter(iin__in=iins).exists():
            return iins


def scenario_insert(scenario: Scenario) -> list[Person]:
    """Write the scenario's people and records; returns the Person of each PersonSpec."""
    Organisation.objects.bulk_create(
        [Organisation(bin=bin_) for bin_ in ORG_BINS], ignore_conflicts=True
    )
    payers = sorted(
        Organisation.objects.filter(bin__in=ORG_BINS), key=lambda o: ORG_BINS.index(o.bin)
    )
    specs = scenario.persons
    people = Person.objects.bulk_create([Person(iin=iin) for iin in _iins(specs)])
    m.PopulationRecord.objects.bulk_create(
        m.PopulationRecord(
            person=subject,
            surname_kk="Test",
            given_name_kk="Test",
            surname_ru="Test",
            given_name_ru="Test",
            surname_lat="Test",
            given_name_lat="Test",
            birth_date=spec.birth_date,
            sex=spec.sex,
            citizenship=spec.citizenship,
            death_date=spec.death_date,
        )
        for subject, spec in zip(people, specs, strict=True)
        if spec.registered
    )
    pairs = list(zip(people, specs, strict=True))
    m.Income.objects.bulk_create(
        m.Income(person=subject, payer=payers[i.payer], period=i.period, amount=i.amount)
        for subject, spec in pairs
        for i in spec.incomes
    )
    m.BenefitAward.objects.bulk_create(
        m.BenefitAward(
            person=subject, kind=b.kind, monthly_amount=b.monthly_amount,
            since=b.since, until=b.until,
        )
        for subject, spec in pairs
        for b in spec.benefits
    )  # fmt: skip
    m.Employment.objects.bulk_create(
        m.Employment(
            person=subject, employer=payers[e.employer], position="worker",
            started_on=e.started_on, ended_on=e.ended_on,
        )
        for subject, spec in pairs
        for e in spec.employments
    )  # fmt: skip
    m.FamilyLink.objects.bulk_create(
        m.FamilyLink(
            person=people[link.person], relative=people[link.relative],
            relation=link.relation, since=link.since, until=link.until,
        )
        for link in scenario.links
    )  # fmt: skip
    return people


# --- edge cases of the set-based evaluator's rewrites -----------------------------------
#
# Random rules and random people rarely meet exactly on an edge: a rule's 18 years and a
# person born 18 years ago to the day. These cases build the rule first and then people
# on both sides of each of its edges, so the rewrites (date distances as date ranges,
# counts against 0/1/2 as EXISTS) and the SQL date arithmetic meet every edge.


def _constant_ends(on: date) -> list[tuple[str, date]]:
    """Constant dates a distance is measured to, as written and as computed here."""
    first = on.replace(day=1)
    return [
        ("today", on),
        ("start_of_month(today)", first),
        ("today - 1 month", shift_months(on, -1)),
        ("start_of_month(today) - 1 month", shift_months(first, -1)),
        ("today + 1 year", shift_months(on, 12)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2023-03-31", date(2023, 3, 31)),
        ("2024-02-29 + 1 year", date(2025, 2, 28)),
    ]


_DISTANCE_HOLDERS = {  # scope: (fact, how a rule reaches it, {} holds the condition)
    "person": ("birth_date", "{}"),
    "children": ("birth_date", "any(children where {})"),
    "benefits since": ("since", "any(benefits where {})"),
    "benefits ends": ("ends", "count(benefits where {}) >= 1"),
    "employments": ("since", "not any(employments where {})"),
}


@st.composite
def date_distance_edges(draw: st.DrawFn) -> tuple[str, Scenario]:
    """``years_between``/``months_between`` of a fact and a constant compared with a
    number, written every way (the rewrite, either order, ``age``, arithmetic and ``in``
    that the rewrite does not take, the constant first), and people whose date is on, just
    before and just after each date where the answer changes."""
    on = draw(reference_dates())
    function, months = draw(st.sampled_from((("years_between", 12), ("months_between", 1))))
    end_text, end = draw(st.sampled_from(_constant_ends(on)))
    bound = draw(st.sampled_from((18, 0, 1, 2, 17, 63, -1, 12, 3)))
    op = draw(st.sampled_from(("=", "!=", "<", "<=", ">", ">=")))
    holder = draw(st.sampled_from(sorted(_DISTANCE_HOLDERS)))
    fact, around = _DISTANCE_HOLDERS[holder]
    call = f"{function}({fact}, {end_text})"
    if function == "years_between" and end_text == "today" and holder in ("person", "children"):
        call = draw(st.sampled_from((call, "age")))
    flipped = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
    form = draw(st.sampled_from(("rewrite", "reversed", "plus zero", "in", "constant first")))
    negative = f"-{bound}" if bound >= 0 else str(-bound)
    condition = {
        "rewrite": f"{call} {op} {bound}",
        "reversed": f"{bound} {flipped[op]} {call}",
        "plus zero": f"{call} + 0 {op} {bound}",
        "in": f"{call} {'in' if op in ('=', '<=', '>=') else 'not in'} [{bound}, {bound + 1}]",
        "constant first": f"{function}({end_text}, {fact}) {flipped[op]} {negative}",
    }[form]
    if form == "constant first" and call == "age":
        condition = f"years_between(today, birth_date) {flipped[op]} {negative}"
    source = around.format(condition)

    # Where the answer changes: the distance reaches n on the day n units before the end
    # (the 31st moving back to a shorter month's last day), for n = bound and bound + 1.
    edges = [shift_months(end, -n * months) for n in (bound, bound + 1)]
    days = sorted({edge + timedelta(days=d) for edge in edges for d in (-1, 0, 1, 2)})
    days += [d for d in (date(2004, 2, 29), date(2005, 3, 1)) if d not in days]
    people: list[PersonSpec] = []
    links: list[LinkSpec] = []
    born = draw(st.sampled_from((date(1980, 1, 31), date(1992, 2, 29))))
    for day in days:
        if holder == "person":
            people.append(PersonSpec(birth_date=day, sex=draw(st.sampled_from(("M", "F")))))
        elif holder == "children":
            people.append(PersonSpec(birth_date=born))
            people.append(PersonSpec(birth_date=day))
            links.append(LinkSpec("parent", len(people) - 1, len(people) - 2, day))
        elif holder.startswith("benefits"):
            benefit = BenefitSpec("disability", 1, since=day, until=day)
            people.append(PersonSpec(birth_date=born, benefits=(benefit,)))
        else:
            job = EmploymentSpec(0, started_on=day, ended_on=None)
            people.append(PersonSpec(birth_date=born, employments=(job,)))
    return source, Scenario(on=on, persons=tuple(people), links=tuple(links))


@st.composite
def count_edges(draw: st.DrawFn) -> tuple[str, Scenario]:
    """``count(...)`` against 0, 1, 2 and 3 either way round and with ``in``, for people
    with none, one, two and three matching records (and records that do not match)."""
    on = draw(reference_dates())
    collection, condition = draw(
        st.sampled_from(
            (
                ("children", ""),
                ("children", " where alive"),
                ("incomes", " where amount > 0 KZT"),
                ("household_incomes", ""),
                ("benefits", " where active"),
                ("employments", ""),
            )
        )
    )
    bound = draw(st.sampled_from((0, 1, 2, 3)))
    op = draw(st.sampled_from(("=", "!=", "<", "<=", ">", ">=")))
    count = f"count({collection}{condition})"
    flipped = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
    source = draw(
        st.sampled_from(
            (
                f"{count} {op} {bound}",
                f"{bound} {flipped[op]} {count}",
                f"not ({count} {op} {bound})",
                f"{count} in [{bound}, {bound + 2}]",
                f"{count} * 2 + 1 {op} {2 * bound + 1}",
            )
        )
    )
    people: list[PersonSpec] = []
    links: list[LinkSpec] = []
    for matching in range(4):
        for extra in (0, 1):  # a record that does not match the where clause
            holder = len(people)
            incomes = tuple(IncomeSpec(on.replace(day=1), 100 + i, 0) for i in range(matching))
            incomes += (IncomeSpec(on.replace(day=1), 0, 1),) * extra
            active = BenefitSpec("disability", 1, shift_months(on, -1), None)
            ended = BenefitSpec("disability", 1, shift_months(on, -3), shift_months(on, -1))
            people.append(
                PersonSpec(
                    birth_date=date(1980, 1, 1),
                    incomes=incomes,
                    benefits=(active,) * matching + (ended,) * extra,
                    employments=(EmploymentSpec(0, date(2020, 1, 1), None),) * matching,
                )
            )
            for child in range(matching + extra):
                dead = date(2020, 1, 1) if child >= matching else None
                people.append(PersonSpec(birth_date=date(2015, 1, 1), death_date=dead))
                links.append(LinkSpec("parent", len(people) - 1, holder, date(2015, 1, 1)))
    return source, Scenario(on=on, persons=tuple(people), links=tuple(links))


# Households by how the spouse is linked: (linked to the holder, link drawn from the
# holder's side, until set, spouse registered), one family per shape.
_MARRIAGES: dict[str, tuple[tuple[bool, bool, bool], ...]] = {
    "single": (),
    "married": ((True, False, True),),
    "married, linked from the spouse": ((False, False, True),),
    "married, linked both ways": ((True, False, True), (False, False, True)),
    "divorced": ((True, True, True),),
    "married again": ((True, True, True), (False, False, True)),
    "married to someone not in the register": ((True, False, False),),
}


@st.composite
def household_edges(draw: st.DrawFn) -> tuple[str, Scenario]:
    """``household_incomes``: the person's incomes and their current spouse's, whichever
    way the link is stored, once even when stored both ways, and not a former spouse's."""
    on = draw(reference_dates())
    month = on.replace(day=1)
    people: list[PersonSpec] = []
    links: list[LinkSpec] = []
    for shape in _MARRIAGES.values():
        holder = len(people)
        people.append(
            PersonSpec(birth_date=date(1985, 5, 5), incomes=(IncomeSpec(month, 100_00, 0),))
        )
        spouse = len(people)
        for from_holder, ended, registered in shape:
            if spouse == len(people):  # the first link of the shape makes the spouse
                incomes = (IncomeSpec(shift_months(month, -1), 200_00, 1),) * (4 if ended else 2)
                people.append(
                    PersonSpec(
                        birth_date=date(1986, 6, 6), sex="F", registered=registered,
                        incomes=incomes,
                    )
                )  # fmt: skip
            pair = (holder, spouse) if from_holder else (spouse, holder)
            until = shift_months(on, -12) if ended else None
            links.append(
                LinkSpec("spouse", *pair, since=date(2010, len(links) % 12 + 1, 1), until=until)
            )
            if ended:  # the next link in the shape is to someone else
                spouse = len(people)
    bound = draw(st.sampled_from((1, 3, 5, 2)))
    op = draw(st.sampled_from(("=", "!=", "<", "<=", ">", ">=")))
    source = draw(
        st.sampled_from(
            (
                f"count(household_incomes) {op} {bound}",
                f"sum(household_incomes.amount) {op} {bound * 100} KZT",
                f'any(household_incomes where payer = "{ORG_BINS[1]}")',
                f"sum(household_incomes.amount where period >= start_of_month(today) - 1 month)"
                f" {op} {bound * 100} KZT",
                f"{bound} {op} count(household_incomes where amount > 100 KZT)",
            )
        )
    )
    return source, Scenario(on=on, persons=tuple(people), links=tuple(links))


def edge_cases() -> st.SearchStrategy[tuple[str, Scenario]]:
    return st.one_of(date_distance_edges(), count_edges(), household_edges())
