"""Pages and hooks of payments: the simulated bank's payment page, and the address where
a real provider sends its notifications."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from qyzmet.core import formatting
from qyzmet.core.errors import Problem, from_problem, problem_response
from qyzmet.payments.models import FeePayment, FeeStatus
from qyzmet.payments.providers import NotificationRejected, payment_provider
from qyzmet.payments.services import fee_payment_confirm
from qyzmet.payments.simulator import simulated_pay, simulated_payment

DECISIONS = {"pay": False, "decline": True}  # the button pressed: decline?


def local_path(url: str) -> bool:
    """A path on this site ("/..."), never another host, however the URL disguises one."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


def _page(
    request: HttpRequest, payment: FeePayment, *, outcome: str = "", status: int = 200
) -> HttpResponse:
    language = get_language() or "en"
    return render(
        request,
        "payments/simulator_pay.html",
        {
            "payment": payment,
            "amount": formatting.money(payment.amount, payment.currency, language),
            "awaiting": payment.status == FeeStatus.REQUESTED,
            "outcome": outcome,
            "return_url": payment.return_url if local_path(payment.return_url) else "",
        },
        status=status,
    )


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def simulator_pay(request: HttpRequest, reference: str) -> HttpResponse:
    """The simulated bank's payment page: the amount, the description, Pay and Decline."""
    payment = simulated_payment(reference)
    if request.method != "POST":
        return _page(request, payment)
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        return _page(request, payment, outcome=_("Choose Pay or Decline."), status=400)
    try:
        payment = simulated_pay(reference, decline=DECISIONS[decision])
    except Problem as problem:
        return _page(request, payment, outcome=problem.detail, status=problem.status)
    if local_path(payment.return_url):
        return redirect(payment.return_url)
    paid = payment.status == FeeStatus.PAID
    return _page(request, payment, outcome=_("Paid.") if paid else _("Payment declined."))


@csrf_exempt  # a server-to-server call, authenticated by the provider's own signature
@require_POST
def provider_notify(request: HttpRequest) -> HttpResponse:
    """A notification from the configured provider about one payment, verified by its
    adapter before anything is recorded; answers 200 once recorded (so it is not resent)."""
    try:
        body = request.body
    except RequestDataTooBig:
        return problem_response(request, 413, "The notification is too large.", code="too-large")
    try:
        notification = payment_provider().notification_verify(body, request.headers)
        payment = fee_payment_confirm(
            provider_reference=notification.reference,
            paid=notification.paid,
            actor="payment-provider",
        )
    except NotificationRejected as rejected:
        return problem_response(
            request, 400, f"The notification was rejected: {rejected}.", code="bad-notification"
        )
    except Problem as problem:
        return from_problem(request, problem)
    return JsonResponse({"reference": payment.provider_reference, "status": payment.status})
