"""State fees paid by citizens: ask for a fee, record what the provider reports, cancel.

The payments app knows a fee only by the ``purpose`` string its caller gives (such as
``case:<uuid>``); it never imports the caller. Each fee is recorded in one row per
purpose, so asking twice is harmless, and every change is audited in its transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.identity.models import Person
from qyzmet.payments.models import FeePayment, FeeStatus
from qyzmet.payments.providers import payment_provider

OBJECT_TYPE = "fee-payment"
# A fee that failed or was cancelled may be asked for again: it starts over.
RESTARTABLE = (FeeStatus.FAILED, FeeStatus.CANCELLED)


def _audit(payment: FeePayment, *, actor: str, action: str, **data: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=str(payment.public_id),
        data={"purpose": payment.purpose, "status": payment.status, **data},
    )


def _check_request(*, purpose: str, amount: int, description: str, return_url: str) -> None:
    if not 0 < len(purpose) <= 200:
        raise Problem(422, _("A fee needs a purpose of 1 to 200 characters."), code="bad-purpose")
    if amount <= 0:
        raise Problem(422, _("A fee must be a positive amount."), code="bad-amount")
    if not 0 < len(description) <= 200:
        raise Problem(
            422, _("A fee needs a description of 1 to 200 characters."), code="bad-description"
        )
    if len(return_url) > 500:
        raise Problem(422, _("The return address is too long."), code="bad-return-url")


def _start(payment: FeePayment, *, actor: str) -> FeePayment:
    """Give the payment a fresh provider reference and payment page, awaiting payment."""
    reference, pay_url = payment_provider().create(payment)
    payment.provider_reference, payment.pay_url = reference, pay_url
    payment.status, payment.paid_at = FeeStatus.REQUESTED, None
    payment.save(update_fields=["provider_reference", "pay_url", "status", "paid_at"])
    _audit(
        payment,
        actor=actor,
        action="payments.fee.request",
        amount=payment.amount,
        currency=payment.currency,
        payer=payment.payer.iin,
        reference=reference,
    )
    return payment


@transaction.atomic
def fee_request(
    *,
    purpose: str,
    payer: Person,
    amount: int,
    description: str,
    return_url: str = "",
    actor: str,
) -> FeePayment:
    """The fee for ``purpose``, asked of ``payer``; the provider gives it a payment page.

    Idempotent on ``purpose``: a fee already awaiting payment or paid is returned as it is.
    A failed or cancelled one starts again under a new provider reference (with this
    ``return_url``). The same purpose with another amount or payer is a 409."""
    _check_request(purpose=purpose, amount=amount, description=description, return_url=return_url)
    payment = FeePayment.objects.select_for_update().filter(purpose=purpose).first()
    if payment is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent request may win the insert
                payment = FeePayment.objects.create(
                    purpose=purpose,
                    payer=payer,
                    amount=amount,
                    description=description,
                    return_url=return_url,
                )
        except IntegrityError:
            payment = FeePayment.objects.select_for_update().get(purpose=purpose)
        else:
            return _start(payment, actor=actor)
    if payment.amount != amount or payment.payer_id != payer.pk:
        raise Problem(
            409,
            _("A different fee has already been asked for this purpose."),
            code="fee-conflict",
        )
    if payment.status in RESTARTABLE:
        payment.return_url = return_url
        payment.save(update_fields=["return_url"])
        return _start(payment, actor=actor)
    return payment


@transaction.atomic
def fee_payment_confirm(*, provider_reference: str, paid: bool, actor: str) -> FeePayment:
    """Record what the provider reports about the payment under ``provider_reference``.

    Idempotent: a paid fee stays paid whatever arrives later (a late decline changes
    nothing). A decline marks a fee awaiting payment failed; it may then be asked again.
    A payment reported for a cancelled or failed fee is recorded as paid: the money was
    taken, and the record must say so. An unknown reference is a 404."""
    payment = (
        FeePayment.objects.select_for_update()
        .select_related("payer")
        .filter(provider_reference=provider_reference)
        .first()
        if provider_reference
        else None
    )
    if payment is None:
        raise Problem(404, _("No payment has this reference."), code="unknown-reference")
    if payment.status == FeeStatus.PAID:
        return payment
    if paid:
        was = payment.status
        payment.status, payment.paid_at = FeeStatus.PAID, timezone.now()
        payment.save(update_fields=["status", "paid_at"])
        _audit(
            payment, actor=actor, action="payments.fee.paid", reference=provider_reference, was=was
        )
    elif payment.status == FeeStatus.REQUESTED:
        payment.status = FeeStatus.FAILED
        payment.save(update_fields=["status"])
        _audit(payment, actor=actor, action="payments.fee.failed", reference=provider_reference)
    return payment


@transaction.atomic
def fee_cancel(*, purpose: str, actor: str) -> FeePayment | None:
    """Stop waiting for the fee of ``purpose`` (its application was withdrawn before it was
    paid). None if no fee was asked; a cancelled one is returned unchanged; a paid fee is
    not cancelled (a 409: refunds are outside this app)."""
    payment = FeePayment.objects.select_for_update().filter(purpose=purpose).first()
    if payment is None or payment.status == FeeStatus.CANCELLED:
        return payment
    if payment.status == FeeStatus.PAID:
        raise Problem(409, _("This fee has already been paid."), code="fee-paid")
    payment.status = FeeStatus.CANCELLED
    payment.save(update_fields=["status"])
    _audit(payment, actor=actor, action="payments.fee.cancel")
    return payment
