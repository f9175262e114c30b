"""/api/v1/cases: applications for public services, life situations, and officers' queues.

A citizen (or a channel holding the citizen's token) opens an application, which comes
back prefilled from the registries; saves answers (a draft kept on the server, to finish
on another device); pays the fee if the service has one; signs the submission digest with
/api/v1/trust (remote code or key file) and submits with the signature's id. Submission
answers 202: workers process it. Officers work their agencies' queues; an approval or a
refusal is signed over its decision digest the same way. Every POST takes an
``Idempotency-Key``. What a caller may not see is 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema, Status
from pydantic import Field

from qyzmet.cases import selectors, services
from qyzmet.cases.answers import answers_problems
from qyzmet.cases.models import Case, CaseEvent, CaseStatus, EventKind, SituationCase
from qyzmet.cases.selectors import definition_of, situation_definition_of
from qyzmet.cases.workflow import eligibility_preview
from qyzmet.catalog.definitions import Texts
from qyzmet.core.inputs import PLAIN_TEXT, StrictIn, StrictQuery
from qyzmet.identity.authentication import ANY_AUTH, principal_of
from qyzmet.identity.models import Account
from qyzmet.identity.selectors import Principal
from qyzmet.payments.models import FeePayment
from qyzmet.payments.selectors import fee_for

router = Router(tags=["cases"], auth=ANY_AUTH)

# Reading (one's own applications, or an officer's agency's) needs cases:read; a citizen's
# acts cases:write; an officer's decisions cases:decide.
READ, WRITE, DECIDE = "cases:read", "cases:write", "cases:decide"
CODE = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
Answers = Annotated[
    dict[str, Any], Field(description="form field -> value, as the form's JSON Schema says")
]


def _problems(*statuses: int) -> dict[str, Any]:
    text = {403: "Not allowed for this caller's role", 409: "Not possible in the case's state",
            429: "Too many requests: retry after Retry-After seconds"}  # fmt: skip
    return {"responses": {s: {"description": text[s]} for s in statuses}}


def _language() -> str:
    return (get_language() or "kk")[:2]


def _citizen(request: HttpRequest, scope: str) -> Account:
    principal = principal_of(request)
    if principal.person_id is None or not principal.allows(scope):
        raise Http404
    return principal.account


def _officer(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not principal.is_officer or not principal.allows(DECIDE):
        raise Http404
    return principal


def _reader(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not principal.allows(READ):
        raise Http404
    return principal


def _own_case(request: HttpRequest, id: UUID, scope: str) -> tuple[Account, Case]:
    """The caller and their case, for a service that locks and reads it itself."""
    account = _citizen(request, scope)
    return account, selectors.case_ref_for(principal_of(request), id)


def _officer_case(request: HttpRequest, id: UUID) -> tuple[Account, Case]:
    principal = _officer(request)
    return principal.account, selectors.case_ref_for(principal, id)


# --- output ----------------------------------------------------------------------------


class StepOut(Schema):
    code: str
    title: Texts
    by: str = Field(description="officer or system")
    done: bool
    current: bool


class EventOut(Schema):
    at: datetime
    kind: str
    label: str
    step: str
    note: str


class FieldProblemOut(Schema):
    field: str
    message: str


class PrefilledOut(Schema):
    field: str
    source: str = Field(description="the exchange service it was read from")
    editable: bool


class CaseFeeOut(Schema):
    id: UUID
    amount: int = Field(description="tiyn")
    currency: str
    status: str
    pay_url: str


class CaseOut(Schema):
    id: UUID
    number: str
    service: str
    service_name: Texts
    agency: str
    status: str
    status_label: str
    locked: bool = Field(description="a life situation step waiting for earlier steps")
    answers: dict[str, Any]
    prefilled: list[PrefilledOut]
    problems: list[FieldProblemOut] = Field(description="what to fix before submitting")
    submission_digest: str = Field(description="SHA-256 the applicant signs to submit")
    fee: int = Field(description="the state fee in tiyn (0: none)")
    fee_payment: CaseFeeOut | None
    deadline: date | None
    clock_stopped: bool
    info_request: str
    refusal_reason: str
    result_document: UUID | None
    situation: UUID | None
    steps: list[StepOut]
    timeline: list[EventOut]
    created_at: datetime
    submitted_at: datetime | None


class CaseSummaryOut(Schema):
    id: UUID
    number: str
    service: str
    service_name: Texts
    status: str
    status_label: str
    locked: bool
    deadline: date | None
    escalated: bool
    assigned_to: UUID | None
    submitted_at: datetime | None


def _fee_out(payment: FeePayment) -> CaseFeeOut:
    return CaseFeeOut(id=payment.public_id, amount=payment.amount, currency=payment.currency,
                  status=payment.status, pay_url=payment.pay_url)  # fmt: skip


def _event_out(event: CaseEvent) -> EventOut:
    return EventOut(at=event.at, kind=event.kind, label=str(EventKind(event.kind).label),
                    step=event.step, note=event.note)  # fmt: skip


def _case_out(case: Case) -> CaseOut:
    definition = definition_of(case.version)
    language = _language()
    payment = fee_for(services.fee_purpose(case)) if definition.fee else None
    closed = case.status == CaseStatus.COMPLETED
    steps = [
        StepOut(code=s.code, title=s.title, by=s.by, done=closed or i < case.step,
                current=not closed and case.status != CaseStatus.DRAFT and i == case.step)
        for i, s in enumerate(definition.workflow)
    ]  # fmt: skip
    draft = case.status == CaseStatus.DRAFT
    return CaseOut(
        id=case.public_id, number=case.number, service=definition.code,
        service_name=definition.name, agency=definition.agency, status=case.status,
        status_label=str(CaseStatus(case.status).label), locked=case.locked,
        answers=case.answers,
        prefilled=[PrefilledOut(field=k, source=v["service"], editable=v["editable"])
                   for k, v in case.prefilled.items()],
        problems=[FieldProblemOut(field=p.field, message=p.message) for p in
                  answers_problems(definition.form, case.answers, language)] if draft else [],
        submission_digest=services.submission_digest(case), fee=definition.fee,
        fee_payment=_fee_out(payment) if payment else None,
        deadline=case.deadline, clock_stopped=case.paused_at is not None,
        info_request=case.info_request, refusal_reason=case.refusal_reason,
        result_document=case.result.public_id if case.result else None,
        situation=case.situation.public_id if case.situation else None,
        steps=steps, timeline=[_event_out(e) for e in case.events.order_by("at", "pk")],
        created_at=case.created_at, submitted_at=case.submitted_at,
    )  # fmt: skip


def _summary_out(case: Case) -> CaseSummaryOut:
    definition = definition_of(case.version)
    return CaseSummaryOut(
        id=case.public_id, number=case.number, service=definition.code,
        service_name=definition.name, status=case.status,
        status_label=str(CaseStatus(case.status).label), locked=case.locked,
        deadline=case.deadline, escalated=case.escalated_at is not None,
        assigned_to=case.assigned_to.public_id if case.assigned_to else None,
        submitted_at=case.submitted_at,
    )  # fmt: skip


# --- citizens --------------------------------------------------------------------------


@router.get("", response=list[CaseSummaryOut], summary="My applications")
def cases_list(request: HttpRequest) -> list[CaseSummaryOut]:
    person_id = _citizen(request, READ).person_id or 0
    return [_summary_out(c) for c in selectors.cases_of_applicant(person_id)[:200]]


class OpenIn(StrictIn):
    service: str = Field(pattern=CODE, max_length=60, description="a catalogue service code")
    answers: Answers = Field(default_factory=dict)


@router.post("", response={201: CaseOut}, summary="Start an application (prefilled)",
             openapi_extra=_problems(403, 429))  # fmt: skip
def cases_open(request: HttpRequest, payload: OpenIn) -> Status[CaseOut]:
    """The draft comes back filled in from the state registers (each read is in the data
    tracker); ``problems`` lists what is still missing or wrong."""
    account = _citizen(request, WRITE)
    case = services.case_open(account=account, service=payload.service, answers=payload.answers)
    return Status(201, _case_out(case))


class QueueQuery(Schema):
    agency: str | None = Field(None, pattern=CODE, max_length=40)
    mine: bool = False


@router.get("/queue", response=list[CaseSummaryOut], summary="Officers: my agencies' queue")
def cases_queue(
    request: HttpRequest, query: Annotated[QueueQuery, StrictQuery(...)]
) -> list[CaseSummaryOut]:
    """Escalated applications first (their deadline is near), then by deadline."""
    principal = _reader(request)
    if not principal.is_officer:
        raise Http404
    queued = selectors.queue_of(principal, agency=query.agency, mine=query.mine)
    return [_summary_out(c) for c in queued[:200]]


class SituationOpenIn(StrictIn):
    situation: str = Field(pattern=CODE, max_length=60, description="a life situation code")


class SituationOut(Schema):
    id: UUID
    situation: str
    name: Texts
    shared_answers: dict[str, Any]
    completed: bool
    cases: list[CaseSummaryOut]


def _situation_out(situation: SituationCase) -> SituationOut:
    definition = situation_definition_of(situation.version)
    order = {s.service: i for i, s in enumerate(definition.steps)}
    cases = sorted(situation.cases.all(),
                   key=lambda c: order.get(c.situation_step, 99))  # fmt: skip
    return SituationOut(
        id=situation.public_id, situation=definition.code, name=definition.name,
        shared_answers=situation.shared_answers, completed=situation.completed_at is not None,
        cases=[_summary_out(c) for c in cases],
    )  # fmt: skip


@router.get("/situations", response=list[SituationOut], summary="My life situations")
def situations_list(request: HttpRequest) -> list[SituationOut]:
    person_id = _citizen(request, READ).person_id or 0
    return [_situation_out(s) for s in selectors.situations_of(person_id)[:50]]


@router.post("/situations", response={201: SituationOut},
             summary="Start a life situation: one application per step",
             openapi_extra=_problems(403, 429))  # fmt: skip
def situations_open(request: HttpRequest, payload: SituationOpenIn) -> Status[SituationOut]:
    account = _citizen(request, WRITE)
    return Status(
        201, _situation_out(services.situation_open(account=account, situation=payload.situation))
    )


@router.get("/situations/{id}", response=SituationOut, summary="One of my life situations")
def situation_get(request: HttpRequest, id: UUID) -> SituationOut:
    _citizen(request, READ)
    return _situation_out(selectors.situation_get_for(principal_of(request), id))


@router.get("/{id}", response=CaseOut, summary="An application, with its timeline")
def case_get(request: HttpRequest, id: UUID) -> CaseOut:
    return _case_out(selectors.case_get_for(_reader(request), id))


class EligibilityOut(Schema):
    eligible: bool
    explanation: list[str] = Field(description="why, clause by clause, in the caller's language")


@router.get("/{id}/eligibility", response=EligibilityOut,
            summary="Would I be eligible? (checked now, not kept)")  # fmt: skip
def case_eligibility(request: HttpRequest, id: UUID) -> EligibilityOut:
    """Reads my records through the exchange for this application (shown in my data
    tracker) and explains the outcome; the decision that counts is made on processing."""
    _citizen(request, READ)
    case = selectors.case_get_for(principal_of(request), id)
    preview = eligibility_preview(case, _language())
    return EligibilityOut(eligible=preview.eligible, explanation=preview.lines)


class AnswersIn(StrictIn):
    answers: Answers


@router.patch("/{id}", response=CaseOut, summary="Save a draft's answers",
              openapi_extra=_problems(409))  # fmt: skip
def case_save(request: HttpRequest, id: UUID, payload: AnswersIn) -> CaseOut:
    """Only the fields given change; ``null`` clears a field."""
    account, case = _own_case(request, id, WRITE)
    return _case_out(
        services.case_answers_save(case=case, answers=payload.answers, account=account)
    )


class FeeIn(StrictIn):
    return_url: str = Field(
        "", max_length=300, pattern=r"^(/[^\x00-\x20]*)?$",
        description="a path on this site to come back to after paying",
    )  # fmt: skip


@router.post("/{id}/fee", response={201: CaseFeeOut}, summary="Ask to pay the state fee",
             openapi_extra=_problems(409, 429))  # fmt: skip
def case_fee(request: HttpRequest, id: UUID, payload: FeeIn) -> Status[CaseFeeOut]:
    """Open ``pay_url`` to pay; the application can be submitted once the fee is paid."""
    account, case = _own_case(request, id, WRITE)
    payment = services.case_fee_request(case=case, account=account, return_url=payload.return_url)
    return Status(201, _fee_out(payment))


class SubmitIn(StrictIn):
    signature: UUID = Field(description="the id of my signature over submission_digest")


@router.post("/{id}/submit", response={202: CaseSummaryOut},
             summary="Submit a signed application", openapi_extra=_problems(409, 429))  # fmt: skip
def case_submit(request: HttpRequest, id: UUID, payload: SubmitIn) -> Status[CaseSummaryOut]:
    """Accepted for processing (202), with the application's number and deadline; its
    timeline (GET /cases/{id}) shows what happens next. The answer is kept short, as a
    surge of submissions is answered by it."""
    account = _citizen(request, WRITE)
    submitted = services.case_submit(case_id=id, signature=str(payload.signature), account=account)
    return Status(202, _summary_out(submitted))


class ProvideIn(StrictIn):
    answers: Answers = Field(default_factory=dict)
    note: str = Field("", max_length=2000, pattern=PLAIN_TEXT)


@router.post("/{id}/answer", response=CaseOut, summary="Answer an officer's request for more",
             openapi_extra=_problems(409, 429))  # fmt: skip
def case_answer(request: HttpRequest, id: UUID, payload: ProvideIn) -> CaseOut:
    account, case = _own_case(request, id, WRITE)
    return _case_out(
        services.case_info_provide(
            case=case, account=account, answers=payload.answers, note=payload.note
        )
    )


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000, pattern=PLAIN_TEXT)


@router.post("/{id}/withdraw", response=CaseOut, summary="Withdraw my application",
             openapi_extra=_problems(409, 429))  # fmt: skip
def case_withdraw(request: HttpRequest, id: UUID, payload: NoteIn) -> CaseOut:
    account, case = _own_case(request, id, WRITE)
    return _case_out(services.case_withdraw(case=case, account=account, note=payload.note))


# --- officers --------------------------------------------------------------------------


@router.post("/{id}/claim", response=CaseOut, summary="Officers: take an application",
             openapi_extra=_problems(403, 409, 429))  # fmt: skip
def case_claim(request: HttpRequest, id: UUID, payload: NoteIn) -> CaseOut:
    officer, case = _officer_case(request, id)
    return _case_out(services.case_claim(case=case, officer=officer, note=payload.note))


class AssignIn(StrictIn):
    officer: UUID = Field(description="the account id of an officer of the agency")


@router.post("/{id}/assign", response=CaseOut, summary="Heads of unit: assign an application",
             openapi_extra=_problems(403, 409, 429))  # fmt: skip
def case_assign(request: HttpRequest, id: UUID, payload: AssignIn) -> CaseOut:
    officer, case = _officer_case(request, id)
    to = Account.objects.filter(public_id=payload.officer).first()
    if to is None:
        raise Http404
    return _case_out(services.case_assign(case=case, officer=officer, to=to))


class DecisionDigestIn(StrictIn):
    decision: Literal["approve", "refuse"]
    text: str = Field("", max_length=2000, pattern=PLAIN_TEXT,
                      description="the approval's note or the refusal's reason")  # fmt: skip


class DigestOut(Schema):
    sha256: str = Field(description="sign these 32 bytes with /api/v1/trust")


@router.post("/{id}/decision-digest", response=DigestOut,
             summary="Officers: the digest to sign for an approval or a refusal",
             openapi_extra=_problems(403, 409, 429))  # fmt: skip
def case_decision_digest(request: HttpRequest, id: UUID, payload: DecisionDigestIn) -> DigestOut:
    """Binds the application as it stands, its step, the decision, its words and the
    officer. Sign it with your own certificate or your agency system's, then approve or
    refuse with the same words and the signature's id. Changes nothing."""
    officer, case = _officer_case(request, id)
    digest = services.case_decision_digest(
        case=case, officer=officer, decision=payload.decision, text=payload.text
    )
    return DigestOut(sha256=digest)


class ApproveIn(StrictIn):
    note: str = Field("", max_length=2000, pattern=PLAIN_TEXT)
    signature: UUID = Field(description="the id of my signature over the decision digest")


@router.post("/{id}/approve", response=CaseOut, summary="Officers: approve the current step",
             openapi_extra=_problems(403, 409, 429))  # fmt: skip
def case_approve(request: HttpRequest, id: UUID, payload: ApproveIn) -> CaseOut:
    officer, case = _officer_case(request, id)
    approved = services.case_approve(
        case=case, officer=officer, note=payload.note, signature=str(payload.signature)
    )
    return _case_out(approved)


class ReasonIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000, pattern=PLAIN_TEXT)
    signature: UUID = Field(description="the id of my signature over the decision digest")


@router.post("/{id}/refuse", response=CaseOut, summary="Officers: refuse, saying why",
             openapi_extra=_problems(403, 409, 429))  # fmt: skip
def case_refuse(request: HttpRequest, id: UUID, payload: ReasonIn) -> CaseOut:
    officer, case = _officer_case(request, id)
    refused = services.case_refuse(
        case=case, officer=officer, reason=payload.reason, signature=str(payload.signature)
    )
    return _case_out(refused)


class RequestIn(StrictIn):
    note: str = Field(min_length=1, max_length=2000, pattern=PLAIN_TEXT)


@router.post("/{id}/request-info", response=CaseOut,
             summary="Officers: ask the applicant for more (stops the clock)",
             openapi_extra=_problems(403, 409, 429))  # fmt: skip
def case_request_info(request: HttpRequest, id: UUID, payload: RequestIn) -> CaseOut:
    officer, case = _officer_case(request, id)
    return _case_out(services.case_request_info(case=case, officer=officer, note=payload.note))
