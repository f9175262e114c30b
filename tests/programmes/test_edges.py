"""What a bank or a person can do that a plain run does not show: a whole file refused
for a technical reason goes out again by itself, a duplicate-message answer is ignored,
a refusal is decided again when the person applies again, an offer not answered in time
expires, and a programme started by events is not applied to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qyzmet.core.errors import Problem
from qyzmet.payments import payouts
from qyzmet.payments.iso20022 import StatusReport
from qyzmet.payments.models import BankFile, OrderStatus, PaymentOrder
from qyzmet.programmes.models import Offer, OfferStatus, Programme
from qyzmet.programmes.services import (
    offer_answer,
    offers_send_due,
    programme_apply,
    programme_get,
    programme_run,
)
from qyzmet.registries.models import BenefitAward
from tests.programmes.conftest import EMERGENCY
from tests.programmes.test_applications import _bank_app, _citizen

pytestmark = pytest.mark.django_db


def test_a_file_refused_for_a_technical_reason_goes_out_again(
    emergency: Programme, population: date
) -> None:
    programme_run(EMERGENCY, on=population)
    file = BankFile.objects.filter(disbursement=emergency.disbursement).first()
    assert file is not None
    orders = list(file.orders.values_list("pk", flat=True))
    # The bank refuses a file it already had (sent again after a crash): ignored.
    duplicate = StatusReport(message_id="B1", original_message_id=file.message_id,
                             group_status="RJCT", transactions=(), reason="DU01")  # fmt: skip
    BankFile.objects.filter(pk=file.pk).update(report_name=None)
    PaymentOrder.objects.filter(pk__in=orders).update(status=OrderStatus.FILED)
    assert payouts._report_apply("dup.xml", duplicate) is False
    # A whole file refused (a wrong control sum at the bank): every order goes again.
    refused = StatusReport(message_id="B2", original_message_id=file.message_id,
                           group_status="RJCT", transactions=(), reason="AM10")  # fmt: skip
    assert payouts._report_apply("am10.xml", refused) is True
    again = PaymentOrder.objects.filter(pk__in=orders)
    assert set(again.values_list("status", "attempt", "file")) == {(OrderStatus.CREATED, 2, None)}

    from qyzmet.programmes.services import payouts_advance

    payouts_advance()
    assert set(again.values_list("status", flat=True)) == {OrderStatus.PAID}
    assert PaymentOrder.objects.filter(disbursement=emergency.disbursement).count() == len(
        set(PaymentOrder.objects.values_list("person_id", flat=True))
    ), "still one order a person"


def test_a_refusal_is_decided_again(emergency: Programme) -> None:
    """A pensioner without other income is refused; once the pension has ended, applying
    again pays them."""
    since = timezone.localdate().replace(day=1) - timedelta(days=40)
    award = (
        BenefitAward.objects.filter(kind="old_age_pension", until__isnull=True)
        .exclude(person__incomes__period__gte=since)
        .first()
    )
    assert award is not None, "the generated population has pensioners without a salary"
    person = award.person
    refused = programme_apply(programme=emergency, person=person, channel="api")
    assert refused.status == OfferStatus.REFUSED
    BenefitAward.objects.filter(pk=award.pk).update(until=timezone.localdate() - timedelta(days=1))
    offer = programme_apply(programme=emergency, person=person, channel="api")
    assert (offer.status, offer.explanation) == (OfferStatus.ACCEPTED, None)
    assert Offer.objects.filter(programme=emergency, person=person).count() == 1


def test_an_offer_not_answered_in_time_expires(emergency: Programme) -> None:
    offer = Offer.objects.create(
        programme=emergency, person_id=_any_person(), status=OfferStatus.OFFERED,
        created_at=timezone.now(), offered_at=timezone.now() - timedelta(days=31),
    )  # fmt: skip
    with pytest.raises(Problem) as late:
        offer_answer(offer=offer, accept=True, channel="api", reference="test")
    assert late.value.code == "expired"
    offers_send_due(seconds=1)  # the worker marks it
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED


def _any_person() -> int:
    from qyzmet.registries.models import PopulationRecord

    first = PopulationRecord.objects.values_list("person_id", flat=True).first()
    assert first is not None
    return first


def test_a_programme_started_by_events_is_not_applied_to(emergency: Programme) -> None:
    persona = _citizen(_any_person(), "+77019990021")
    app: Client = _bank_app(persona)
    answer = app.post("/api/v1/programmes/birth-benefit-offer/apply", {},
                      content_type="application/json")  # fmt: skip
    assert answer.status_code == 409, answer.content
    assert answer.json()["type"] == "urn:qyzmet:problem:not-applied-to"
    assert not Offer.objects.filter(programme=programme_get("birth-benefit-offer")).exists()
