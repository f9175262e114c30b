"""The eligibility language: its tokens, its syntax tree and its parser.

A rule is one expression over named facts, written so that a policy analyst can read it::

    # Birth benefit: a mother with a child born in the last 12 months
    alive and sex = "F"
    and any(children where birth_date > today - 12 months)

Nothing here runs code: the parser builds a tree of the small node classes below, and
the two evaluators (``person.py`` and ``population.py``) walk that tree. Every node keeps
its place in the source, so errors and explanations can point at the clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, ClassVar


class Type(Enum):
    BOOL = "yes/no"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    PERIOD = "period"
    TEXT = "text"
    TEXT_LIST = "list of text"
    NUMBER_LIST = "list of numbers"


class RuleError(Exception):
    """A rule that cannot be read or does not make sense, with where in the source."""

    def __init__(self, message: str, source: str, start: int, end: int | None = None) -> None:
        self.message = message
        self.source = source
        self.start = start
        self.end = max(end if end is not None else start + 1, start + 1)
        self.line = source.count("\n", 0, start) + 1
        self.column = start - (source.rfind("\n", 0, start) + 1) + 1
        super().__init__(f"line {self.line}, column {self.column}: {message}")

    def pointer(self) -> str:
        """The offending line with carets under the offending part."""
        line_start = self.start - (self.column - 1)
        line_end = self.source.find("\n", line_start)
        text = self.source[line_start : None if line_end < 0 else line_end]
        width = max(1, min(self.end - self.start, len(text) - self.column + 1))
        return f"  {text}\n  {' ' * (self.column - 1)}{'^' * width}"


@dataclass(frozen=True)
class Period:
    """A length of time written in a rule: ``3 months``, ``18 years``, ``10 days``."""

    days: int = 0
    months: int = 0

    def __str__(self) -> str:
        if self.days:
            return f"{self.days} days"
        if self.months % 12 == 0:
            return f"{self.months // 12} years"
        return f"{self.months} months"


# --- the syntax tree ------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Node:
    start: int
    end: int
    # Filled in by the checker (checker.py): what the node means.
    type: Type | None = field(default=None, compare=False)
    constant: bool = field(default=False, compare=False)

    def text(self, source: str) -> str:
        return source[self.start : self.end]


@dataclass(eq=False, kw_only=True)
class Literal(Node):
    value: Any
    literal_type: Type


@dataclass(eq=False, kw_only=True)
class Name(Node):
    name: str
    # Filled in by the checker: the checked definition of a derived fact, if it is one.
    definition: Node | None = field(default=None, compare=False)


@dataclass(eq=False, kw_only=True)
class ListOf(Node):
    items: list[Node]


@dataclass(eq=False, kw_only=True)
class Not(Node):
    operand: Node


@dataclass(eq=False, kw_only=True)
class Negate(Node):
    operand: Node


@dataclass(eq=False, kw_only=True)
class Logical(Node):
    op: str  # "and" | "or"
    operands: list[Node]


@dataclass(eq=False, kw_only=True)
class Compare(Node):
    op: str  # = != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(eq=False, kw_only=True)
class Arith(Node):
    op: str  # + - *
    left: Node
    right: Node


@dataclass(eq=False, kw_only=True)
class Call(Node):
    function: str
    args: list[Node]


@dataclass(eq=False, kw_only=True)
class Aggregate(Node):
    function: str  # count | any | sum
    collection: str
    field: str | None
    where: Node | None
    collection_start: int


AGGREGATES = ("count", "any", "sum")
FUNCTIONS = ("years_between", "months_between", "start_of_month")
KEYWORDS = frozenset({"and", "or", "not", "in", "where", "true", "false", *AGGREGATES})
PERIOD_UNITS = {
    "day": (1, 0), "days": (1, 0), "week": (7, 0), "weeks": (7, 0),
    "month": (0, 1), "months": (0, 1), "year": (0, 12), "years": (0, 12),
}  # fmt: skip
CURRENCY_WORDS = ("KZT", "₸")
# Every number a rule writes fits the database's 64-bit integers, with room to add up.
LARGEST = 10**15


# --- tokens ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+|\#[^\n]*)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\d-]))
  | (?P<number>\d[\d_]*(?:\.\d+)?)
  | (?P<string>"[^"\n]*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|\[|\]|,|\.|₸)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # date number string name op end
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def tokens(source: str) -> list[Token]:
    found: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            unexpected = source[position]
            hint = " (text is written in double quotes)" if unexpected == "'" else ""
            raise RuleError(f"unexpected character {unexpected!r}{hint}", source, position)
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(Token(kind, match.group(), position))
        position = match.end()
    found.append(Token("end", "", found[-1].end if found else 0))
    return found


# --- the parser -----------------------------------------------------------------------


class Parser:
    """Recursive descent, lowest precedence first: or, and, not, comparison, + -, *, -x."""

    COMPARISONS: ClassVar[tuple[str, ...]] = ("=", "!=", "<", "<=", ">", ">=")

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokens(source)
        self.index = 0

    # helpers

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def at(self, text: str) -> bool:
        return self.token.kind in ("op", "name") and self.token.text == text

    def take(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def expect(self, text: str, what: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected {what}")
        return self.take()

    def error(self, message: str, token: Token | None = None) -> RuleError:
        token = token or self.token
        found = "the end of the rule" if token.kind == "end" else repr(token.text)
        return RuleError(f"{message}, found {found}", self.source, token.start, token.end)

    # grammar

    def rule(self) -> Node:
        if self.token.kind == "end":
            raise RuleError("the rule is empty", self.source, 0)
        node = self.expression()
        if self.token.kind != "end":
            raise self.error("expected 'and', 'or' or the end of the rule")
        return node

    def expression(self) -> Node:
        return self.logical("or", self.conjunction)

    def conjunction(self) -> Node:
        return self.logical("and", self.negation)

    def logical(self, op: str, operand: Callable[[], Node]) -> Node:
        first = operand()
        operands = [first]
        while self.at(op):
            self.take()
            operands.append(operand())
        if len(operands) == 1:
            return first
        return Logical(op=op, operands=operands, start=first.start, end=operands[-1].end)

    def negation(self) -> Node:
        if self.at("not") and self.peek().text != "in":
            start = self.take().start
            operand = self.negation()
            return Not(operand=operand, start=start, end=operand.end)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        op: str | None = None
        if self.token.kind == "op" and self.token.text in self.COMPARISONS:
            op = self.take().text
        elif self.at("in"):
            self.take()
            op = "in"
        elif self.at("not") and self.peek().text == "in":
            self.take()
            self.take()
            op = "not in"
        if op is None:
            return left
        right = self.additive()
        if self.token.kind == "op" and self.token.text in self.COMPARISONS:
            raise self.error("comparisons do not chain; join them with 'and'")
        return Compare(op=op, left=left, right=right, start=left.start, end=right.end)

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.token.kind == "op" and self.token.text in ("+", "-"):
            op = self.take().text
            right = self.multiplicative()
            node = Arith(op=op, left=node, right=right, start=node.start, end=right.end)
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.at("*"):
            self.take()
            right = self.unary()
            node = Arith(op="*", left=node, right=right, start=node.start, end=right.end)
        return node

    def unary(self) -> Node:
        if self.at("-"):
            start = self.take().start
            operand = self.unary()
            return Negate(operand=operand, start=start, end=operand.end)
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            return self.number()
        if token.kind == "date":
            self.take()
            try:
                value = date.fromisoformat(token.text)
            except ValueError:
                raise RuleError(
                    f"{token.text} is not a date", self.source, token.start, token.end
                ) from None
            return Literal(value=value, literal_type=Type.DATE, start=token.start, end=token.end)
        if token.kind == "string":
            self.take()
            return Literal(
                value=token.text[1:-1], literal_type=Type.TEXT, start=token.start, end=token.end
            )
        if self.at("("):
            self.take()
            node = self.expression()
            close = self.expect(")", "')'")
            node.start, node.end = token.start, close.end
            return node
        if self.at("["):
            return self.list_of()
        if token.kind == "name":
            return self.named()
        raise self.error("expected a fact, a value or '('")

    def number(self) -> Node:
        token = self.take()
        text = token.text.replace("_", "")
        if Decimal(text) >= LARGEST:
            raise RuleError(
                "this number is too large for a rule", self.source, token.start, token.end
            )
        unit = self.token
        if unit.text in CURRENCY_WORDS:
            self.take()
            try:
                amount = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the token pattern admits none
                raise self.error("expected an amount", token) from None
            if amount != amount.quantize(Decimal("0.01")):
                raise RuleError(
                    "money has at most 2 decimal places", self.source, token.start, unit.end
                )
            return Literal(
                value=int(amount * 100), literal_type=Type.MONEY, start=token.start, end=unit.end
            )
        if "." in text:
            raise RuleError(
                "numbers are whole; write money with its currency, as in 42500.50 KZT",
                self.source, token.start, token.end,
            )  # fmt: skip
        if unit.kind == "name" and unit.text in PERIOD_UNITS:
            self.take()
            days, months = PERIOD_UNITS[unit.text]
            period = Period(days=days * int(text), months=months * int(text))
            return Literal(value=period, literal_type=Type.PERIOD, start=token.start, end=unit.end)
        return Literal(value=int(text), literal_type=Type.NUMBER, start=token.start, end=token.end)

    def list_of(self) -> Node:
        start = self.take().start
        items: list[Node] = []
        while not self.at("]"):
            items.append(self.additive())
            if not self.at(","):
                break
            self.take()
        close = self.expect("]", "',' or ']'")
        return ListOf(items=items, start=start, end=close.end)

    def named(self) -> Node:
        token = self.take()
        if token.text in ("true", "false"):
            return Literal(
                value=token.text == "true", literal_type=Type.BOOL,
                start=token.start, end=token.end,
            )  # fmt: skip
        if token.text in AGGREGATES:
            return self.aggregate(token)
        if token.text in KEYWORDS:
            raise self.error("expected a fact, a value or '('", token)
        if self.at("("):
            return self.call(token)
        return Name(name=token.text, start=token.start, end=token.end)

    def call(self, token: Token) -> Node:
        if token.text not in FUNCTIONS:
            raise RuleError(
                f"there is no function {token.text!r}; there are: {', '.join(FUNCTIONS)}",
                self.source, token.start, token.end,
            )  # fmt: skip
        self.take()
        args: list[Node] = []
        while not self.at(")"):
            args.append(self.expression())
            if not self.at(","):
                break
            self.take()
        close = self.expect(")", "',' or ')'")
        return Call(function=token.text, args=args, start=token.start, end=close.end)

    def aggregate(self, token: Token) -> Node:
        self.expect("(", f"'(' after {token.text}")
        collection = self.token
        if collection.kind != "name" or collection.text in KEYWORDS:
            raise self.error("expected the name of a list of records, such as children")
        self.take()
        field_name: str | None = None
        if self.at("."):
            self.take()
            if self.token.kind != "name":
                raise self.error("expected the name of a field after '.'")
            field_name = self.take().text
        where: Node | None = None
        if self.at("where"):
            self.take()
            where = self.expression()
        close = self.expect(")", "'where' or ')'")
        return Aggregate(
            function=token.text, collection=collection.text, field=field_name, where=where,
            collection_start=collection.start, start=token.start, end=close.end,
        )  # fmt: skip


def parse(source: str) -> Node:
    """The syntax tree of ``source``; :class:`RuleError` says where it cannot be read."""
    return Parser(source).rule()
