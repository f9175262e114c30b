"""State fees: asking is idempotent, the provider's reports are recorded once, a failed
fee can be asked again, and a cancelled one is cancelled."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from qyzmet.core.errors import Problem
from qyzmet.core.models import AuditEntry
from qyzmet.payments.models import FeePayment, FeeStatus
from qyzmet.payments.selectors import fee_for, fee_is_paid
from qyzmet.payments.services import fee_cancel, fee_payment_confirm, fee_request
from qyzmet.payments.simulator import simulated_pay
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

PURPOSE = "case:0192f3a4-5b6c-7d8e-9f00-112233445566"
FEE = 1_380_00


def _request(persona: Persona, *, amount: int = FEE, purpose: str = PURPOSE) -> FeePayment:
    assert persona.person is not None
    return fee_request(
        purpose=purpose,
        payer=persona.person,
        amount=amount,
        description="Replacement of an identity card",
        return_url="/my/cases/",
        actor="test",
    )


def _actions(payment: FeePayment) -> list[str]:
    entries = AuditEntry.objects.filter(object_id=str(payment.public_id)).order_by("id")
    return [entry.action for entry in entries]


@pytest.mark.smoke
def test_a_request_is_idempotent_on_its_purpose(citizen_a: Persona) -> None:
    first = _request(citizen_a)
    again = _request(citizen_a)
    assert again.pk == first.pk
    assert again.provider_reference == first.provider_reference != ""
    assert first.pay_url.endswith(f"/simulators/bank/pay/{first.provider_reference}/")
    assert (first.status, first.amount, first.currency) == (FeeStatus.REQUESTED, FEE, "KZT")
    assert FeePayment.objects.count() == 1
    assert _actions(first) == ["payments.fee.request"]
    assert fee_for(PURPOSE) == first
    assert fee_is_paid(PURPOSE) is False
    assert fee_for("case:nobody") is None


def test_another_amount_for_the_same_purpose_is_a_conflict(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    with pytest.raises(Problem) as raised:
        _request(citizen_a, amount=FEE + 1)
    assert (raised.value.status, raised.value.code) == (409, "fee-conflict")
    payment.refresh_from_db()
    assert payment.amount == FEE


def test_another_payer_for_the_same_purpose_is_a_conflict(
    citizen_a: Persona, citizen_b: Persona
) -> None:
    _request(citizen_a)
    with pytest.raises(Problem) as raised:
        _request(citizen_b)
    assert raised.value.status == 409
    assert FeePayment.objects.get().payer == citizen_a.person


@pytest.mark.parametrize("amount", [0, -100])
def test_a_fee_must_be_positive(citizen_a: Persona, amount: int) -> None:
    with pytest.raises(Problem) as raised:
        _request(citizen_a, amount=amount)
    assert raised.value.status == 422
    assert not FeePayment.objects.exists()


def test_the_database_refuses_a_fee_that_is_not_positive(citizen_a: Persona) -> None:
    with pytest.raises(IntegrityError):
        FeePayment.objects.create(
            purpose=PURPOSE, payer=citizen_a.person, amount=0, description="x"
        )


def test_a_provider_reference_is_unique(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    other = _request(citizen_a, purpose="case:other")
    other.provider_reference = payment.provider_reference
    with pytest.raises(IntegrityError):
        other.save(update_fields=["provider_reference"])


def test_confirming_twice_is_harmless(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    paid = fee_payment_confirm(provider_reference=payment.provider_reference, paid=True, actor="p")
    again = fee_payment_confirm(provider_reference=payment.provider_reference, paid=True, actor="p")
    late_decline = fee_payment_confirm(
        provider_reference=payment.provider_reference, paid=False, actor="p"
    )
    assert paid.status == again.status == late_decline.status == FeeStatus.PAID
    assert paid.paid_at is not None
    assert again.paid_at == late_decline.paid_at == paid.paid_at
    assert _actions(payment) == ["payments.fee.request", "payments.fee.paid"]
    assert fee_is_paid(PURPOSE)


def test_an_unknown_reference_is_a_404(citizen_a: Persona) -> None:
    _request(citizen_a)
    for reference in ["sim_nobody", ""]:
        with pytest.raises(Problem) as raised:
            fee_payment_confirm(provider_reference=reference, paid=True, actor="p")
        assert raised.value.status == 404
    assert not fee_is_paid(PURPOSE)


@pytest.mark.smoke
def test_decline_then_request_again_then_pay(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    first_reference = payment.provider_reference

    declined = simulated_pay(first_reference, decline=True)
    assert declined.status == FeeStatus.FAILED
    assert not fee_is_paid(PURPOSE)

    again = _request(citizen_a)
    assert again.pk == payment.pk
    assert again.status == FeeStatus.REQUESTED
    assert again.provider_reference not in ("", first_reference)
    # The declined reference is spent: paying under it now reaches nothing.
    with pytest.raises(Problem) as raised:
        fee_payment_confirm(provider_reference=first_reference, paid=True, actor="p")
    assert raised.value.status == 404

    paid = simulated_pay(again.provider_reference)
    assert paid.status == FeeStatus.PAID
    assert fee_is_paid(PURPOSE)
    assert _actions(payment) == [
        "payments.fee.request",
        "payments.fee.failed",
        "payments.fee.request",
        "payments.fee.paid",
    ]


def test_a_paid_fee_is_not_asked_again(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    simulated_pay(payment.provider_reference)
    again = _request(citizen_a)
    assert (again.status, again.provider_reference) == (FeeStatus.PAID, payment.provider_reference)


def test_the_simulator_pays_only_what_awaits_payment(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    simulated_pay(payment.provider_reference)
    with pytest.raises(Problem) as raised:
        simulated_pay(payment.provider_reference, decline=True)
    assert (raised.value.status, raised.value.code) == (409, "not-awaiting-payment")
    assert FeePayment.objects.get().status == FeeStatus.PAID


def test_cancel_before_paying(citizen_a: Persona) -> None:
    assert fee_cancel(purpose=PURPOSE, actor="test") is None
    payment = _request(citizen_a)
    cancelled = fee_cancel(purpose=PURPOSE, actor="test")
    assert cancelled is not None
    assert cancelled.status == FeeStatus.CANCELLED
    assert fee_cancel(purpose=PURPOSE, actor="test") == cancelled  # harmless again
    with pytest.raises(Problem) as raised:
        simulated_pay(payment.provider_reference)
    assert raised.value.status == 409
    assert _actions(payment) == ["payments.fee.request", "payments.fee.cancel"]


def test_a_paid_fee_cannot_be_cancelled(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    simulated_pay(payment.provider_reference)
    with pytest.raises(Problem) as raised:
        fee_cancel(purpose=PURPOSE, actor="test")
    assert (raised.value.status, raised.value.code) == (409, "fee-paid")
    assert fee_is_paid(PURPOSE)


def test_money_reported_for_a_cancelled_fee_is_recorded(citizen_a: Persona) -> None:
    """The bank took the money after the application was withdrawn: the record says so."""
    payment = _request(citizen_a)
    fee_cancel(purpose=PURPOSE, actor="test")
    paid = fee_payment_confirm(provider_reference=payment.provider_reference, paid=True, actor="p")
    assert paid.status == FeeStatus.PAID
    entry = AuditEntry.objects.filter(action="payments.fee.paid").get()
    assert entry.data["was"] == FeeStatus.CANCELLED
