"""Writes on applications: open, fill in, submit, process, decide.

Every state change locks the case row, checks the state it starts from, writes the change,
a timeline event and an audit entry in one transaction, and queues what follows (the next
automatic steps, a notification) in that same transaction: the task queue and the outbox
are tables of the same database, so a change and its consequences commit together or not
at all (decisions/0009).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date
from typing import Any
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.cases import reading
from qyzmet.cases.answers import answers_problems
from qyzmet.cases.models import (
    CLOSED_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    SituationCase,
)
from qyzmet.cases.selectors import definition_of, situation_definition_of
from qyzmet.cases.workflow import run_system_step
from qyzmet.catalog.definitions import ServiceDefinition, Step
from qyzmet.catalog.models import Service, ServiceVersion
from qyzmet.catalog.selectors import NotInCatalogue, service_version_get, situation_version_get
from qyzmet.core import rows
from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.core.workdays import working_days_add, working_days_between
from qyzmet.identity.models import Account, AccountKind, Membership, OfficerRole, Person
from qyzmet.identity.services import actor_of
from qyzmet.messaging.services import notification_queue_for
from qyzmet.payments.models import FeePayment
from qyzmet.payments.selectors import fee_is_paid
from qyzmet.payments.services import fee_request
from qyzmet.trust.models import Certificate, Signature

MAX_ANSWER_BYTES = 64 * 1024
# Sent in the transaction that completes or refuses an application (``case``): an app that
# opened it for a purpose of its own (a programme's appeal) acts on the outcome then.
case_closed = Signal()


# --- the timeline ----------------------------------------------------------------------


def _event(
    case: Case, kind: EventKind, *, actor: str, step: str = "", note: str = "",
    data: dict[str, Any] | None = None, signature: int | None = None,
) -> CaseEvent:  # fmt: skip
    event = CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, step=step, note=note, data=data or {},
        signature_id=signature,
    )  # fmt: skip
    audit_record(
        actor=actor, action=f"cases.{kind}", object_type="case", object_id=str(case.public_id),
        data={"number": case.number, "status": case.status, "step": step, **(data or {})},
    )  # fmt: skip
    return event


def _notify(case: Case, template: str, *, occasion: str = "", **context: str) -> None:
    """Tell the applicant, once per case, template and occasion (a request for more is
    an occasion each time); the key makes a repeat a no-op."""
    definition = definition_of(case.version)
    language = case.account.preferred_language
    notification_queue_for(
        key=f"case:{case.public_id}:{template}:{occasion}",
        template=template,
        context={"number": case.number, "service": definition.name.get(language), **context},
        account=case.account,
        actor="system",
    )


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_related("version__service", "account", "applicant", "agency")
        .select_for_update(of=("self",))
        .get(pk=case.pk)
    )


def _enqueue_processing(case: Case) -> None:
    # Imported here: tasks.py imports this module.
    from qyzmet.cases.tasks import case_process_task

    case_process_task.enqueue(case.pk)


def _new_number() -> str:
    return f"{secrets.randbelow(9 * 10**9) + 10**9}"


# --- opening and filling in ------------------------------------------------------------


def _service(code: str) -> tuple[Any, ServiceDefinition]:
    try:
        version = service_version_get(code)
    except NotInCatalogue as missing:
        raise Problem(404, _("There is no such service."), code="no-such-service") from missing
    return version, definition_of(version)


def _check_size(answers: dict[str, Any]) -> None:
    if len(json.dumps(answers, ensure_ascii=False).encode()) > MAX_ANSWER_BYTES:
        raise Problem(413, _("The answers are too long."), code="answers-too-long")


def _prefill(case: Case, definition: ServiceDefinition) -> dict[str, Any]:
    """Fill the form from the registries through the exchange; a source that does not
    answer leaves its fields for the applicant to type."""
    found: dict[str, Any] = {}
    answers_by_route: dict[str, Any] = {}
    for prefill in definition.prefill:
        if prefill.service not in answers_by_route:
            try:
                answers_by_route[prefill.service] = reading.exchange_get(
                    agency=case.agency, definition=definition, route=prefill.service,
                    iin=case.applicant.iin, issue=case.number, user=actor_of(case.account),
                )  # fmt: skip
            except reading.ReadFailed:
                answers_by_route[prefill.service] = None
        value: Any = answers_by_route[prefill.service]
        for part in prefill.path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value not in (None, ""):
            found[prefill.field] = {
                "service": prefill.service, "value": value, "editable": prefill.editable,
            }  # fmt: skip
    return found


def _answers_merge(
    case: Case, definition: ServiceDefinition, answers: dict[str, Any]
) -> dict[str, Any]:
    """The case's answers with ``answers`` applied (None removes a field); a field filled
    from a register that the service does not let the applicant change stays as it is."""
    _check_size(answers)
    fixed = [name for name, p in case.prefilled.items() if not p["editable"] and name in answers
             and answers[name] != p["value"]]  # fmt: skip
    if fixed:
        label = definition.form.ui[fixed[0]].label.get(case.account.preferred_language)
        raise Problem(
            422, _("%(label)s comes from a state register and cannot be changed here.")
            % {"label": label}, code="prefilled-field",
            errors=[{"pointer": f"/answers/{name}", "detail": _("Filled in from a register.")}
                    for name in fixed],
        )  # fmt: skip
    merged = dict(case.answers)
    for name, value in answers.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


@transaction.atomic
def case_open(
    *,
    account: Account,
    service: str,
    answers: dict[str, Any] | None = None,
    situation: SituationCase | None = None,
    situation_step: str = "",
    locked: bool = False,
    by_platform: bool = False,
) -> Case:
    """Start an application (a draft kept on the server), filled in from the registries.
    ``by_platform``: the platform opens it for the person (only such a caller may open a
    service published with ``opened_by: platform``)."""
    if account.kind != AccountKind.CITIZEN or account.person_id is None:
        raise Problem(403, _("Only a citizen applies for a service."), code="not-a-citizen")
    version, definition = _service(service)
    if definition.applicant != "person":
        raise Problem(422, _("This service is for organisations."), code="organisations-only")
    if definition.opened_by == "platform" and not by_platform:
        raise Problem(
            409, _("This application is made from the decision it concerns."),
            code="opened-by-platform",
        )  # fmt: skip
    case = Case(
        version=version,
        agency=version.service.agency,
        applicant_id=account.person_id,
        account=account,
        situation=situation,
        situation_step=situation_step,
        locked=locked,
    )
    for _attempt in range(5):
        case.number = _new_number()
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            if (
                situation is not None
                and Case.objects.filter(situation=situation, situation_step=situation_step).exists()
            ):
                raise
            continue
    actor = actor_of(account)
    _event(
        case, EventKind.OPENED, actor=actor, data={"service": service, "version": version.number}
    )
    if not locked:
        _draft_fill(case, definition, answers or {}, actor=actor)
    return case


def _draft_fill(
    case: Case, definition: ServiceDefinition, answers: dict[str, Any], *, actor: str
) -> None:
    case.prefilled = _prefill(case, definition)
    shared = case.situation.shared_answers if case.situation else {}
    fields = set(definition.form.ui)
    case.answers = {k: v for k, v in shared.items() if k in fields}
    case.answers.update({name: p["value"] for name, p in case.prefilled.items()})
    case.answers = _answers_merge(case, definition, answers)
    case.save(update_fields=["prefilled", "answers"])
    if case.prefilled:
        _event(case, EventKind.PREFILLED, actor=actor, data={
            "fields": sorted(case.prefilled),
            "sources": sorted({p["service"] for p in case.prefilled.values()}),
        })  # fmt: skip


@transaction.atomic
def case_answers_save(*, case: Case, answers: dict[str, Any], account: Account) -> Case:
    """Save a draft's answers (checked only at submission, so a half-filled form keeps)."""
    case = _locked(case)
    if case.status != CaseStatus.DRAFT or case.locked:
        raise Problem(409, _("Only a draft can be changed."), code="not-a-draft")
    definition = definition_of(case.version)
    case.answers = _answers_merge(case, definition, answers)
    case.save(update_fields=["answers"])
    _share(case, definition)
    return case


def _share(case: Case, definition: ServiceDefinition) -> None:
    """Keep the life situation's shared answers, so its other steps need not ask again."""
    if case.situation is None:
        return
    situation = SituationCase.objects.select_for_update().get(pk=case.situation.pk)
    wanted = situation_definition_of(situation.version).shared_fields
    changed = {k: v for k, v in case.answers.items() if k in wanted}
    if changed and any(situation.shared_answers.get(k) != v for k, v in changed.items()):
        situation.shared_answers = {**situation.shared_answers, **changed}
        situation.save(update_fields=["shared_answers"])


def submission_digest(case: Case) -> str:
    """SHA-256 of what the applicant signs: the case, the service version and the answers."""
    body = {
        "case": str(case.public_id), "number": case.number,
        "service": case.version.service.code, "version": case.version.number,
        "applicant": case.applicant.iin, "answers": case.answers,
    }  # fmt: skip
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def fee_purpose(case: Case) -> str:
    return f"case:{case.public_id}"


@transaction.atomic
def case_fee_request(*, case: Case, account: Account, return_url: str = "") -> FeePayment:
    """Ask the applicant to pay the service's state fee (once per case)."""
    case = _locked(case)
    definition = definition_of(case.version)
    if not definition.fee:
        raise Problem(409, _("This service has no fee."), code="no-fee")
    if case.status != CaseStatus.DRAFT:
        raise Problem(409, _("The fee is paid before submitting."), code="not-a-draft")
    payment = fee_request(
        purpose=fee_purpose(case), payer=case.applicant, amount=definition.fee,
        description=f"{definition.name.get(account.preferred_language)} {case.number}",
        return_url=return_url, actor=actor_of(account),
    )  # fmt: skip
    if not case.events.filter(kind=EventKind.FEE_REQUESTED).exists():
        _event(case, EventKind.FEE_REQUESTED, actor=actor_of(account),
               data={"amount": definition.fee})  # fmt: skip
    return payment


@transaction.atomic
def case_submit(*, case_id: UUID, signature: str, account: Account) -> Case:
    """Submit the account holder's signed draft ``case_id`` for processing. Refused (422)
    while the answers fail the form, the fee is unpaid, or ``signature`` (a signature's id)
    is not the applicant's over :func:`submission_digest`; 404 if the case is not theirs.
    Accepted submissions are processed by the workers.

    This is the surge path (every application comes through it, millions in days), so
    its reads are written in SQL (decisions/0012)."""
    case = _draft_locked(case_id, account)
    definition = _submittable(case, account)
    found = _signature_over(submission_digest(case), signature, account)
    if found is None:
        raise Problem(
            422, _("The signature is not yours over this application as it stands."),
            code="signature-mismatch",
        )  # fmt: skip
    # The digest names the case, so a signature can be given for no other one.
    case.signature_id = found
    return _submitted(case, definition, account, data={"signature": signature})


# What a submission's digest names of the version, its service and the applicant.
_VERSION_FIELDS = ("id", "service_id", "number")
_SERVICE_FIELDS = ("id", "code")
_APPLICANT_FIELDS = ("id", "iin")


def _draft_locked(case_id: UUID, account: Account) -> Case:
    """The account holder's case ``case_id``, locked, with what its submission digest
    names; 404 if it is not theirs."""
    if account.person_id is None:
        raise Http404
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(Case, 'c')}, "  # noqa: S608 - model names
            f"{rows.columns(ServiceVersion, 'v', _VERSION_FIELDS)}, "
            f"{rows.columns(Service, 's', _SERVICE_FIELDS)}, "
            f"{rows.columns(Person, 'p', _APPLICANT_FIELDS)} "
            f"FROM {rows.table(Case)} c "
            f"JOIN {rows.table(ServiceVersion)} v ON v.id = c.version_id "
            f"JOIN {rows.table(Service)} s ON s.id = v.service_id "
            f"JOIN {rows.table(Person)} p ON p.id = c.applicant_id "
            f"WHERE c.public_id = %s AND c.applicant_id = %s{lock}",
            [rows.value(Case, "public_id", case_id), account.person_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404
    n = len(Case._meta.concrete_fields)
    case = rows.instance(Case, row[:n])
    case.version = rows.instance(ServiceVersion, row[n : n + 3], _VERSION_FIELDS)
    case.version.service = rows.instance(Service, row[n + 3 : n + 5], _SERVICE_FIELDS)
    case.applicant = rows.instance(Person, row[n + 5 :], _APPLICANT_FIELDS)
    return case


def _signature_over(
    digest: str, signature: str, account: Account, agency_id: int | None = None
) -> int | None:
    """The id of signature ``signature`` over ``digest`` by a certificate of ``account``
    (or of agency ``agency_id``'s systems) that is not revoked; None if there is none."""
    if not _is_uuid(signature):
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id FROM {rows.table(Signature)} s "  # noqa: S608 - model names
            f"JOIN {rows.table(Certificate)} ce ON ce.id = s.certificate_id "
            "WHERE s.public_id = %s AND s.content_sha256 = %s "
            "AND (ce.account_id = %s OR ce.agency_id = %s) AND ce.revoked_at IS NULL",
            [rows.value(Signature, "public_id", signature), digest, account.pk, agency_id],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


@transaction.atomic
def case_submit_on_answer(*, case: Case, account: Account, answer: str) -> Case:
    """Submit an application the platform prepared for a proactive offer, on the person's
    own answer to it (``answer`` names it, such as ``sms:<gateway id>``) instead of a
    signature: they were asked, by the state, whether they want it."""
    case = _locked(case)
    definition = _submittable(case, account)
    return _submitted(case, definition, account, data={"answer": answer})


def _submittable(case: Case, account: Account) -> ServiceDefinition:
    if case.status != CaseStatus.DRAFT or case.locked:
        raise Problem(409, _("This application is already submitted."), code="not-a-draft")
    definition = definition_of(case.version)
    problems = answers_problems(definition.form, case.answers, account.preferred_language)
    if problems:
        raise Problem(
            422, _("Some answers need attention."), code="answers-invalid",
            errors=[p.as_error() for p in problems],
        )  # fmt: skip
    if definition.fee and not fee_is_paid(fee_purpose(case)):
        raise Problem(422, _("Pay the state fee first."), code="fee-unpaid")
    return definition


def _submitted(
    case: Case, definition: ServiceDefinition, account: Account, *, data: dict[str, Any]
) -> Case:
    case.status, case.submitted_at = CaseStatus.SUBMITTED, timezone.now()
    case.deadline = working_days_add(timezone.localdate(), definition.deadline_working_days)
    case.save(update_fields=["status", "signature", "submitted_at", "deadline"])
    _event(case, EventKind.SUBMITTED, actor=actor_of(account), data=data)
    _enqueue_processing(case)
    return case


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@transaction.atomic
def case_withdraw(*, case: Case, account: Account, note: str = "") -> Case:
    case = _locked(case)
    if case.status in CLOSED_STATUSES:
        raise Problem(409, _("This application is already closed."), code="closed")
    case.status, case.closed_at, case.queue_agency, case.assigned_to = (
        CaseStatus.WITHDRAWN, timezone.now(), None, None,
    )  # fmt: skip
    case.save(update_fields=["status", "closed_at", "queue_agency", "assigned_to"])
    _event(case, EventKind.WITHDRAWN, actor=actor_of(account), note=note)
    return case


# --- processing ------------------------------------------------------------------------


def case_process(*, case_id: int) -> None:
    """Carry a case through its automatic steps until an officer's step, a refusal or the
    end. Safe to run again at any time: it starts from the state it finds."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("version", "account", "applicant", "agency")
            .filter(pk=case_id)
            .first()
        )
        if case is None or case.status not in (CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS):
            return
        if case.status == CaseStatus.SUBMITTED:
            case.status = CaseStatus.IN_PROGRESS
            case.save(update_fields=["status"])
            _event(case, EventKind.ACCEPTED, actor="system")
            _notify(case, "case-accepted", deadline=_date_text(case.deadline, case))
        _advance(case)


def _date_text(day: date | None, case: Case) -> str:
    from qyzmet.core.formatting import long_date

    return long_date(day, case.account.preferred_language) if day else ""


def _advance(case: Case) -> None:
    definition = definition_of(case.version)
    while case.status == CaseStatus.IN_PROGRESS and case.step < len(definition.workflow):
        step = definition.workflow[case.step]
        if step.by == "officer":
            _queue(case, definition, step)
            return
        outcome = run_system_step(case, definition, step)
        if outcome.refusal is not None:
            _refuse(case, outcome.refusal, actor="system", step=step.code, data=outcome.data)
            return
        _event(case, outcome.event, actor="system", step=step.code, data=outcome.data)
        case.step += 1
        case.save(update_fields=["step"])
    if case.status == CaseStatus.IN_PROGRESS:
        _complete(case)


def _queue(case: Case, definition: ServiceDefinition, step: Step) -> None:
    if case.queue_agency_id is not None:
        return  # already waiting for an officer
    agency_code = step.agency or definition.agency
    from qyzmet.identity.models import Agency

    case.queue_agency = Agency.objects.get(code=agency_code)
    case.save(update_fields=["queue_agency"])
    _event(case, EventKind.QUEUED, actor="system", step=step.code, data={"agency": agency_code})


def _complete(case: Case) -> None:
    case.status, case.closed_at = CaseStatus.COMPLETED, timezone.now()
    case.queue_agency, case.assigned_to = None, None
    case.save(update_fields=["status", "closed_at", "queue_agency", "assigned_to"])
    _event(case, EventKind.COMPLETED, actor="system")
    _notify(case, "case-completed")
    case_closed.send(sender=Case, case=case)
    if case.situation_id is not None:
        _unlock_next(case)


def _refuse(
    case: Case, reason: str, *, actor: str, step: str, data: dict[str, Any] | None = None,
    signature: int | None = None,
) -> None:  # fmt: skip
    case.status, case.closed_at, case.refusal_reason = CaseStatus.REFUSED, timezone.now(), reason
    case.queue_agency, case.assigned_to = None, None
    case.save(update_fields=["status", "closed_at", "refusal_reason", "queue_agency",
                             "assigned_to"])  # fmt: skip
    _event(case, EventKind.REFUSED, actor=actor, step=step, note=reason, data=data,
           signature=signature)  # fmt: skip
    _notify(case, "case-refused", reason=reason[:200])
    case_closed.send(sender=Case, case=case)


def _unlock_next(case: Case) -> None:
    """Open the life situation's steps that waited for this one, prefilled with what the
    applicant already gave (and what the finished steps produced)."""
    situation = SituationCase.objects.select_for_update().get(cases=case)
    definition = situation_definition_of(situation.version)
    done = set(
        situation.cases.filter(status=CaseStatus.COMPLETED).values_list("situation_step", flat=True)
    )
    waiting = {c.situation_step: c for c in situation.cases.filter(locked=True)}
    for step in definition.steps:
        if step.service in waiting and set(step.after) <= done:
            follower = waiting[step.service]
            follower.locked = False
            follower.save(update_fields=["locked"])
            _event(follower, EventKind.UNLOCKED, actor="system", data={"after": step.after})
            _draft_fill(follower, definition_of(follower.version), {}, actor="system")
            name = definition_of(follower.version).name.get(case.account.preferred_language)
            notification_queue_for(
                key=f"situation:{situation.public_id}:{step.service}:open",
                template="situation-step-open",
                context={"situation": definition.name.get(case.account.preferred_language),
                         "service": name},
                account=case.account, actor="system",
            )  # fmt: skip
    if all(c.status == CaseStatus.COMPLETED for c in situation.cases.all()):
        situation.completed_at = timezone.now()
        situation.save(update_fields=["completed_at"])


# --- officers --------------------------------------------------------------------------


def _officer_step(case: Case, officer: Account) -> Step:
    """The officer step the case waits at, if ``officer`` may act on it; else 404/409/403."""
    if case.queue_agency_id is None or case.status not in (
        CaseStatus.IN_PROGRESS, CaseStatus.WAITING_APPLICANT,
    ):  # fmt: skip
        raise Problem(409, _("The application is not waiting for an officer."), code="not-queued")
    step = definition_of(case.version).workflow[case.step]
    roles = set(
        Membership.objects.filter(account=officer, agency_id=case.queue_agency_id).values_list(
            "role", flat=True
        )
    )
    if not roles:
        raise Problem(404, _("Not found."))
    if step.role not in roles and OfficerRole.HEAD not in roles:
        raise Problem(403, _("This step needs another role."), code="role-required")
    if case.assigned_to_id not in (None, officer.pk) and OfficerRole.HEAD not in roles:
        raise Problem(409, _("Another officer has this application."), code="assigned-elsewhere")
    return step


@transaction.atomic
def case_claim(*, case: Case, officer: Account, note: str = "") -> Case:
    """Take a queued application to work on."""
    case = _locked(case)
    step = _officer_step(case, officer)
    if case.assigned_to_id != officer.pk:
        case.assigned_to = officer
        case.save(update_fields=["assigned_to"])
        _event(case, EventKind.CLAIMED, actor=actor_of(officer), step=step.code, note=note)
    return case


@transaction.atomic
def case_assign(*, case: Case, officer: Account, to: Account) -> Case:
    """A head of unit gives a queued application to one of the agency's officers."""
    case = _locked(case)
    step = _officer_step(case, officer)
    members = Membership.objects.filter(agency=case.queue_agency)
    if not members.filter(account=officer, role=OfficerRole.HEAD).exists():
        raise Problem(403, _("Only a head of unit assigns applications."), code="role-required")
    if not members.filter(account=to).exists():
        raise Problem(422, _("That officer does not work for this agency."), code="not-a-member")
    case.assigned_to = to
    case.save(update_fields=["assigned_to"])
    _event(case, EventKind.ASSIGNED, actor=actor_of(officer), step=step.code,
           data={"to": str(to.public_id)})  # fmt: skip
    return case


DECISIONS = ("approve", "refuse")  # the officers' acts that are signed


def decision_digest(case: Case, *, officer: Account, decision: str, text: str) -> str:
    """SHA-256 of what an officer signs to approve or refuse: the application as it stands
    (its submission digest), the step it waits at, the decision and its words, and who
    decides. Any change to one of them needs a new signature."""
    workflow = definition_of(case.version).workflow
    body = {
        "case": str(case.public_id), "number": case.number,
        "application": submission_digest(case),
        "step": workflow[case.step].code if case.step < len(workflow) else "",
        "decision": decision, "text": text.strip(), "officer": str(officer.public_id),
    }  # fmt: skip
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def case_decision_digest(*, case: Case, officer: Account, decision: str, text: str) -> str:
    """What ``officer`` signs to ``decision`` ``case`` with ``text``; refused (4xx) when
    they may not decide on it now."""
    case = Case.objects.select_related("version__service", "applicant").get(pk=case.pk)
    _officer_step(case, officer)
    if decision not in DECISIONS:
        raise Problem(422, _("Unknown decision."), code="unknown-decision")
    if decision == "refuse" and not text.strip():
        raise Problem(422, _("Say why the application is refused."), code="reason-required")
    return decision_digest(case, officer=officer, decision=decision, text=text)


def _decision_signature(
    case: Case, officer: Account, decision: str, text: str, signature: str
) -> int:
    """The officer's signature (or their agency systems') over this decision, or 422."""
    digest = decision_digest(case, officer=officer, decision=decision, text=text)
    found = _signature_over(digest, signature, officer, case.queue_agency_id)
    if found is None:
        raise Problem(
            422, _("The signature is not yours over this decision as it stands."),
            code="signature-mismatch",
        )  # fmt: skip
    return found


@transaction.atomic
def case_approve(*, case: Case, officer: Account, signature: str, note: str = "") -> Case:
    """The officer's step is done, signed over :func:`decision_digest`: the case moves on
    to its next steps."""
    case = _locked(case)
    step = _officer_step(case, officer)
    if case.status != CaseStatus.IN_PROGRESS:
        raise Problem(409, _("The applicant has not answered yet."), code="waiting-applicant")
    signed = _decision_signature(case, officer, "approve", note, signature)
    _event(case, EventKind.APPROVED, actor=actor_of(officer), step=step.code, note=note.strip(),
           data={"signature": signature}, signature=signed)  # fmt: skip
    case.step += 1
    case.queue_agency, case.assigned_to = None, None
    case.save(update_fields=["step", "queue_agency", "assigned_to"])
    _enqueue_processing(case)
    return case


@transaction.atomic
def case_refuse(*, case: Case, officer: Account, reason: str, signature: str) -> Case:
    """Refuse the application, saying why (the applicant is told the reason), signed over
    :func:`decision_digest`."""
    case = _locked(case)
    step = _officer_step(case, officer)
    if not reason.strip():
        raise Problem(422, _("Say why the application is refused."), code="reason-required")
    signed = _decision_signature(case, officer, "refuse", reason, signature)
    _refuse(case, reason.strip(), actor=actor_of(officer), step=step.code,
            data={"signature": signature}, signature=signed)  # fmt: skip
    return case


@transaction.atomic
def case_request_info(*, case: Case, officer: Account, note: str) -> Case:
    """Ask the applicant for more; the deadline clock stands still until they answer."""
    case = _locked(case)
    step = _officer_step(case, officer)
    if case.status != CaseStatus.IN_PROGRESS:
        raise Problem(409, _("The applicant has been asked already."), code="waiting-applicant")
    if not note.strip():
        raise Problem(422, _("Say what the applicant should provide."), code="note-required")
    case.status, case.paused_at, case.info_request = (
        CaseStatus.WAITING_APPLICANT, timezone.now(), note.strip(),
    )  # fmt: skip
    case.save(update_fields=["status", "paused_at", "info_request"])
    asked = _event(
        case, EventKind.INFO_REQUESTED, actor=actor_of(officer), step=step.code, note=note
    )
    _notify(case, "case-info-requested", occasion=str(asked.pk), note=note.strip()[:200])
    return case


@transaction.atomic
def case_info_provide(
    *, case: Case, account: Account, answers: dict[str, Any], note: str = ""
) -> Case:
    """The applicant answers a request for more: the clock runs again from where it stood,
    the deadline moved on by the working days it was stopped."""
    case = _locked(case)
    if case.status != CaseStatus.WAITING_APPLICANT:
        raise Problem(409, _("Nothing was asked of you on this application."), code="not-waiting")
    definition = definition_of(case.version)
    merged = _answers_merge(case, definition, answers)
    problems = answers_problems(definition.form, merged, account.preferred_language)
    if problems:
        raise Problem(422, _("Some answers need attention."), code="answers-invalid",
                      errors=[p.as_error() for p in problems])  # fmt: skip
    paused = case.paused_at or timezone.now()
    stood = working_days_between(timezone.localdate(paused), timezone.localdate())
    case.answers, case.status, case.paused_at, case.info_request = (
        merged, CaseStatus.IN_PROGRESS, None, "",
    )  # fmt: skip
    if stood and case.deadline is not None:
        case.deadline = working_days_add(case.deadline, stood)
    case.escalated_at = None
    case.save(update_fields=["answers", "status", "paused_at", "info_request", "deadline",
                             "escalated_at"])  # fmt: skip
    _event(case, EventKind.INFO_PROVIDED, actor=actor_of(account), note=note,
           data={"fields": sorted(answers), "clock_stood_working_days": stood})  # fmt: skip
    return case


@transaction.atomic
def case_foreign_document_note(
    *, case: Case, kind: EventKind, actor: str, note: str, data: dict[str, Any]
) -> CaseEvent:
    """Put on the case's timeline a document asked of a partner state, or received from one
    (``kind``: FOREIGN_REQUESTED or FOREIGN_RECEIVED); ``data`` names the message."""
    if kind not in (EventKind.FOREIGN_REQUESTED, EventKind.FOREIGN_RECEIVED):
        raise ValueError(f"not a cross-border event: {kind}")
    return _event(case, kind, actor=actor, note=note, data=data)


def cases_escalate_due(*, today: date | None = None, ahead_working_days: int = 1) -> int:
    """Mark every application waiting for an officer whose deadline is at most
    ``ahead_working_days`` away: escalated cases lead their agency's queue."""
    today = today or timezone.localdate()
    limit = working_days_add(today, ahead_working_days)
    due = list(
        Case.objects.select_for_update(skip_locked=True).filter(
            status=CaseStatus.IN_PROGRESS, queue_agency__isnull=False,
            escalated_at__isnull=True, deadline__lte=limit,
        )[:1000]
    )  # fmt: skip
    for case in due:
        case.escalated_at = timezone.now()
        case.save(update_fields=["escalated_at"])
        _event(case, EventKind.ESCALATED, actor="system", data={"deadline": str(case.deadline)})
    return len(due)


def cases_escalate_periodically() -> None:
    """For the worker's periodic loop: escalate, then report nothing left (None)."""
    cases_escalate_due()


# --- life situations -------------------------------------------------------------------


@transaction.atomic
def situation_open(*, account: Account, situation: str) -> SituationCase:
    """Open a life situation: one draft per step, the first steps open, the rest locked
    until the steps they come after are completed."""
    if account.kind != AccountKind.CITIZEN or account.person_id is None:
        raise Problem(403, _("Only a citizen applies for a service."), code="not-a-citizen")
    try:
        version = situation_version_get(situation)
    except NotInCatalogue as missing:
        raise Problem(
            404, _("There is no such life situation."), code="no-such-situation"
        ) from missing
    opened = SituationCase.objects.create(
        version=version, applicant_id=account.person_id, account=account
    )
    audit_record(
        actor=actor_of(account), action="cases.situation.open", object_type="situation-case",
        object_id=str(opened.public_id), data={"situation": situation},
    )  # fmt: skip
    for step in situation_definition_of(version).steps:
        case_open(
            account=account, service=step.service, situation=opened,
            situation_step=step.service, locked=bool(step.after),
        )  # fmt: skip
    return opened


def situation_answers_share(*, situation: SituationCase, answers: dict[str, Any]) -> None:
    """Record answers the situation's steps share (e.g. what a finished step produced)."""
    wanted = situation_definition_of(situation.version).shared_fields
    given = {k: v for k, v in answers.items() if k in wanted}
    if given:
        situation.shared_answers = {**situation.shared_answers, **given}
        situation.save(update_fields=["shared_answers"])
