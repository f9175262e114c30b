"""/api/v1/payments: the state fees asked of the calling citizen.

A fee is visible to its payer only: every other caller (another citizen, an officer, the
operator) gets an empty list and a 404 for any single fee.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Router, Schema
from pydantic import Field

from qyzmet.core import formatting
from qyzmet.core.inputs import StrictIn
from qyzmet.identity.authentication import ANY_AUTH, principal_of
from qyzmet.identity.selectors import Principal
from qyzmet.identity.services import actor_of
from qyzmet.messaging.services import notification_queue_for
from qyzmet.payments import selectors
from qyzmet.payments.models import FeePayment, FeeStatus
from qyzmet.payments.payouts import payout_account_set

router = Router(tags=["payments"], auth=ANY_AUTH)

READ = "payments:read"


def _payer(principal: Principal) -> int | None:
    """Whose fees the caller may see: their own person's, or nobody's."""
    return principal.person_id if principal.allows(READ) else None


class FeePaymentOut(Schema):
    id: UUID
    purpose: str = Field(description="what the fee is for, as the service that asked names it")
    description: str
    amount: int = Field(description="in minor units (tiyn for KZT)")
    currency: str
    amount_text: str = Field(description="the amount as people read it, in the request's language")
    status: FeeStatus
    pay_url: str | None = Field(description="where to pay; only while awaiting payment")
    created_at: datetime
    paid_at: datetime | None


def _fee_out(payment: FeePayment) -> FeePaymentOut:
    awaiting = payment.status == FeeStatus.REQUESTED
    return FeePaymentOut(
        id=payment.public_id,
        purpose=payment.purpose,
        description=payment.description,
        amount=payment.amount,
        currency=payment.currency,
        amount_text=formatting.money(payment.amount, payment.currency, get_language() or "en"),
        status=FeeStatus(payment.status),
        pay_url=payment.pay_url if awaiting else None,
        created_at=payment.created_at,
        paid_at=payment.paid_at,
    )


@router.get("/fees", response=list[FeePaymentOut], summary="My state fees")
def fees_list(request: HttpRequest) -> list[FeePaymentOut]:
    """Newest first."""
    payer = _payer(principal_of(request))
    return [_fee_out(payment) for payment in selectors.fees_of(payer)] if payer else []


@router.get("/fees/{id}", response=FeePaymentOut, summary="One of my state fees")
def fee_get(request: HttpRequest, id: UUID) -> FeePaymentOut:
    return _fee_out(selectors.fee_get_for_payer(_payer(principal_of(request)), id))


WRITE = "payments:write"


class PayoutAccountIn(StrictIn):
    iban: str = Field(min_length=15, max_length=34, description="KZ and 18 characters")
    bic: str = Field(pattern=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", description="the bank's BIC")


class PayoutAccountOut(Schema):
    iban: str
    bic: str
    source: str = Field(description="known (from earlier state payments) or person")
    created_at: datetime


@router.put("/payout-account", response=PayoutAccountOut,
            summary="The account my state payments go to")  # fmt: skip
def payout_account_put(request: HttpRequest, payload: PayoutAccountIn) -> PayoutAccountOut:
    """Becomes the account every later payment goes to; payments a bank rejected (a closed
    account, say) are sent again to it."""
    principal = principal_of(request)
    person = principal.account.person if principal.person_id is not None else None
    if person is None or not principal.allows(WRITE):
        raise Http404
    account = payout_account_set(person=person, iban=payload.iban, bic=payload.bic,
                                 actor=actor_of(principal.account))  # fmt: skip
    # The person is told at once, whoever made the change (a bank app acting for them).
    notification_queue_for(
        key=f"payout-account:{account.pk}:{timezone.now().isoformat()}",
        template="payout-account-changed", context={"account": account.iban[-4:]},
        account=principal.account, actor=actor_of(principal.account),
    )  # fmt: skip
    return PayoutAccountOut(iban=account.iban, bic=account.bic, source=account.source,
                            created_at=account.created_at)  # fmt: skip
