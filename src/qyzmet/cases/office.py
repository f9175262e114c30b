"""The officer's back office: the queue of their agencies (filters, deadline colours that
also say it in words), and an application with the applicant, the answers and the history,
where the officer takes it, approves, refuses or asks for more. Forms only; every button
is reachable by keyboard, and the decision forms are in the order an officer uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from qyzmet.cases import selectors, services
from qyzmet.cases.models import Case, CaseStatus
from qyzmet.cases.pages import (
    account_of,
    answer_rows,
    language,
    local_date,
    local_time,
    page_for,
    problem_message,
    status_text,
    steps_of,
    timeline_of,
)
from qyzmet.cases.selectors import definition_of
from qyzmet.core.errors import Problem
from qyzmet.core.paging import page_number, page_of
from qyzmet.core.workdays import working_days_add
from qyzmet.identity.models import Account, Agency
from qyzmet.identity.selectors import Principal, principal_for
from qyzmet.registries.selectors import person_name_of
from qyzmet.trust.signing import signing_link


def _officer(request: HttpRequest) -> Principal | None:
    principal = principal_for(account_of(request))
    return principal if principal.is_officer else None


officer_page = page_for(_officer, "cases/officers_only.html")


@dataclass(frozen=True)
class Deadline:
    """How near the deadline is, as a colour and in words (never by colour alone)."""

    level: str  # overdue, due, ok, stopped
    text: str


def deadline_of(case: Case) -> Deadline:
    if case.paused_at is not None:
        return Deadline("stopped", _("Clock stopped: waiting for the applicant"))
    if case.deadline is None:
        return Deadline("ok", "")
    today = timezone.localdate()
    if case.deadline < today:
        return Deadline(
            "overdue", _("Overdue since %(date)s") % {"date": local_date(case.deadline)}
        )
    if case.deadline < working_days_add(today, 2):  # at most one working day left
        return Deadline("due", _("Due %(date)s") % {"date": local_date(case.deadline)})
    return Deadline("ok", _("Due %(date)s") % {"date": local_date(case.deadline)})


@dataclass(frozen=True)
class QueueRow:
    case: Case
    service_name: str
    step: str
    applicant: str
    deadline: Deadline
    escalated: bool
    mine: bool
    taken_by: str


def _applicant_name(case: Case) -> str:
    return person_name_of(case.applicant, language())


def _queue_row(case: Case, principal: Principal) -> QueueRow:
    definition = definition_of(case.version)
    step = definition.workflow[case.step] if case.step < len(definition.workflow) else None
    return QueueRow(
        case=case, service_name=definition.name.get(language()),
        step=step.title.get(language()) if step else "",
        applicant=_applicant_name(case), deadline=deadline_of(case),
        escalated=case.escalated_at is not None,
        mine=case.assigned_to_id == principal.account.pk,
        taken_by=str(case.assigned_to) if case.assigned_to else "",
    )  # fmt: skip


QUEUE_PAGE = 50  # rows a page: an officer works from the top; a phone shows a few


@officer_page
@never_cache
@require_safe
def queue(request: HttpRequest, principal: Principal) -> HttpResponse:
    """What waits for the officer's agencies: escalated first, then by deadline."""
    agency = request.GET.get("agency") or None
    if agency not in principal.agency_codes:
        agency = None
    mine = request.GET.get("mine") == "1"
    urgent = request.GET.get("urgent") == "1"
    queued = selectors.queue_of(principal, agency=agency, mine=mine)
    if urgent:
        queued = queued.filter(escalated_at__isnull=False)
    page = page_of(queued, number=page_number(request.GET.get("page", "")), size=QUEUE_PAGE)
    rows = [_queue_row(c, principal) for c in page.rows]
    filters = {k: v for k, v in (("agency", agency), ("mine", "1" if mine else ""),
                                 ("urgent", "1" if urgent else "")) if v}  # fmt: skip
    agencies = Agency.objects.filter(code__in=principal.agency_codes).order_by("code")
    name = f"name_{language()}"
    return render(
        request,
        "cases/office_queue.html",
        {
            "rows": rows,
            "agencies": [(a.code, getattr(a, name)) for a in agencies],
            "agency": agency or "",
            "mine": mine,
            "urgent": urgent,
            "first": page.first,
            "last": page.last,
            "previous": urlencode({**filters, "page": page.number - 1})
            if page.has_previous
            else "",
            "next": urlencode({**filters, "page": page.number + 1}) if page.has_next else "",
        },
    )


@officer_page
@never_cache
@require_safe
def office_case(request: HttpRequest, principal: Principal, case_id: UUID) -> HttpResponse:
    case = selectors.case_get_for(principal, case_id)
    definition = definition_of(case.version)
    waiting = case.queue_agency_id is not None and case.status in (
        CaseStatus.IN_PROGRESS, CaseStatus.WAITING_APPLICANT,
    )  # fmt: skip
    applicant = case.applicant
    return render(
        request,
        "cases/office_case.html",
        {
            "case": case,
            "name": definition.name.get(language()),
            "status": status_text(case),
            "deadline": deadline_of(case),
            "submitted": local_time(case.submitted_at) if case.submitted_at else "",
            "applicant_name": _applicant_name(case),
            "applicant_iin": applicant.iin,
            "steps": steps_of(case, definition),
            "timeline": timeline_of(case),
            "answers": answer_rows(case, definition),
            "waiting": waiting,
            "mine": case.assigned_to_id == principal.account.pk,
            "asked": case.status == CaseStatus.WAITING_APPLICANT,
        },
    )


ACTIONS = ("claim", "approve", "refuse", "request-info")
DONE = {
    "claim": gettext_lazy("You have taken application %(number)s."),
    "approve": gettext_lazy("Application %(number)s is approved and moves on."),
    "refuse": gettext_lazy("Application %(number)s is refused; the applicant is told why."),
    "request-info": gettext_lazy("The applicant of %(number)s is asked; the clock is stopped."),
}
SIGNED_AS = {
    "approve": gettext_lazy("Approval of application %(number)s"),
    "refuse": gettext_lazy("Refusal of application %(number)s"),
}


def _pending_key(case_id: UUID, action: str) -> str:
    """Where the session keeps a decision's words while the officer signs it."""
    return f"qyzmet.office.decision:{case_id}:{action}"


@officer_page
@never_cache
@require_http_methods(["GET", "POST"])
def office_act(
    request: HttpRequest, principal: Principal, case_id: UUID, action: str
) -> HttpResponse:
    """One act on an application. Taking it and asking for more are one press. Approving
    and refusing are signed: the first POST sends the officer to sign the decision (its
    words wait in the session), they come back here (GET) with the signature, and one
    press decides. Afterwards the officer is back at the case, or at the queue when it
    has left their hands."""
    if action not in ACTIONS:
        return render(request, "portal/errors/404.html", status=404)
    case = selectors.case_ref_for(principal, case_id)
    officer = principal.account
    signature = (request.POST.get("signature") or request.GET.get("signature") or "").strip()
    if request.method == "GET":  # only back from signing; nothing is done by a GET
        if action in services.DECISIONS:
            return _decision_confirm(request, case, action, signature)
        return redirect("cases:office-case", case_id=case_id)
    text = request.POST.get("text", "").strip()[:2000]
    if action in services.DECISIONS and signature:
        text = request.session.get(_pending_key(case_id, action), "")  # the words signed
    try:
        if action in services.DECISIONS and not signature:
            return _decision_sign(request, case, officer, action, text)
        if action == "claim":
            case = services.case_claim(case=case, officer=officer)
        elif action == "approve":
            case = services.case_approve(case=case, officer=officer, note=text, signature=signature)
        elif action == "refuse":
            case = services.case_refuse(
                case=case, officer=officer, reason=text, signature=signature
            )
        elif action == "request-info":
            case = services.case_request_info(case=case, officer=officer, note=text)
    except Problem as problem:
        messages.error(request, problem_message(problem))
        return redirect("cases:office-case", case_id=case_id)
    request.session.pop(_pending_key(case_id, action), None)
    messages.success(request, str(DONE[action]) % {"number": case.number})
    if action == "claim":
        return redirect("cases:office-case", case_id=case_id)
    return redirect("cases:office-queue")


def _decision_sign(
    request: HttpRequest, case: Case, officer: Account, action: str, text: str
) -> HttpResponse:
    """Off to sign the decision over its digest; the words wait in the session."""
    digest = services.case_decision_digest(case=case, officer=officer, decision=action, text=text)
    request.session[_pending_key(case.public_id, action)] = text
    back = reverse("cases:office-act", kwargs={"case_id": case.public_id, "action": action})
    description = str(SIGNED_AS[action]) % {"number": case.number}
    return redirect(
        signing_link(account=officer, sha256=digest, description=description, next_url=back)
    )


def _decision_confirm(
    request: HttpRequest, case: Case, action: str, signature: str
) -> HttpResponse:
    """Back from signing: the decision as signed, and the button that makes it."""
    text = request.session.get(_pending_key(case.public_id, action))
    if text is None or not signature:
        return redirect("cases:office-case", case_id=case.public_id)
    return render(
        request,
        "cases/office_decide.html",
        {
            "case": case,
            "action": action,
            "title": str(SIGNED_AS[action]) % {"number": case.number},
            "text": text,
            "signature": signature,
        },
    )
