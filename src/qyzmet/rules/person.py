"""The per-person evaluator: decides a rule for one person from their records and keeps
a trace of every clause, from which ``explanations.py`` says why in kk, ru or en.

It evaluates the formulas as written (``age`` is ``years_between(birth_date, today)``),
while the set-based evaluator rewrites them for speed; the tests prove the two agree.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qyzmet.rules.checker import CheckedRule
from qyzmet.rules.facts import COLLECTION, PERSON_FACTS, FactSource
from qyzmet.rules.syntax import (
    Aggregate,
    Arith,
    Call,
    Compare,
    ListOf,
    Literal,
    Logical,
    Name,
    Negate,
    Node,
    Not,
    Period,
    RuleError,
    Type,
)

# How many matching records an explanation lists (the count is always exact).
MATCHES_SHOWN = 5


@dataclass(frozen=True)
class Dossier:
    """What the per-person evaluator knows of one person: their own facts and the records
    of each list the rule aggregates, as plain values keyed by fact name."""

    iin: str
    facts: dict[str, Any]
    collections: dict[str, list[dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return {
            "iin": self.iin,
            "facts": _jsonable(self.facts),
            "collections": {
                name: [_jsonable(item) for item in items]
                for name, items in self.collections.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dossier:
        types = {f.name: f.type for f in PERSON_FACTS}
        collections = {}
        for name, items in data["collections"].items():
            item_types = {f.name: f.type for f in COLLECTION[name].facts}
            collections[name] = [_typed(item, item_types) for item in items]
        return cls(data["iin"], _typed(data["facts"], types), collections)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _typed(values: dict[str, Any], types: dict[str, Type]) -> dict[str, Any]:
    return {k: date.fromisoformat(v) if types.get(k) is Type.DATE else v for k, v in values.items()}


def dossier_read(source: FactSource, iin: str, rule: CheckedRule) -> Dossier:
    """Read what ``rule`` needs about the person ``iin``, and nothing more."""
    person = source.person(iin)
    facts = {f.name: f.value(person) for f in PERSON_FACTS if f.value is not None}
    collections = {}
    for name in sorted(rule.collections):
        collection = COLLECTION[name]
        readable = [f for f in collection.facts if f.value is not None]
        items = [
            {f.name: f.value(record) for f in readable}  # type: ignore[misc]
            for record in collection.read(source, iin)
        ]
        # In one order whatever the source's, so kept dossiers compare and replay alike.
        collections[name] = sorted(items, key=lambda item: [str(v) for v in item.values()])
    return Dossier(iin, facts, collections)


@dataclass
class Trace:
    """How one clause evaluated: its value, its parts and, for ``count``/``any``/``sum``,
    the records that matched (the first few) and how many did."""

    node: Node
    value: Any
    parts: list[Trace] = field(default_factory=list)
    matches: list[dict[str, Any]] | None = None
    matched: int = 0


@dataclass(frozen=True)
class Outcome:
    eligible: bool
    trace: Trace


def evaluate(rule: CheckedRule, dossier: Dossier, *, on: date) -> Outcome:
    """Decide ``rule`` for the person of ``dossier`` as of the day ``on``."""
    trace = _Evaluator(rule.source, on, dossier).trace(rule.tree, dossier.facts)
    return Outcome(eligible=bool(trace.value), trace=trace)


def constant_value(node: Node, source: str, on: date) -> Any:
    """The value of a node that does not depend on the person (the SQL compiler's too)."""
    return _Evaluator(source, on, None).value(node, {})


def fact_value(node: Node, dossier: Dossier, *, source: str, on: date) -> Any:
    """The value of a person-level part of a rule for the person of ``dossier``."""
    return _Evaluator(source, on, dossier).value(node, dossier.facts)


def years_between(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end``: a person's age is years_between(birth, today)."""
    return end.year - start.year - ((start.month, start.day) > (end.month, end.day))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``."""
    return (end.year - start.year) * 12 + end.month - start.month - (start.day > end.day)


def months_added(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st becomes the month's last day if it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_added(day: date, period: Period, sign: int) -> date:
    if period.months:
        return months_added(day, sign * period.months)
    return day + timedelta(days=sign * period.days)


class _Evaluator:
    def __init__(self, source: str, on: date, dossier: Dossier | None) -> None:
        self.source = source
        self.on = on
        self.dossier = dossier

    def trace(self, node: Node, scope: dict[str, Any]) -> Trace:
        if isinstance(node, Logical):
            parts = [self.trace(operand, scope) for operand in node.operands]
            values = [part.value for part in parts]
            return Trace(node, all(values) if node.op == "and" else any(values), parts)
        if isinstance(node, Not):
            inner = self.trace(node.operand, scope)
            return Trace(node, not inner.value, [inner])
        if isinstance(node, Compare):
            left, right = self.trace(node.left, scope), self.trace(node.right, scope)
            return Trace(node, _compare(node.op, left.value, right.value), [left, right])
        if isinstance(node, Aggregate):
            return self.aggregate(node)
        return Trace(node, self.value(node, scope))

    def value(self, node: Node, scope: dict[str, Any]) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            if node.name == "today":
                return self.on
            if node.definition is not None:
                return self.value(node.definition, scope)
            return scope[node.name]
        if isinstance(node, ListOf):
            return [self.value(item, scope) for item in node.items]
        if isinstance(node, Not):
            return not self.value(node.operand, scope)
        if isinstance(node, Negate):
            return -self.value(node.operand, scope)
        if isinstance(node, Logical):
            values = [self.value(operand, scope) for operand in node.operands]
            return all(values) if node.op == "and" else any(values)
        if isinstance(node, Compare):
            return _compare(node.op, self.value(node.left, scope), self.value(node.right, scope))
        if isinstance(node, Arith):
            return self.arith(node, self.value(node.left, scope), self.value(node.right, scope))
        if isinstance(node, Call):
            args = [self.value(arg, scope) for arg in node.args]
            if node.function == "start_of_month":
                return args[0].replace(day=1)
            if node.function == "years_between":
                return years_between(args[0], args[1])
            return months_between(args[0], args[1])
        if isinstance(node, Aggregate):
            return self.aggregate(node).value
        raise TypeError(node)  # pragma: no cover - the checker admits no other node

    def arith(self, node: Arith, left: Any, right: Any) -> Any:
        if isinstance(right, Period):
            try:
                return period_added(left, right, 1 if node.op == "+" else -1)
            except OverflowError:
                raise RuleError(
                    "this date falls outside the calendar", self.source, node.start, node.end
                ) from None
        result = (
            left + right if node.op == "+" else left - right if node.op == "-" else left * right
        )
        if abs(result) >= 2**63:  # the databases' integers end there
            raise RuleError("this number is too large", self.source, node.start, node.end)
        return result

    def aggregate(self, node: Aggregate) -> Trace:
        assert self.dossier is not None  # noqa: S101 - aggregates are never constant
        items = self.dossier.collections[node.collection]
        matching = [item for item in items if node.where is None or self.value(node.where, item)]
        if node.function == "sum":
            value: Any = sum(item[node.field or ""] for item in matching)
        elif node.function == "count":
            value = len(matching)
        else:
            value = bool(matching)
        return Trace(node, value, matches=matching[:MATCHES_SHOWN], matched=len(matching))


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "in":
        return left in right
    return left not in right
