"""What the platform does in a system step of a service's workflow.

Each action runs inside the transaction of the processing run that reaches it, so a run
that dies half-way leaves nothing behind and the next run does the step again, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from qyzmet.cases import reading
from qyzmet.cases.models import EventKind, RegisterChange
from qyzmet.cases.selectors import definition_of
from qyzmet.catalog.definitions import ServiceDefinition, Step
from qyzmet.core.errors import Problem
from qyzmet.documents.models import DocumentFormat
from qyzmet.documents.services import document_issue
from qyzmet.registries import updates
from qyzmet.rules.checker import rule_check
from qyzmet.rules.explanations import explain
from qyzmet.rules.person import dossier_read, evaluate
from qyzmet.rules.services import decision_make
from qyzmet.rules.sources import PersonUnknown

if TYPE_CHECKING:
    from qyzmet.cases.models import Case


@dataclass(frozen=True)
class StepOutcome:
    event: EventKind
    data: dict[str, Any] = field(default_factory=dict)
    refusal: str | None = None  # set: the application is refused, saying this


def run_system_step(case: Case, definition: ServiceDefinition, step: Step) -> StepOutcome:
    if step.action == "check-eligibility":
        return _check_eligibility(case, definition)
    if step.action == "update-register":
        return _update_register(case, definition, step)
    if step.action == "issue-result":
        return _issue_result(case, definition)
    if step.action == "notify-agency":
        return StepOutcome(EventKind.AGENCY_NOTIFIED, {"agency": step.agency or definition.agency})
    raise ValueError(f"no system action {step.action!r}")


def _check_eligibility(case: Case, definition: ServiceDefinition) -> StepOutcome:
    version = case.version.rule_version
    if version is None:  # published without a rule: everyone may apply
        return StepOutcome(EventKind.ELIGIBILITY, {"eligible": True})
    language = case.account.preferred_language
    source = reading.rule_source(
        agency=case.agency, definition=definition, issue=case.number, user="system"
    )
    today = timezone.localdate()
    try:
        decided = decision_make(
            version=version, iin=case.applicant.iin, on=today, source=source, actor="system"
        )
    except PersonUnknown:
        return StepOutcome(
            EventKind.ELIGIBILITY, {"eligible": False},
            refusal=_refusal_text(language, "The registers have no record of you."),
        )  # fmt: skip
    case.decision = decided.decision
    case.save(update_fields=["decision"])
    data = {"eligible": decided.outcome.eligible, "decision": str(decided.decision.public_id)}
    if decided.outcome.eligible:
        return StepOutcome(EventKind.ELIGIBILITY, data)
    explanation = explain(decided.outcome, decided.dossier, version.source, on=today,
                          language=language)  # fmt: skip
    return StepOutcome(EventKind.ELIGIBILITY, data, refusal="\n".join(explanation.lines()))


@dataclass(frozen=True)
class Preview:
    eligible: bool
    lines: list[str]  # the explanation, in the applicant's language


def eligibility_preview(case: Case, language: str) -> Preview:
    """Would the applicant be eligible today? Read through the exchange for the case (so it
    shows in their data tracker) and explained, but not kept as a decision: the decision
    that counts is made when the application is processed."""
    definition = definition_of(case.version)
    version = case.version.rule_version
    if version is None:
        return Preview(True, [_refusal_text(language, "This service has no eligibility rule.")])
    rule = rule_check(version.source)
    source = reading.rule_source(
        agency=case.agency, definition=definition, issue=case.number,
        user=f"account:{case.account.public_id}",
    )  # fmt: skip
    today = timezone.localdate()
    try:
        dossier = dossier_read(source, case.applicant.iin, rule)
    except PersonUnknown:
        return Preview(False, [_refusal_text(language, "The registers have no record of you.")])
    outcome = evaluate(rule, dossier, on=today)
    return Preview(outcome.eligible, explain(outcome, dossier, version.source, on=today,
                                             language=language).lines())  # fmt: skip


def _refusal_text(language: str, text: str) -> str:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext(text)


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def _update_register(case: Case, definition: ServiceDefinition, step: Step) -> StepOutcome:
    """Write the act to its register. Registers that live on this platform get the record
    itself; every act is also kept as a :class:`RegisterChange` of the case."""
    register = str(step.register_)
    answers = case.answers
    applicant = case.applicant.iin
    produced: dict[str, Any] = {}
    record = ""
    try:
        if register == "population-birth":
            child = updates.birth_register(
                parent_iin=applicant, other_parent_iin=answers.get("other_parent_iin", ""),
                names=updates.ChildNames(
                    answers["child_surname"], answers["child_given_name"],
                    answers.get("child_patronymic", ""),
                ),
                birth_date=_day(answers["child_birth_date"]), sex=answers["child_sex"],
                actor=f"case:{case.number}",
            )  # fmt: skip
            record = produced["child_iin"] = child.iin
        elif register == "population-death":
            updates.death_register(
                iin=answers["deceased_iin"], death_date=_day(answers["death_date"]),
                actor=f"case:{case.number}",
            )  # fmt: skip
            record = answers["deceased_iin"]
        elif register == "families-marriage":
            link = updates.marriage_register(
                iin=applicant, spouse_iin=answers["spouse_iin"],
                on=_day(answers["wedding_date"]), actor=f"case:{case.number}",
            )  # fmt: skip
            record = str(link.pk)
        elif register == "benefits-award":
            award = updates.benefit_award_record(
                iin=applicant, actor=f"case:{case.number}", **_benefit(definition.code)
            )
            record = str(award.pk)
    except Problem as refused:
        return StepOutcome(EventKind.REGISTER_UPDATED, {"register": register},
                           refusal=refused.detail)  # fmt: skip
    RegisterChange.objects.create(
        case=case, register=register, step=step.code, record=record,
        data={**answers, **produced},
    )  # fmt: skip
    if produced and case.situation is not None:
        from qyzmet.cases.services import situation_answers_share

        situation_answers_share(situation=case.situation, answers=produced)
    return StepOutcome(EventKind.REGISTER_UPDATED, {"register": register, **produced})


# What each benefit service awards: kind, amount a month in tiyn, for how many days (None:
# until ended). The amounts are illustrative; a deployment sets its own from its budget law.
_BENEFITS: dict[str, tuple[str, int, int | None]] = {
    "birth-benefit": ("child_birth", 15_000_000, 0),  # paid once
    "childcare-benefit": ("child_care", 8_000_000, 548),
    "large-family-benefit": ("large_family", 6_700_000, None),
    "pension-assignment": ("old_age_pension", 9_500_000, None),
    "targeted-social-assistance": ("targeted_assistance", 3_000_000, 365),
}


def _benefit(service: str) -> dict[str, Any]:
    kind, amount, days = _BENEFITS[service]
    today = timezone.localdate()
    from datetime import timedelta

    return {"kind": kind, "monthly_amount": amount, "since": today,
            "until": None if days is None else today + timedelta(days=days)}  # fmt: skip


def _issue_result(case: Case, definition: ServiceDefinition) -> StepOutcome:
    result = definition.result
    if result is None:
        return StepOutcome(EventKind.RESULT_ISSUED, {"document": None})
    language = case.account.preferred_language
    produced = {
        k: v for change in case.register_changes.all() for k, v in change.data.items()
        if k not in case.answers
    }  # fmt: skip
    facts = [(definition.form.ui[name].label.get(language) if name in definition.form.ui
              else name, str(value)) for name, value in {**case.answers, **produced}.items()
             if name in definition.form.ui or name in produced]  # fmt: skip
    document = document_issue(
        kind=result.kind, template=result.template or "", format=DocumentFormat(result.format),
        owner=case.applicant, agency=case.agency, language=language,
        title=result.title.get(language),
        context={
            "statement": result.statement.get(language) if result.statement else "",
            "facts": facts, "case_number": case.number,
        },
        actor="system",
    )  # fmt: skip
    case.result = document
    case.save(update_fields=["result"])
    return StepOutcome(EventKind.RESULT_ISSUED, {"document": str(document.public_id)})
