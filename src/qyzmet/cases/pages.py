"""The citizen's application pages: start an application or a life situation, fill it in
(a draft kept on the server, saved on every step), check it, sign it and submit it; then
follow it on its page (steps, timeline, result, answering an officer's question).

They call the same services as /api/v1/cases, so a draft started in a bank's app can be
finished here and the other way round. No page needs JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qyzmet.cases import selectors, services
from qyzmet.cases.answers import answers_problems
from qyzmet.cases.forms import AnswersForm
from qyzmet.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseStatus, EventKind
from qyzmet.cases.selectors import definition_of, situation_definition_of
from qyzmet.catalog.definitions import ServiceDefinition
from qyzmet.catalog.selectors import NotInCatalogue
from qyzmet.core import formatting
from qyzmet.core.errors import Problem
from qyzmet.identity.models import Account, AccountKind
from qyzmet.identity.selectors import principal_for
from qyzmet.payments.selectors import fee_is_paid
from qyzmet.trust.signing import signing_link

P = ParamSpec("P")
T = TypeVar("T")

# --- shared by the citizen's and the officer's pages -----------------------------------


def language() -> str:
    current = (get_language() or "kk")[:2]
    return current if current in ("kk", "ru", "en") else "kk"


def account_of(request: HttpRequest) -> Account:
    user = request.user
    if not isinstance(user, Account):
        raise PermissionDenied
    return user


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    day = timezone.localdate(value) if isinstance(value, datetime) else value
    return formatting.long_date(day, language())


def local_time(value: datetime) -> str:
    return f"{local_date(value)}, {timezone.localtime(value):%H:%M}"


@dataclass(frozen=True)
class StepRow:
    title: str
    by_officer: bool
    state: str  # done, current, waiting


@dataclass(frozen=True)
class EventRow:
    at: str
    at_iso: str
    label: str
    note: str
    signed: bool = False  # an officer's decision, signed (decisions/0014)


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: str
    source: str  # the register it was read from, or ""


def steps_of(case: Case, definition: ServiceDefinition) -> list[StepRow]:
    closed = case.status == CaseStatus.COMPLETED
    rows = []
    for index, step in enumerate(definition.workflow):
        if closed or index < case.step:
            state = "done"
        elif index == case.step and case.status in OPEN_STATUSES:
            state = "current"
        else:
            state = "waiting"
        rows.append(StepRow(step.title.get(language()), step.by == "officer", state))
    return rows


def timeline_of(case: Case) -> list[EventRow]:
    events: list[CaseEvent] = list(case.events.order_by("at", "pk"))
    return [
        EventRow(
            at=local_time(e.at),
            at_iso=e.at.isoformat(),
            label=str(EventKind(e.kind).label).capitalize(),
            note=e.note,
            signed=e.signature_id is not None,
        )
        for e in events
    ]


def answer_rows(case: Case, definition: ServiceDefinition) -> list[AnswerRow]:
    """The answers as the applicant gave them, in the form's order and words."""
    rows = []
    for name, ui in definition.form.ui.items():
        value = case.answers.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            text = _("Yes") if value else _("No")
        elif ui.options and str(value) in ui.options:
            text = ui.options[str(value)].get(language())
        elif ui.widget == "date" and isinstance(value, str):
            try:
                text = local_date(date.fromisoformat(value))
            except ValueError:
                text = value
        else:
            text = str(value)
        source = case.prefilled.get(name, {}).get("service", "")
        rows.append(AnswerRow(ui.label.get(language()), text, source))
    return rows


def status_text(case: Case) -> str:
    if case.locked:
        return _("Opens when the earlier steps are done")
    return str(CaseStatus(case.status).label).capitalize()


def problem_message(problem: Problem) -> str:
    return str(problem.detail)


# --- the citizen's pages ---------------------------------------------------------------


def citizen_of(request: HttpRequest) -> Account | None:
    """The logged-in citizen's account (with their person); None for anyone else."""
    account = account_of(request)
    if account.kind != AccountKind.CITIZEN or account.person_id is None:
        return None
    return account


def _own_case(request: HttpRequest, account: Account, case_id: UUID) -> Case:
    return selectors.case_get_for(principal_for(account), case_id)


def page_for(
    who: Callable[[HttpRequest], T | None], refusal: str
) -> Callable[[Callable[Concatenate[HttpRequest, T, P], HttpResponse]],
              Callable[Concatenate[HttpRequest, P], HttpResponse]]:  # fmt: skip
    """A decorator of pages for one kind of person: after the login, the view is called
    with what ``who`` finds of them (their account, their principal); anyone else is
    shown ``refusal``, a page saying plainly whom this page is for."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, T, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def page(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            found = who(request)
            if found is None:
                return render(request, refusal, status=403)
            return view(request, found, *args, **kwargs)

        logged_in: Callable[Concatenate[HttpRequest, P], HttpResponse] = login_required(page)
        return logged_in

    return decorate


citizen_page = page_for(citizen_of, "cases/citizens_only.html")


@citizen_page
@require_POST
def case_start(request: HttpRequest, account: Account, code: str) -> HttpResponse:
    """Start an application for the service ``code`` and go to its form."""
    try:
        case = services.case_open(account=account, service=code)
    except NotInCatalogue:
        raise Http404 from None
    except Problem as problem:
        messages.error(request, problem_message(problem))
        return redirect("catalog:service", code=code)
    return redirect("cases:case", case_id=case.public_id)


@citizen_page
@require_POST
def situation_start(request: HttpRequest, account: Account, code: str) -> HttpResponse:
    try:
        situation = services.situation_open(account=account, situation=code)
    except NotInCatalogue:
        raise Http404 from None
    except Problem as problem:
        messages.error(request, problem_message(problem))
        return redirect("catalog:situation", code=code)
    return redirect("cases:situation", situation_id=situation.public_id)


@dataclass(frozen=True)
class CaseCard:
    case: Case
    service_name: str
    status: str
    deadline: str
    needs_me: bool  # a draft to finish or a question to answer


def _card(case: Case) -> CaseCard:
    definition = definition_of(case.version)
    return CaseCard(
        case=case, service_name=definition.name.get(language()), status=status_text(case),
        deadline=local_date(case.deadline),
        needs_me=not case.locked
        and case.status in (CaseStatus.DRAFT, CaseStatus.WAITING_APPLICANT),
    )  # fmt: skip


@citizen_page
@never_cache
@require_safe
def my_cases(request: HttpRequest, account: Account) -> HttpResponse:
    """My applications, newest first, and my life situations with their steps."""
    person_id = account.person_id or 0
    situations = [
        (s, situation_definition_of(s.version).name.get(language()))
        for s in selectors.situations_of(person_id)[:20]
    ]
    cases = [_card(c) for c in selectors.cases_of_applicant(person_id)[:100]]
    return render(request, "cases/my_cases.html", {"cases": cases, "situations": situations})


@citizen_page
@never_cache
@require_safe
def situation_page(request: HttpRequest, account: Account, situation_id: UUID) -> HttpResponse:
    situation = selectors.situation_get_for(principal_for(account), situation_id)
    definition = situation_definition_of(situation.version)
    order = {s.service: i for i, s in enumerate(definition.steps)}
    cases = sorted(situation.cases.all(), key=lambda c: order.get(c.situation_step, 99))
    return render(
        request,
        "cases/situation.html",
        {
            "situation": situation,
            "name": definition.name.get(language()),
            "summary": definition.summary.get(language()),
            "cards": [_card(c) for c in cases],
        },
    )


def _draft_page(
    request: HttpRequest,
    case: Case,
    definition: ServiceDefinition,
    form: AnswersForm,
    *,
    status: int = 200,
) -> HttpResponse:
    fixed = [
        AnswerRow(definition.form.ui[name].label.get(language()), str(p["value"]), p["service"])
        for name, p in case.prefilled.items()
        if not p["editable"] and name in definition.form.ui
    ]
    rows = [(form[name], form.problems.get(name, [])) for name in form.fields]
    return render(
        request,
        "cases/draft.html",
        {
            "case": case,
            "name": definition.name.get(language()),
            "help": definition.help.get(language()) if definition.help else "",
            "fixed": fixed,
            "rows": rows,
            "problem_count": sum(len(p) for p in form.problems.values()),
            "stage": 1,
        },
        status=status,
    )


def _problems_by_field(case: Case, definition: ServiceDefinition) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in answers_problems(definition.form, case.answers, language()):
        found.setdefault(problem.field, []).append(problem.message)
    return found


def _answers_form(
    case: Case, definition: ServiceDefinition, *, data: Any = None, show_problems: bool = False
) -> AnswersForm:
    fixed = {name for name, p in case.prefilled.items() if not p["editable"]}
    problems = _problems_by_field(case, definition) if show_problems else None
    return AnswersForm(
        definition.form, language=language(), answers=case.answers, fixed=fixed, data=data,
        problems=problems,
    )  # fmt: skip


@citizen_page
@never_cache
@require_http_methods(["GET", "POST"])
def case_page(request: HttpRequest, account: Account, case_id: UUID) -> HttpResponse:
    """A draft's form (saved on every post; "continue" checks it), or where the
    application stands."""
    case = _own_case(request, account, case_id)
    definition = definition_of(case.version)
    if case.status != CaseStatus.DRAFT or case.locked:
        if request.method == "POST":
            messages.error(request, _("This application can no longer be changed."))
        return _status_page(request, case, definition)
    if request.method == "GET":
        return _draft_page(request, case, definition, _answers_form(case, definition))
    sent = _answers_form(case, definition, data=request.POST)
    try:
        case = services.case_answers_save(case=case, answers=sent.answers(), account=account)
    except Problem as problem:
        messages.error(request, problem_message(problem))
        return _draft_page(request, case, definition, sent, status=problem.status)
    if request.POST.get("go") != "check":
        messages.success(request, _("Your answers are saved. You can come back to them later."))
        return redirect("cases:case", case_id=case.public_id)
    form = _answers_form(case, definition, show_problems=True)
    if form.problems or _problems_by_field(case, definition):
        return _draft_page(request, case, definition, form, status=422)
    return redirect("cases:check", case_id=case.public_id)


def _status_page(request: HttpRequest, case: Case, definition: ServiceDefinition) -> HttpResponse:
    info_form = (
        _answers_form(case, definition) if case.status == CaseStatus.WAITING_APPLICANT else None
    )
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "name": definition.name.get(language()),
            "status": status_text(case),
            "deadline": local_date(case.deadline),
            "submitted": local_time(case.submitted_at) if case.submitted_at else "",
            "steps": steps_of(case, definition),
            "timeline": timeline_of(case),
            "answers": answer_rows(case, definition),
            "info_form": info_form,
            "withdrawable": case.status
            in (CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_APPLICANT),
        },
    )


@citizen_page
@never_cache
@require_safe
def case_check(request: HttpRequest, account: Account, case_id: UUID) -> HttpResponse:
    """Step 2: the answers to check, the fee to pay, and the button that signs them."""
    case = _own_case(request, account, case_id)
    if case.status != CaseStatus.DRAFT or case.locked:
        return redirect("cases:case", case_id=case.public_id)
    definition = definition_of(case.version)
    if _problems_by_field(case, definition):
        return redirect("cases:case", case_id=case.public_id)
    fee_paid = not definition.fee or fee_is_paid(services.fee_purpose(case))
    description = f"{case.number} · {definition.name.get(language())}"
    sign_url = signing_link(
        account=account, sha256=services.submission_digest(case), description=description,
        next_url=reverse("cases:submit", kwargs={"case_id": case.public_id}),
    )  # fmt: skip
    return render(
        request,
        "cases/check.html",
        {
            "case": case,
            "name": definition.name.get(language()),
            "answers": answer_rows(case, definition),
            "fee": formatting.money(definition.fee, "KZT", language()) if definition.fee else "",
            "fee_paid": fee_paid,
            "deadline_days": definition.deadline_working_days,
            "sign_url": sign_url,
            "stage": 2,
        },
    )


@citizen_page
@require_POST
def case_fee(request: HttpRequest, account: Account, case_id: UUID) -> HttpResponse:
    """Go to the payment provider's page for the state fee; it brings the person back."""
    case = _own_case(request, account, case_id)
    back = reverse("cases:check", kwargs={"case_id": case.public_id})
    try:
        payment = services.case_fee_request(case=case, account=account, return_url=back)
    except Problem as problem:
        messages.error(request, problem_message(problem))
        return redirect("cases:case", case_id=case.public_id)
    return HttpResponseRedirect(payment.pay_url)  # the same payment on a second press


@citizen_page
@never_cache
@require_http_methods(["GET", "POST"])
def case_submit(request: HttpRequest, account: Account, case_id: UUID) -> HttpResponse:
    """Step 3: back from signing with ``?signature=<id>``; one press submits."""
    case = _own_case(request, account, case_id)
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:case", case_id=case.public_id)
    signature = (request.POST.get("signature") or request.GET.get("signature") or "").strip()
    definition = definition_of(case.version)
    if request.method == "POST":
        try:
            services.case_submit(case_id=case.public_id, signature=signature, account=account)
        except Problem as problem:
            messages.error(request, problem_message(problem))
            return redirect("cases:check", case_id=case.public_id)
        messages.success(
            request,
            _("Application %(number)s is submitted. We will text you when it moves on.")
            % {"number": case.number},
        )
        return redirect("cases:case", case_id=case.public_id)
    return render(
        request,
        "cases/submit.html",
        {"case": case, "name": definition.name.get(language()), "signature": signature,
         "stage": 3},
    )  # fmt: skip


@citizen_page
@require_POST
def case_answer(request: HttpRequest, account: Account, case_id: UUID) -> HttpResponse:
    """Answer an officer's request for more: changed answers and a note."""
    case = _own_case(request, account, case_id)
    definition = definition_of(case.version)
    sent = _answers_form(case, definition, data=request.POST)
    changed = {
        k: v for k, v in sent.answers().items() if v is not None and v != case.answers.get(k)
    }
    note = request.POST.get("note", "").strip()[:2000]
    try:
        services.case_info_provide(case=case, account=account, answers=changed, note=note)
    except Problem as problem:
        messages.error(request, problem_message(problem))
    else:
        messages.success(request, _("Your answer is sent to the officer."))
    return redirect("cases:case", case_id=case.public_id)


@citizen_page
@require_POST
def case_withdraw(request: HttpRequest, account: Account, case_id: UUID) -> HttpResponse:
    case = _own_case(request, account, case_id)
    try:
        services.case_withdraw(case=case, account=account)
    except Problem as problem:
        messages.error(request, problem_message(problem))
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect("cases:case", case_id=case.public_id)
