"""The simulated bank's side of a payment: what its page does when the payer decides.

Served only while no real provider is configured (``QYZMET_PAYMENT_PROVIDER`` empty), so a
deployment with a real bank has no page that could mark a fee paid.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from qyzmet.core.errors import Problem
from qyzmet.payments.models import FeePayment, FeeStatus
from qyzmet.payments.providers import SIMULATOR_PREFIX, simulator_active
from qyzmet.payments.selectors import fee_by_reference
from qyzmet.payments.services import fee_payment_confirm

SIMULATOR_ACTOR = "simulator:bank"


def simulated_payment(reference: str) -> FeePayment:
    """The payment the simulated bank knows by ``reference``; 404 for any other."""
    found = (
        fee_by_reference(reference)
        if simulator_active() and reference.startswith(SIMULATOR_PREFIX)
        else None
    )
    if found is None:
        raise Http404
    return found


@transaction.atomic
def simulated_pay(reference: str, *, decline: bool = False) -> FeePayment:
    """Pay (or decline) on the simulated bank's page: the provider reports the outcome
    through the same service a real provider's notification reaches. Only a payment
    awaiting payment can be paid or declined (409 otherwise)."""
    payment = simulated_payment(reference)
    # Locked, so that "Pay" and "Decline" sent at once cannot both pass this check.
    payment = FeePayment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != FeeStatus.REQUESTED:
        raise Problem(409, _("This payment is not awaiting payment."), code="not-awaiting-payment")
    return fee_payment_confirm(
        provider_reference=reference, paid=not decline, actor=SIMULATOR_ACTOR
    )
