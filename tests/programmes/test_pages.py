"""The pages: a citizen sees their offers, payments and refusal reasons, answers and
applies; the operator sees each programme's counts, refusals and money against the
budget; nobody else sees the operator's pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from qyzmet.payments.models import PayoutAccount
from qyzmet.programmes.models import Offer, OfferStatus, Programme
from qyzmet.programmes.services import programme_run
from qyzmet.registries.models import BenefitAward
from tests.conftest import Persona
from tests.programmes.conftest import EMERGENCY
from tests.programmes.test_applications import _citizen

pytestmark = pytest.mark.django_db


def _in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_citizen_sees_the_payment_and_a_refusal_reason(
    emergency: Programme, population: date
) -> None:
    programme_run(EMERGENCY, on=population)
    paid = Offer.objects.filter(programme=emergency, person__payout_accounts__isnull=False).first()
    assert paid is not None
    persona = _citizen(paid.person_id, "+77019990011")
    persona.client.force_login(persona.account)
    _in_english(persona.client)
    page = persona.client.get("/my/programmes/")
    assert page.status_code == 200
    text = page.content.decode()
    iban = PayoutAccount.objects.get(person_id=paid.person_id).iban
    assert "Emergency social payment" in text
    assert f"…{iban[-4:]}" in text
    assert "paid" in text

    pensioner = BenefitAward.objects.filter(kind="old_age_pension", until__isnull=True).first()
    assert pensioner is not None
    refused = _citizen(pensioner.person_id, "+77019990012")
    refused.client.force_login(refused.account)
    _in_english(refused.client)
    assert "Apply" in refused.client.get("/my/programmes/").content.decode()
    applied = refused.client.post(f"/my/programmes/{EMERGENCY}/apply/", follow=True)
    assert applied.status_code == 200
    assert "Not eligible" in applied.content.decode()
    assert "old-age pension" in applied.content.decode()


def test_a_citizen_answers_an_offer_on_the_portal(emergency: Programme, population: date) -> None:
    person_id = PayoutAccount.objects.values_list("person_id", flat=True).first()
    assert person_id is not None
    Offer.objects.create(programme=emergency, person_id=person_id, status=OfferStatus.OFFERED,
                         created_at=timezone.now())  # fmt: skip
    persona = _citizen(person_id, "+77019990013")
    persona.client.force_login(persona.account)
    _in_english(persona.client)
    assert "Accept" in persona.client.get("/my/programmes/").content.decode()
    answered = persona.client.post(f"/my/programmes/{EMERGENCY}/answer/", {"answer": "accept"},
                                   follow=True)  # fmt: skip
    assert "your answer is recorded" in answered.content.decode()
    offer = Offer.objects.get(programme=emergency, person_id=person_id)
    assert (offer.status, offer.channel) == (OfferStatus.ACCEPTED, "portal")


def test_the_operator_sees_counts_refusals_and_money(
    emergency: Programme, population: date, operator: Persona, citizen_a: Persona
) -> None:
    programme_run(EMERGENCY, on=population)
    _in_english(operator.client)
    listing = operator.client.get("/operator/programmes/")
    assert listing.status_code == 200
    assert "Emergency social payment" in listing.content.decode()
    page = operator.client.get(f"/operator/programmes/{EMERGENCY}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<meter" in text
    assert "Bank files:" in text
    assert "Budget" in text

    assert citizen_a.client.get(f"/operator/programmes/{EMERGENCY}/").status_code == 404
    assert Client().get("/operator/programmes/").status_code == 302  # to the login page
