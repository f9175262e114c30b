"""Pages: a citizen's offers and payments from programmes (answer, apply), and the
operator's status of each programme (counts per stage, refusals by reason, money paid
against the budget), server-rendered with no script."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from qyzmet.core import formatting
from qyzmet.core.errors import Problem
from qyzmet.identity.models import Account, AccountKind
from qyzmet.payments.models import OrderStatus
from qyzmet.programmes import selectors, services
from qyzmet.programmes.models import Offer, OfferStatus, Programme

APPEAL_GROUNDS_MIN, APPEAL_GROUNDS_MAX = 10, 2000  # as the appeal service's form says


def _language() -> str:
    language = get_language() or "en"
    return language if language in ("kk", "ru", "en") else "en"


def _account(request: HttpRequest) -> Account:
    user = request.user
    if not isinstance(user, Account):
        raise PermissionDenied
    return user


# --- the citizen's ---------------------------------------------------------------------


@dataclass(frozen=True)
class OfferCard:
    code: str
    name: str
    status: str
    answerable: bool
    explanation: list[str]
    payment: str  # the amount and what became of it, or ""
    payment_ok: bool
    application: str
    appealable: bool
    appeal: str  # the appeal's number and where it stands, or ""


def _offer_card(offer: Offer, language: str) -> OfferCard:
    definition = services.definition_of(offer.programme)
    order = selectors.order_of(offer)
    payment = ""
    if order is not None:
        amount = formatting.money(order.amount, "KZT", language)
        account = f"…{order.iban[-4:]}"
        payment = gettext("%(amount)s to the account %(account)s: %(status)s") % {
            "amount": amount, "account": account, "status": order.get_status_display(),
        }  # fmt: skip
        if order.status == OrderStatus.REJECTED:
            payment += " (" + gettext("the bank's reason: %(code)s") % {"code": order.reason} + ")"
    return OfferCard(
        code=offer.programme.code, name=definition.name.get(language),
        status=str(OfferStatus(offer.status).label),
        answerable=offer.status in (OfferStatus.ELIGIBLE, OfferStatus.OFFERED),
        explanation=(offer.explanation or {}).get(language, []), payment=payment,
        payment_ok=order is not None and order.status == OrderStatus.PAID,
        application=offer.case.number if offer.case else "",
        appealable=(offer.status == OfferStatus.REFUSED and offer.appeal_id is None
                    and definition.appeal is not None),
        appeal=(f"{offer.appeal.number}: {offer.appeal.get_status_display()}"
                if offer.appeal else ""),
    )  # fmt: skip


@login_required
@never_cache
@require_safe
def my_programmes(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    if account.kind != AccountKind.CITIZEN or account.person_id is None:
        return render(request, "programmes/citizens_only.html", status=403)
    language = _language()
    offers = list(selectors.offers_of(account.person_id))
    have = {offer.programme_id for offer in offers}
    today = timezone.localdate()
    open_to_apply = []
    for programme in Programme.objects.order_by("code"):
        definition = services.definition_of(programme)
        if (programme.pk not in have and definition.trigger == "run"
                and "portal" in definition.channels and definition.open_on(today)):  # fmt: skip
            open_to_apply.append((programme.code, definition.name.get(language),
                                  definition.summary.get(language)))  # fmt: skip
    return render(request, "programmes/my.html", {
        "cards": [_offer_card(offer, language) for offer in offers],
        "open_to_apply": open_to_apply,
    })  # fmt: skip


def _own_offer(request: HttpRequest, code: str) -> Offer:
    account = _account(request)
    offer = selectors.offers_of(account.person_id).filter(programme__code=code).first()
    if account.kind != AccountKind.CITIZEN or offer is None:
        raise Http404
    return offer


@login_required
@require_POST
def answer(request: HttpRequest, code: str) -> HttpResponse:
    offer = _own_offer(request, code)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, gettext("Choose to accept or to decline."))
        return redirect("programmes:my")
    accept = answer == "accept"
    try:
        services.offer_answer(offer=offer, accept=accept, channel="portal",
                              reference=f"portal:{_account(request).public_id}")  # fmt: skip
    except Problem as problem:
        messages.error(request, problem.detail)
    else:
        messages.success(request, gettext("Thank you: your answer is recorded."))
    return redirect("programmes:my")


@login_required
@require_POST
def apply(request: HttpRequest, code: str) -> HttpResponse:
    account = _account(request)
    if account.kind != AccountKind.CITIZEN or account.person is None:
        raise Http404
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        raise Http404
    try:
        services.programme_apply(programme=programme, person=account.person, channel="portal")
    except Problem as problem:
        messages.error(request, problem.detail)
    return redirect("programmes:my")


@login_required
@require_POST
def appeal(request: HttpRequest, code: str) -> HttpResponse:
    offer = _own_offer(request, code)
    grounds = request.POST.get("grounds", "").strip()
    if len(grounds) < APPEAL_GROUNDS_MIN:
        messages.error(request, gettext("Say in a sentence or two why the decision is wrong."))
        return redirect("programmes:my")
    try:
        case = services.offer_appeal(
            offer=offer, account=_account(request), grounds=grounds[:APPEAL_GROUNDS_MAX],
            channel="portal",
        )  # fmt: skip
    except Problem as problem:
        messages.error(request, problem.detail)
    else:
        messages.success(request, gettext(
            "Your appeal is filed as application %(number)s; an officer reviews it and you "
            "will be told the outcome."
        ) % {"number": case.number})  # fmt: skip
    return redirect("programmes:my")


# --- the operator's --------------------------------------------------------------------


def _operator(request: HttpRequest) -> None:
    if _account(request).kind != AccountKind.OPERATOR:
        raise Http404


@login_required
@never_cache
@require_safe
def operator_programmes(request: HttpRequest) -> HttpResponse:
    _operator(request)
    language = _language()
    rows = []
    for programme in Programme.objects.order_by("code").select_related("disbursement"):
        status = selectors.programme_status(programme)
        rows.append({
            "code": programme.code,
            "name": services.definition_of(programme).name.get(language),
            "offers": formatting.integer(sum(status.offers.values()), language),
            "paid": formatting.money(status.money.paid, "KZT", language) if status.money else "",
            "stage": status.run.get_stage_display() if status.run else "",
            "paused": programme.paused_at is not None,
        })  # fmt: skip
    return render(request, "programmes/operator_list.html", {"rows": rows})


@login_required
@never_cache
@require_safe
def operator_programme(request: HttpRequest, code: str) -> HttpResponse:
    _operator(request)
    language = _language()
    programme = (
        Programme.objects.select_related("disbursement", "rule_version").filter(code=code).first()
    )
    if programme is None:
        raise Http404
    status = selectors.programme_status(programme)
    offers = [(str(OfferStatus(s).label), n) for s, n in sorted(status.offers.items())]
    money = status.money
    orders: list[tuple[str, int]] = []
    budget: list[formatting.Bar] = []
    if money is not None:
        orders = [(str(OrderStatus(s).label), n) for s, (n, _a) in sorted(money.by_status.items())]
        cap = money.cap or 1
        budget = [
            formatting.Bar(gettext("Paid"), formatting.money(money.paid, "KZT", language),
                round(100 * money.paid / cap)),
            formatting.Bar(gettext("Committed"), formatting.money(money.committed, "KZT", language),
                round(100 * money.committed / cap)),
            formatting.Bar(gettext("Budget"), formatting.money(money.cap, "KZT", language), 100),
        ]  # fmt: skip
    return render(request, "programmes/operator_programme.html", {
        "code": code,
        "name": services.definition_of(programme).name.get(language),
        "run": status.run,
        "offers": formatting.bars(offers, language),
        "refusals": formatting.bars(status.refusals, language),
        "orders": formatting.bars(orders, language),
        "budget": budget,
        "files": status.files,
        "paused": programme.paused_at is not None,
    })  # fmt: skip
