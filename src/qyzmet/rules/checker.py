"""Type checking: a rule is accepted only if every name is a known fact and every
operation makes sense for its operands' types. Errors point at the part that is wrong.

The checker also fills in what both evaluators need: each node's type, whether it is a
constant (it does not depend on the person), and each derived fact's checked definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from qyzmet.rules.facts import COLLECTION, PERSON_FACT, Collection, Fact
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
    RuleError,
    Type,
    parse,
)

ORDERED = (Type.NUMBER, Type.MONEY, Type.DATE)
EQUATABLE = (Type.BOOL, Type.NUMBER, Type.MONEY, Type.DATE, Type.TEXT)


@dataclass(frozen=True)
class CheckedRule:
    """A rule that parsed and type-checked: what both evaluators take."""

    source: str
    tree: Node
    collections: frozenset[str]


def rule_check(source: str) -> CheckedRule:
    """Parse and type-check ``source``; :class:`RuleError` names the first problem."""
    tree = parse(source)
    checker = _Checker(source)
    checker.check(tree, None)
    if tree.type is not Type.BOOL:
        raise RuleError(
            f"a rule must be yes or no (a condition), but this is {_kind(tree.type)}",
            source, tree.start, tree.end,
        )  # fmt: skip
    return CheckedRule(source=source, tree=tree, collections=frozenset(checker.collections))


_ARTICLED = {
    Type.BOOL: "a yes/no value", Type.NUMBER: "a number", Type.MONEY: "an amount of money",
    Type.DATE: "a date", Type.PERIOD: "a period", Type.TEXT: "a text",
    Type.TEXT_LIST: "a list of texts", Type.NUMBER_LIST: "a list of numbers",
}  # fmt: skip


def _kind(type_: Type | None) -> str:
    return _ARTICLED[type_] if type_ else "nothing"


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.collections: set[str] = set()

    def fail(self, message: str, node: Node) -> RuleError:
        return RuleError(message, self.source, node.start, node.end)

    def check(self, node: Node, scope: Collection | None) -> None:
        """Types ``node``; ``scope`` is the collection whose records names refer to, or
        None for the person's own facts."""
        method = getattr(self, f"check_{type(node).__name__.lower()}")
        method(node, scope)

    def check_literal(self, node: Literal, scope: Collection | None) -> None:
        node.type, node.constant = node.literal_type, True

    def check_name(self, node: Name, scope: Collection | None) -> None:
        if node.name == "today":
            node.type, node.constant = Type.DATE, True
            return
        fact = PERSON_FACT.get(node.name) if scope is None else scope.fact(node.name)
        if fact is None:
            raise self.fail(self.unknown(node.name, scope), node)
        node.type = fact.type
        if fact.definition:
            node.definition = self.derived(fact, scope)

    def derived(self, fact: Fact, scope: Collection | None) -> Node:
        definition = parse(fact.definition)
        _Checker(fact.definition).check(definition, scope)
        return definition

    def unknown(self, name: str, scope: Collection | None) -> str:
        if scope is None:
            if name in COLLECTION:
                return (
                    f"{name} is a list of records: use count({name}), any({name} where ...) "
                    f"or sum({name}.field)"
                )
            known = ", ".join(["today", *PERSON_FACT])
            return f"there is no fact {name!r}; the facts are: {known}"
        known = ", ".join(["today", *(f.name for f in scope.facts)])
        return f"{scope.name} have no fact {name!r}; inside {scope.name}(...) there are: {known}"

    def check_listof(self, node: ListOf, scope: Collection | None) -> None:
        if not node.items:
            raise self.fail("a list needs at least one value", node)
        for item in node.items:
            self.check(item, scope)
            if not item.constant or item.type not in (Type.TEXT, Type.NUMBER):
                raise self.fail("a list holds fixed texts or fixed numbers", item)
        first = node.items[0].type
        if any(item.type is not first for item in node.items):
            raise self.fail("a list holds values of one type", node)
        node.type = Type.TEXT_LIST if first is Type.TEXT else Type.NUMBER_LIST
        node.constant = True

    def check_not(self, node: Not, scope: Collection | None) -> None:
        self.expect(node.operand, scope, (Type.BOOL,), "'not' applies to a condition")
        node.type, node.constant = Type.BOOL, node.operand.constant

    def check_negate(self, node: Negate, scope: Collection | None) -> None:
        self.expect(node.operand, scope, (Type.NUMBER, Type.MONEY), "'-' applies to a number")
        node.type, node.constant = node.operand.type, node.operand.constant

    def check_logical(self, node: Logical, scope: Collection | None) -> None:
        for operand in node.operands:
            self.expect(operand, scope, (Type.BOOL,), f"'{node.op}' joins conditions")
        node.type = Type.BOOL
        node.constant = all(operand.constant for operand in node.operands)

    def check_compare(self, node: Compare, scope: Collection | None) -> None:
        left, right = node.left, node.right
        self.check(left, scope)
        self.check(right, scope)
        if node.op in ("in", "not in"):
            wanted = {Type.TEXT: Type.TEXT_LIST, Type.NUMBER: Type.NUMBER_LIST}.get(
                left.type or Type.BOOL
            )
            if wanted is None or right.type is not wanted:
                raise self.fail(
                    f"'{node.op}' compares a text or a number with a list of them, "
                    f"not {_kind(left.type)} with {_kind(right.type)}",
                    node,
                )
        else:
            allowed = ORDERED if node.op in ("<", "<=", ">", ">=") else EQUATABLE
            if left.type is not right.type:
                hint = ""
                if {left.type, right.type} == {Type.MONEY, Type.NUMBER}:
                    hint = " (write an amount of money with its currency: 42500 KZT)"
                raise self.fail(
                    f"cannot compare {_kind(left.type)} with {_kind(right.type)}{hint}", node
                )
            if left.type not in allowed:
                raise self.fail(f"'{node.op}' does not apply to {_kind(left.type)}", node)
        node.type, node.constant = Type.BOOL, left.constant and right.constant

    def check_arith(self, node: Arith, scope: Collection | None) -> None:
        left, right = node.left, node.right
        self.check(left, scope)
        self.check(right, scope)
        pair = (left.type, right.type)
        result: Type | None = None
        if node.op in ("+", "-"):
            if pair in ((Type.NUMBER, Type.NUMBER), (Type.MONEY, Type.MONEY)):
                result = left.type
            elif pair == (Type.DATE, Type.PERIOD):
                if not left.constant:
                    raise self.fail(
                        "a period is added to today or a fixed date; to compare a record's "
                        "date, use months_between or years_between",
                        node,
                    )
                result = Type.DATE
        elif pair == (Type.NUMBER, Type.NUMBER):
            result = Type.NUMBER
        elif pair in ((Type.MONEY, Type.NUMBER), (Type.NUMBER, Type.MONEY)):
            result = Type.MONEY
        if result is None:
            raise self.fail(
                f"cannot apply '{node.op}' to {_kind(left.type)} and {_kind(right.type)}",
                node,
            )
        node.type, node.constant = result, left.constant and right.constant

    def check_call(self, node: Call, scope: Collection | None) -> None:
        arity = 1 if node.function == "start_of_month" else 2
        if len(node.args) != arity:
            raise self.fail(f"{node.function} takes {arity} dates", node)
        for arg in node.args:
            self.expect(arg, scope, (Type.DATE,), f"{node.function} takes dates")
        if node.function == "start_of_month":
            if not node.args[0].constant:
                raise self.fail("start_of_month takes today or a fixed date", node.args[0])
            node.type = Type.DATE
        else:
            node.type = Type.NUMBER
        node.constant = all(arg.constant for arg in node.args)

    def check_aggregate(self, node: Aggregate, scope: Collection | None) -> None:
        if scope is not None:
            raise self.fail(f"{node.function}(...) cannot be used inside another one", node)
        collection = COLLECTION.get(node.collection)
        if collection is None:
            raise RuleError(
                f"there is no list {node.collection!r}; the lists are: {', '.join(COLLECTION)}",
                self.source, node.collection_start, node.collection_start + len(node.collection),
            )  # fmt: skip
        self.collections.add(collection.name)
        if node.function == "sum":
            field = collection.fact(node.field or "")
            if field is None or field.type not in (Type.NUMBER, Type.MONEY):
                amounts = [f.name for f in collection.facts if f.type in (Type.NUMBER, Type.MONEY)]
                raise self.fail(
                    f"sum adds up a field of the records: sum({collection.name}."
                    f"{amounts[0] if amounts else 'field'} where ...)",
                    node,
                )
            node.type = field.type
        else:
            if node.field is not None:
                raise self.fail(
                    f"{node.function} counts records: write {node.function}"
                    f"({collection.name} where ...)",
                    node,
                )
            node.type = Type.NUMBER if node.function == "count" else Type.BOOL
        if node.where is not None:
            self.expect(node.where, collection, (Type.BOOL,), "'where' takes a condition")

    def expect(
        self, node: Node, scope: Collection | None, types: tuple[Type, ...], message: str
    ) -> None:
        self.check(node, scope)
        if node.type not in types:
            raise self.fail(f"{message}, not {_kind(node.type)}", node)
