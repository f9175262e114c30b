"""Why a rule said yes or no, in words: the failing clauses, the facts and values they
were decided on, and the records that matched, in Kazakh, Russian or English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from qyzmet.core import formatting
from qyzmet.rules.facts import COLLECTION, OPEN_END, PERSON_FACT, Collection
from qyzmet.rules.person import Dossier, Outcome, Trace, constant_value, fact_value
from qyzmet.rules.syntax import Aggregate, Compare, ListOf, Literal, Logical, Name, Node, Not, Type


@dataclass(frozen=True)
class Reason:
    """One clause that decided the outcome."""

    clause: str  # as written in the rule
    line: int
    column: int
    text: str  # in the reader's language
    values: list[tuple[str, str]] = field(default_factory=list)  # (what, value) it used
    records: list[str] = field(default_factory=list)  # matching records, formatted
    alternatives: list[Reason] = field(default_factory=list)  # for "none of these held"


@dataclass(frozen=True)
class Explanation:
    eligible: bool
    summary: str
    reasons: list[Reason]

    def lines(self) -> list[str]:
        """The explanation as plain text lines (the CLI and SMS use these)."""
        out = [self.summary]
        for reason in self.reasons:
            out.extend(_reason_lines(reason, "  "))
        return out


def _reason_lines(reason: Reason, indent: str) -> list[str]:
    out = [f"{indent}- {reason.text}", f"{indent}  [{reason.line}:{reason.column}] {reason.clause}"]
    out += [f"{indent}  {what} = {value}" for what, value in reason.values]
    out += [f"{indent}  · {record}" for record in reason.records]
    for alternative in reason.alternatives:
        out.extend(_reason_lines(alternative, indent + "  "))
    return out


def explain(
    outcome: Outcome, dossier: Dossier, source: str, *, on: date, language: str
) -> Explanation:
    """Why ``outcome`` is what it is, in ``language`` (kk, ru or en)."""
    with translation.override(language):
        writer = _Writer(source, dossier, on, language)
        reasons = writer.reasons(outcome.trace, want=True) if not outcome.eligible else []
        summary = (
            _("Eligible: every condition of the rule is met.")
            if outcome.eligible
            else _("Not eligible. Conditions not met: %(count)s.") % {"count": len(reasons)}
        )
        return Explanation(eligible=outcome.eligible, summary=summary, reasons=reasons)


def _requirement(op: str, want: bool) -> str:
    if not want:
        op = {"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<",
              "in": "not in", "not in": "in"}[op]  # fmt: skip
    return {
        "=": _("exactly %(value)s"),
        "!=": _("other than %(value)s"),
        "<": _("less than %(value)s"),
        "<=": _("at most %(value)s"),
        ">": _("more than %(value)s"),
        ">=": _("at least %(value)s"),
        "in": _("one of %(value)s"),
        "not in": _("none of %(value)s"),
    }[op]


class _Writer:
    def __init__(self, source: str, dossier: Dossier, on: date, language: str) -> None:
        self.source, self.dossier, self.on, self.language = source, dossier, on, language

    def reasons(self, trace: Trace, *, want: bool) -> list[Reason]:
        """The clauses under ``trace`` that made it differ from ``want``."""
        node = trace.node
        if isinstance(node, Not):
            return self.reasons(trace.parts[0], want=not want)
        if isinstance(node, Logical):
            decisive = [part for part in trace.parts if bool(part.value) != want]
            if (node.op == "and") == want:  # one decisive part is enough to explain
                return [reason for part in decisive for reason in self.reasons(part, want=want)]
            text = (
                _("None of these holds:")
                if want
                else _("All of these hold, which the rule excludes:")
            )
            alternatives = [r for part in decisive for r in self.reasons(part, want=want)]
            return [self.reason(node, text, alternatives=alternatives)]
        return [self.leaf(trace, want)]

    def reason(self, node: Node, text: str, **more: Any) -> Reason:
        line = self.source.count("\n", 0, node.start) + 1
        column = node.start - (self.source.rfind("\n", 0, node.start) + 1) + 1
        clause = " ".join(node.text(self.source).split())
        text = text[:1].upper() + text[1:]
        return Reason(clause=clause, line=line, column=column, text=text, **more)

    def leaf(self, trace: Trace, want: bool) -> Reason:
        node = trace.node
        values = self.values_used(node)
        if isinstance(node, Compare):
            subject, other = trace.parts
            if subject.node.constant and not other.node.constant:
                subject, other = other, subject
                op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(node.op, node.op)
            else:
                op = node.op
            values = self.values_used(node, skip=subject.node)
            records = self.records(subject)
            required = _requirement(op, want) % {"value": self.format(other.value, other.node)}
            text = _("%(subject)s: %(actual)s; the rule requires %(required)s.") % {
                "subject": self.subject(subject.node),
                "actual": self.format(subject.value, subject.node),
                "required": required,
            }
            return self.reason(node, text, values=values, records=records)
        if isinstance(node, Aggregate):  # any(...)
            described = self.subject(node)
            if want:
                text = _("%(records)s: none found; the rule requires at least one.") % {
                    "records": described
                }
            else:
                text = _("%(records)s: %(count)s found; the rule allows none.") % {
                    "count": formatting.integer(trace.matched, self.language),
                    "records": described,
                }
            return self.reason(node, text, values=values, records=self.records(trace))
        if isinstance(node, Name):
            text = _("%(subject)s: %(actual)s; the rule requires %(required)s.") % {
                "subject": self.subject(node),
                "actual": self.format(trace.value, node),
                "required": self.format(want, node),
            }
            return self.reason(node, text, values=values)
        return self.reason(node, _("This condition never holds."), values=values)

    def subject(self, node: Node) -> str:
        """What a part of a clause is, in words where the catalogue has them."""
        if isinstance(node, Name) and node.name in PERSON_FACT:
            return str(PERSON_FACT[node.name].label).capitalize()
        if isinstance(node, Aggregate):
            collection = COLLECTION[node.collection]
            where = (
                _("%(records)s where %(condition)s")
                % {
                    "records": collection.label,
                    "condition": " ".join(node.where.text(self.source).split()),
                }
                if node.where is not None
                else str(collection.label)
            )
            if node.function == "count":
                return _("Number of %(records)s") % {"records": where}
            if node.function == "sum":
                fact = collection.fact(node.field or "")
                label = fact.label if fact else node.field
                return _("Total %(field)s of %(records)s") % {"field": label, "records": where}
            return where
        return " ".join(node.text(self.source).split())

    def values_used(self, node: Node, skip: Node | None = None) -> list[tuple[str, str]]:
        """The person's facts, counts and computed dates a clause used, with their values;
        ``skip`` is the part the reason's text already states."""
        found: list[tuple[str, str]] = []
        self._collect(node, found, top=True, skip=skip)
        return list(dict.fromkeys(found))

    def _collect(
        self,
        node: Node,
        found: list[tuple[str, str]],
        *,
        top: bool = False,
        skip: Node | None = None,
    ) -> None:
        if node is skip:
            if isinstance(node, Aggregate) and node.where is not None:
                self._collect_constants(node.where, found)
            return
        if node.constant and not isinstance(node, Literal | ListOf):
            found.append(
                (" ".join(node.text(self.source).split()),
                 self.format(constant_value(node, self.source, self.on), node))
            )  # fmt: skip
            return
        if isinstance(node, Name) and node.name in PERSON_FACT and not top:
            value = fact_value(node, self.dossier, source=self.source, on=self.on)
            found.append((str(PERSON_FACT[node.name].label), self.format(value, node)))
            return
        if isinstance(node, Aggregate):
            if not top:  # a count or sum the clause compares with (its subject is in the text)
                value = fact_value(node, self.dossier, source=self.source, on=self.on)
                found.append((" ".join(node.text(self.source).split()), self.format(value, node)))
            if node.where is not None:
                self._collect_constants(node.where, found)
            return
        for child in _children(node):
            self._collect(child, found, skip=skip)

    def _collect_constants(self, node: Node, found: list[tuple[str, str]]) -> None:
        if node.constant:
            if not isinstance(node, Literal | ListOf):
                self._collect(node, found)
            return
        for child in _children(node):
            self._collect_constants(child, found)

    def records(self, trace: Trace) -> list[str]:
        node = trace.node
        if not isinstance(node, Aggregate) or not trace.matches:
            return []
        collection = COLLECTION[node.collection]
        shown = [self.record(collection, item) for item in trace.matches]
        if trace.matched > len(shown):
            shown.append(
                _("… and %(count)s more")
                % {"count": formatting.integer(trace.matched - len(shown), self.language)}
            )
        return shown

    def record(self, collection: Collection, item: dict[str, Any]) -> str:
        parts = []
        for fact in collection.facts:
            if fact.value is None or item.get(fact.name) == OPEN_END:
                continue
            value = item[fact.name]
            if fact.display is not None:
                shown = fact.display(value)
            elif fact.monthly:
                shown = formatting.month_year(value, self.language)
            else:
                shown = self.format_typed(value, fact.type)
            parts.append(f"{fact.label}: {shown}")
        return "; ".join(parts)

    def format(self, value: Any, node: Node) -> str:
        return self.format_typed(value, node.type)

    def format_typed(self, value: Any, type_: Type | None) -> str:
        if type_ is Type.BOOL:
            return _("yes") if value else _("no")
        if type_ is Type.MONEY:
            return formatting.money(value, "KZT", self.language)
        if type_ is Type.NUMBER:
            return formatting.integer(value, self.language)
        if type_ is Type.DATE:
            return formatting.long_date(value, self.language)
        if type_ in (Type.TEXT_LIST, Type.NUMBER_LIST):
            return "[" + ", ".join(str(item) for item in value) + "]"
        return str(value)


def _children(node: Node) -> list[Node]:
    parts: list[Node] = []
    for name in ("operand", "left", "right", "where"):
        child = getattr(node, name, None)
        if isinstance(child, Node):
            parts.append(child)
    for name in ("operands", "args", "items"):
        parts.extend(getattr(node, name, []))
    return parts
