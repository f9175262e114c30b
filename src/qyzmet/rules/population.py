"""The set-based evaluator: compiles a rule into one SQL query that selects every eligible
person in the population register at once (PostgreSQL and SQLite alike).

It reads each fact through the catalogue's ``sql`` expressions and writes the query as
an analyst would by hand: ``age >= 18`` becomes a range on the birth date the database
can use an index for, ``count(...) >= 1`` an EXISTS, ``not any(...)`` a NOT EXISTS.
Every rewrite is proven equal to the per-person evaluator's formula by the tests.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateField,
    Exists,
    ExpressionWrapper,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import Case, Combinable, When
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    LessThan,
    LessThanOrEqual,
)

from qyzmet.registries.models import PopulationRecord
from qyzmet.rules.checker import CheckedRule
from qyzmet.rules.facts import COLLECTION, PERSON_FACT, Collection
from qyzmet.rules.person import constant_value, months_added
from qyzmet.rules.syntax import (
    Aggregate,
    Arith,
    Call,
    Compare,
    Logical,
    Name,
    Negate,
    Node,
    Not,
    Type,
)

_LOOKUPS = {
    "=": Exact, "<": LessThan, "<=": LessThanOrEqual, ">": GreaterThan, ">=": GreaterThanOrEqual,
}  # fmt: skip
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_OUTPUT = {
    Type.NUMBER: BigIntegerField(), Type.MONEY: BigIntegerField(), Type.DATE: DateField(),
    Type.TEXT: TextField(), Type.BOOL: BooleanField(),
}  # fmt: skip


def eligible_population(rule: CheckedRule, *, on: date) -> QuerySet[PopulationRecord]:
    """Every population record whose person satisfies ``rule`` on the day ``on``."""
    return PopulationRecord.objects.filter(_Compiler(rule.source, on).condition(rule.tree, None))


class _Compiler:
    def __init__(self, source: str, on: date) -> None:
        self.source = source
        self.on = on

    # conditions (yes/no) compile to Q; values to expressions

    def condition(self, node: Node, scope: Collection | None) -> Q:
        if node.constant:
            return _always(bool(constant_value(node, self.source, self.on)))
        if isinstance(node, Name):
            if node.definition is not None:
                return self.condition(node.definition, scope)
            compiled = self.fact(node, scope)
            return compiled if isinstance(compiled, Q) else Q(Exact(compiled, Value(True)))
        if isinstance(node, Not):
            return ~self.condition(node.operand, scope)
        if isinstance(node, Logical):
            parts = [self.condition(operand, scope) for operand in node.operands]
            combined = parts[0]
            for part in parts[1:]:
                combined = combined & part if node.op == "and" else combined | part
            return combined
        if isinstance(node, Compare):
            return self.compare(node, scope)
        if isinstance(node, Aggregate):  # any(...)
            return Q(Exists(self.records(node)))
        raise TypeError(node)  # pragma: no cover - the checker admits no other condition

    def compare(self, node: Compare, scope: Collection | None) -> Q:
        rewritten = self.as_exists(node) or self.as_date_range(node, scope)
        if rewritten is not None:
            return rewritten
        if node.left.type is Type.BOOL:
            left, right = self.condition(node.left, scope), self.condition(node.right, scope)
            same = (left & right) | (~left & ~right)
            return same if node.op == "=" else ~same
        left_value = self.value(node.left, scope)
        if node.op in ("in", "not in"):
            matched = Q(In(left_value, constant_value(node.right, self.source, self.on)))
            return matched if node.op == "in" else ~matched
        right_value = self.value(node.right, scope)
        if node.op == "!=":
            return ~Q(Exact(left_value, right_value))
        return Q(_LOOKUPS[node.op](left_value, right_value))

    def value(self, node: Node, scope: Collection | None) -> Any:
        if node.constant:
            return Value(constant_value(node, self.source, self.on), output_field=_output(node))
        if isinstance(node, Name):
            if node.definition is not None:
                return self.value(node.definition, scope)
            return self.fact(node, scope)
        if isinstance(node, Negate):
            return _typed(Value(0) - self.value(node.operand, scope), node)
        if isinstance(node, Arith):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            combined = {"+": Combinable.ADD, "-": Combinable.SUB, "*": Combinable.MUL}[node.op]
            return _typed(left._combine(right, combined, False), node)
        if isinstance(node, Call):
            start, end = (self.value(arg, scope) for arg in node.args)
            if node.function == "years_between":
                return _typed(_years_between(start, end), node)
            return _typed(_months_between(start, end), node)
        if isinstance(node, Aggregate):
            records = self.records(node).order_by()
            if node.function == "count":
                counted = records.annotate(n=Func(Value(1), function="COUNT")).values("n")
                return Subquery(counted, output_field=BigIntegerField())
            collection = COLLECTION[node.collection]
            field = collection.fact(node.field or "")
            assert field is not None  # noqa: S101 - checked
            assert field.sql is not None  # noqa: S101 - checked
            summed = records.annotate(total=Func(field.sql(), function="SUM")).values("total")
            return Coalesce(Subquery(summed), Value(0), output_field=BigIntegerField())
        if isinstance(node, Compare | Logical | Not):
            return ExpressionWrapper(self.condition(node, scope), output_field=BooleanField())
        raise TypeError(node)  # pragma: no cover - the checker admits no other value

    def fact(self, node: Name, scope: Collection | None) -> Any:
        fact = PERSON_FACT[node.name] if scope is None else scope.fact(node.name)
        assert fact is not None  # noqa: S101 - checked
        assert fact.sql is not None  # noqa: S101 - checked
        return fact.sql()

    def records(self, node: Aggregate) -> QuerySet[Any]:
        collection = COLLECTION[node.collection]
        records: QuerySet[Any] = collection.model._default_manager.filter(collection.belongs())
        if node.where is not None:
            records = records.filter(self.condition(node.where, collection))
        return records

    # rewrites that let the database use its indexes

    def as_exists(self, node: Compare) -> Q | None:
        """``count(X) >= 1`` and the like as EXISTS, ``count(X) = 0`` as NOT EXISTS."""
        count, op, other = _split(node, _counting)
        if count is None or other is None or not other.constant or node.op in ("in", "not in"):
            return None
        bound = constant_value(other, self.source, self.on)
        some = {(">=", 1), (">", 0), ("!=", 0)}
        none = {("=", 0), ("<", 1), ("<=", 0)}
        assert isinstance(count, Aggregate)  # noqa: S101 - matched above
        if (op, bound) in some:
            return Q(Exists(self.records(count)))
        if (op, bound) in none:
            return ~Q(Exists(self.records(count)))
        return None

    def as_date_range(self, node: Compare, scope: Collection | None) -> Q | None:
        """``years_between(X, C) op N`` (so ``age >= 18``) as a comparison of X with a date."""
        call, op, other = _split(node, _date_distance)
        if call is None or other is None or not other.constant or node.op in ("in", "not in"):
            return None
        assert isinstance(call, Call)  # noqa: S101 - matched by _date_distance
        end = constant_value(call.args[1], self.source, self.on)
        bound = constant_value(other, self.source, self.on)
        months = 12 if call.function == "years_between" else 1
        column = self.value(call.args[0], scope)
        # distance(X, end) >= n  <=>  X <= end moved back by n units (clamped to month end)
        at_least_n = _on_or_before(column, end, bound * months)
        at_least_next = _on_or_before(column, end, (bound + 1) * months)
        return {
            ">=": at_least_n,
            ">": at_least_next,
            "<": ~at_least_n,
            "<=": ~at_least_next,
            "=": at_least_n & ~at_least_next,
            "!=": ~at_least_n | at_least_next,
        }[op]


def _on_or_before(column: Any, end: date, months_back: int) -> Q:
    """``column <= end - months_back months``; beyond the calendar, always or never."""
    try:
        return Q(LessThanOrEqual(column, Value(months_added(end, -months_back))))
    except OverflowError:
        return _always(months_back < 0)


def _split(node: Compare, matches: Any) -> tuple[Node | None, str, Node | None]:
    """The side of a comparison that ``matches``, the operator read from that side, and
    the other side."""
    if matches(_unwrapped(node.left)):
        return _unwrapped(node.left), node.op, node.right
    if matches(_unwrapped(node.right)):
        return _unwrapped(node.right), _FLIPPED.get(node.op, node.op), node.left
    return None, node.op, None


def _unwrapped(node: Node) -> Node:
    while isinstance(node, Name) and node.definition is not None:
        node = node.definition
    return node


def _counting(node: Node) -> bool:
    return isinstance(node, Aggregate) and node.function == "count"


def _date_distance(node: Node) -> bool:
    return (
        isinstance(node, Call)
        and node.function in ("years_between", "months_between")
        and not node.args[0].constant
        and node.args[1].constant
    )


def _years_between(start: Any, end: Any) -> Any:
    later_in_year = Q(
        GreaterThan(
            ExtractMonth(start) * 100 + ExtractDay(start), ExtractMonth(end) * 100 + ExtractDay(end)
        )
    )
    return ExtractYear(end) - ExtractYear(start) - _one_if(later_in_year)


def _months_between(start: Any, end: Any) -> Any:
    later_in_month = Q(GreaterThan(ExtractDay(start), ExtractDay(end)))
    years = ExtractYear(end) - ExtractYear(start)
    return years * 12 + ExtractMonth(end) - ExtractMonth(start) - _one_if(later_in_month)


def _one_if(condition: Q) -> Any:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _typed(expression: Any, node: Node) -> Any:
    return ExpressionWrapper(expression, output_field=_output(node))


def _output(node: Node) -> Any:
    if node.type in (Type.TEXT_LIST, Type.NUMBER_LIST, Type.PERIOD):  # pragma: no cover
        raise TypeError(node.type)
    return _OUTPUT[node.type or Type.BOOL]


def _always(value: bool) -> Q:
    return Q(Exact(Value(1), Value(1 if value else 0)))
