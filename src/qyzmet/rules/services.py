"""Publishing rules and making decisions with them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from qyzmet.core.audit import audit_record
from qyzmet.rules.checker import CheckedRule, rule_check
from qyzmet.rules.facts import FactSource
from qyzmet.rules.models import Decision, Rule, RuleVersion
from qyzmet.rules.person import Dossier, Outcome, dossier_read, evaluate

SHIPPED = Path(__file__).resolve().parent / "defs"


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


@transaction.atomic
def rule_publish(*, code: str, source: str, actor: str) -> RuleVersion:
    """Publish ``source`` as the next version of the rule ``code``, once it parses and
    type-checks (:class:`~qyzmet.rules.syntax.RuleError` otherwise). Publishing the text
    the latest version already has publishes nothing and returns that version."""
    rule_check(source)
    rule, _ = Rule.objects.get_or_create(code=code)
    latest = RuleVersion.objects.select_for_update().filter(rule=rule).order_by("-number").first()
    digest = source_digest(source)
    if latest is not None and latest.digest == digest:
        return latest
    version = RuleVersion.objects.create(
        rule=rule,
        number=(latest.number + 1) if latest else 1,
        source=source,
        digest=digest,
        published_by=actor,
    )
    audit_record(
        actor=actor, action="rules.publish", object_type="rule_version",
        object_id=f"{code}/{version.number}", data={"digest": digest},
    )  # fmt: skip
    return version


def rules_publish_shipped(*, actor: str) -> list[RuleVersion]:
    """Publish the example rules qyzmet ships (``rules/defs``), each under its file name;
    a rule already published with the same text is left as it is."""
    return [
        rule_publish(code=path.stem, source=path.read_text("utf-8"), actor=actor)
        for path in sorted(SHIPPED.glob("*.rule"))
    ]


@dataclass(frozen=True)
class Decided:
    decision: Decision
    outcome: Outcome
    dossier: Dossier
    rule: CheckedRule


@transaction.atomic
def decision_make(
    *, version: RuleVersion, iin: str, on: date, source: FactSource, actor: str
) -> Decided:
    """Decide ``version`` for the person ``iin`` on the day ``on``, reading their records
    from ``source``, and keep the decision with every fact it was made on.
    :class:`~qyzmet.rules.sources.PersonUnknown` if the source has no such person."""
    rule = rule_check(version.source)
    dossier = dossier_read(source, iin, rule)
    outcome = evaluate(rule, dossier, on=on)
    decision = Decision.objects.create(
        rule_version=version,
        iin=iin,
        on=on,
        eligible=outcome.eligible,
        dossier=dossier.to_json(),
        read_through=source.description,
        made_by=actor,
    )
    audit_record(
        actor=actor, action="rules.decide", object_type="decision",
        object_id=str(decision.public_id),
        data={"rule": version.rule.code, "version": version.number, "eligible": outcome.eligible},
    )  # fmt: skip
    return Decided(decision, outcome, dossier, rule)


def decision_replay(decision: Decision) -> Decided:
    """Evaluate a kept decision again from its rule version and its facts: the outcome is
    the decision's, whatever the registries say now. A different outcome means the kept
    facts or the evaluator itself changed since, and is worth an investigation."""
    rule = rule_check(decision.rule_version.source)
    dossier = Dossier.from_json(decision.dossier)
    return Decided(decision, evaluate(rule, dossier, on=decision.on), dossier, rule)
