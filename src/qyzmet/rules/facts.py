"""The fact catalogue: every name a rule may use, defined once for both evaluators.

A fact read from a registry says how to read it in two ways, side by side: ``value``
takes it from the record the registries answer with (``registries/schemas.py``, the same
shape the exchange carries), for the per-person evaluator; ``sql`` is the same thing as a
database expression, for the set-based one. A derived fact is written in the rule
language itself, so both evaluators get it from its definition. Tests prove that the two
readings agree on generated populations (tests/rules/test_equivalence.py).

Adding a fact is adding one entry here (docs/rules.md walks through it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.db.models import F, Model, OuterRef, Q, TextChoices, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qyzmet.registries import models as m
from qyzmet.registries import schemas
from qyzmet.rules.syntax import Type

# An open end ("until", "ended on" not set) reads as this date in both evaluators.
OPEN_END = date(9999, 12, 31)


class PersonRecord(Protocol):
    """A population record as the registries answer it, or as the table holds it."""

    @property
    def birth_date(self) -> date: ...
    @property
    def sex(self) -> str: ...
    @property
    def citizenship(self) -> str: ...
    @property
    def death_date(self) -> date | None: ...


class FactSource(Protocol):
    """Where the per-person evaluator reads a person's records (see sources.py)."""

    description: str  # kept with each decision: where its facts were read

    def person(self, iin: str) -> PersonRecord: ...
    def children(self, iin: str) -> Sequence[PersonRecord]: ...
    def incomes(self, iin: str) -> list[schemas.IncomeOut]: ...
    def household_incomes(self, iin: str) -> list[schemas.IncomeOut]: ...
    def benefits(self, iin: str) -> list[schemas.BenefitOut]: ...
    def employments(self, iin: str) -> list[schemas.EmploymentOut]: ...


@dataclass(frozen=True)
class Fact:
    name: str
    type: Type
    label: Promise
    # A registry fact: how to read it from a record, and the same as SQL.
    value: Callable[[Any], Any] | None = None
    sql: Callable[[], Any] | None = None  # an expression, or a Q for a yes/no fact
    # A derived fact: its definition in the rule language.
    definition: str = ""
    # A date that stands for its month (an income's period): explanations say "March 2026".
    monthly: bool = False
    # How explanations show a coded value in the reader's language.
    display: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Collection:
    """Records related to a person, which rules aggregate: ``count(children where ...)``."""

    name: str
    label: Promise
    facts: tuple[Fact, ...]
    read: Callable[[FactSource, str], Sequence[Any]]
    model: type[Model]
    # The rows that belong to the person of the outer query (a PopulationRecord).
    belongs: Callable[[], Q]

    def fact(self, name: str) -> Fact | None:
        return next((f for f in self.facts if f.name == name), None)


def _column(path: str) -> Callable[[], Any]:
    return lambda: F(path)


def _open_end(path: str) -> Callable[[], Any]:
    return lambda: Coalesce(F(path), Value(OPEN_END))


def _label(choices: type[TextChoices], value: str) -> str:
    return f"{choices(value).label} ({value})" if value in choices.values else value


_ACTIVE = "since <= today and ends >= today"

PERSON_FACTS: tuple[Fact, ...] = (
    Fact("birth_date", Type.DATE, _("date of birth"),
         value=lambda p: p.birth_date, sql=_column("birth_date")),
    Fact("age", Type.NUMBER, _("age"), definition="years_between(birth_date, today)"),
    Fact("sex", Type.TEXT, _("sex"), value=lambda p: p.sex, sql=_column("sex")),
    Fact("citizenship", Type.TEXT, _("citizenship"),
         value=lambda p: p.citizenship, sql=_column("citizenship")),
    Fact("alive", Type.BOOL, _("alive"),
         value=lambda p: p.death_date is None, sql=lambda: Q(death_date__isnull=True)),
)  # fmt: skip

_INCOME_FACTS: tuple[Fact, ...] = (
    Fact("period", Type.DATE, _("month"),
         value=lambda i: i.period, sql=_column("period"), monthly=True),
    Fact("amount", Type.MONEY, _("amount"), value=lambda i: i.amount, sql=_column("amount")),
    Fact("payer", Type.TEXT, _("payer (BIN)"),
         value=lambda i: i.payer_bin, sql=_column("payer__bin")),
)  # fmt: skip


def _spouses(side: str, other: str) -> Q:
    links = m.FamilyLink.objects.filter(
        relation=m.FamilyRelation.SPOUSE,
        until__isnull=True,
        **{side: OuterRef(OuterRef("person_id"))},
    )
    return Q(person_id__in=links.values(other))


COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        "children", _("children"),
        (
            Fact("birth_date", Type.DATE, _("date of birth"),
                 value=lambda c: c.birth_date, sql=_column("person__population__birth_date")),
            Fact("age", Type.NUMBER, _("age"), definition="years_between(birth_date, today)"),
            Fact("sex", Type.TEXT, _("sex"),
                 value=lambda c: c.sex, sql=_column("person__population__sex")),
            Fact("alive", Type.BOOL, _("alive"), value=lambda c: c.death_date is None,
                 sql=lambda: Q(person__population__death_date__isnull=True)),
        ),
        read=lambda source, iin: source.children(iin),
        model=m.FamilyLink,
        belongs=lambda: Q(
            relative_id=OuterRef("person_id"), relation=m.FamilyRelation.PARENT,
            person__population__isnull=False,
        ),
    ),
    Collection(
        "incomes", _("incomes"), _INCOME_FACTS,
        read=lambda source, iin: source.incomes(iin),
        model=m.Income,
        belongs=lambda: Q(person_id=OuterRef("person_id")),
    ),
    Collection(
        "household_incomes", _("incomes of the household (the person and their spouse)"),
        _INCOME_FACTS,
        read=lambda source, iin: source.household_incomes(iin),
        model=m.Income,
        belongs=lambda: Q(person_id=OuterRef("person_id"))
        | _spouses("person_id", "relative_id")
        | _spouses("relative_id", "person_id"),
    ),
    Collection(
        "benefits", _("pensions and benefits"),
        (
            Fact("kind", Type.TEXT, _("kind"), value=lambda b: b.kind, sql=_column("kind"),
                 display=lambda kind: _label(m.BenefitKind, kind)),
            Fact("amount", Type.MONEY, _("monthly amount"),
                 value=lambda b: b.monthly_amount, sql=_column("monthly_amount")),
            Fact("since", Type.DATE, _("paid since"),
                 value=lambda b: b.since, sql=_column("since")),
            Fact("ends", Type.DATE, _("paid until"),
                 value=lambda b: b.until or OPEN_END, sql=_open_end("until")),
            Fact("active", Type.BOOL, _("being paid"), definition=_ACTIVE),
        ),
        read=lambda source, iin: source.benefits(iin),
        model=m.BenefitAward,
        belongs=lambda: Q(person_id=OuterRef("person_id")),
    ),
    Collection(
        "employments", _("employments"),
        (
            Fact("employer", Type.TEXT, _("employer (BIN)"),
                 value=lambda e: e.employer_bin, sql=_column("employer__bin")),
            Fact("since", Type.DATE, _("employed since"),
                 value=lambda e: e.started_on, sql=_column("started_on")),
            Fact("ends", Type.DATE, _("employed until"),
                 value=lambda e: e.ended_on or OPEN_END, sql=_open_end("ended_on")),
            Fact("active", Type.BOOL, _("current"), definition=_ACTIVE),
        ),
        read=lambda source, iin: source.employments(iin),
        model=m.Employment,
        belongs=lambda: Q(person_id=OuterRef("person_id")),
    ),
)  # fmt: skip

PERSON_FACT = {fact.name: fact for fact in PERSON_FACTS}
COLLECTION = {collection.name: collection for collection in COLLECTIONS}
