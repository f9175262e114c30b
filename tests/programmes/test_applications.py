"""People apply to a mass programme themselves: through a bank app (the API, with a token
of the programmes scopes) or by SMS. The registries decide at once: accepted and paid, or
refused with the rule's explanation in their language. Someone accepted without an account
is paid once they give one."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from qyzmet.identity.models import Account
from qyzmet.identity.services import citizen_account_create
from qyzmet.messaging.models import Notification
from qyzmet.messaging.simulator import simulator_reply
from qyzmet.payments.iso20022 import kz_iban
from qyzmet.payments.models import OrderStatus, PaymentOrder, PayoutAccount
from qyzmet.programmes.models import Offer, OfferStatus, Programme
from qyzmet.programmes.services import offers_send_due, payouts_advance, programme_run
from qyzmet.registries.models import BenefitAward, PopulationRecord
from qyzmet.rules.checker import rule_check
from qyzmet.rules.population import eligible_population
from tests.conftest import PASSWORD, Persona
from tests.programmes.conftest import EMERGENCY

pytestmark = pytest.mark.django_db


def _citizen(person_id: int, phone: str, language: str = "en") -> Persona:
    record = PopulationRecord.objects.select_related("person").get(person_id=person_id)
    account = citizen_account_create(iin=record.person.iin, password=PASSWORD)
    Account.objects.filter(pk=account.pk).update(phone=phone, preferred_language=language)
    account.refresh_from_db()
    return Persona(record.surname_lat, account, Client(), record.person)


def _eligible(programme: Programme) -> list[int]:
    rule = rule_check(programme.rule_version.source)
    return sorted(
        eligible_population(rule, on=timezone.localdate()).values_list("person_id", flat=True)
    )


def _bank_app(persona: Persona, language: str = "en") -> Client:
    token = persona.token("programmes:read", "programmes:write", "payments:write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)


def test_a_bank_app_applies_for_an_eligible_person_who_is_paid(emergency: Programme) -> None:
    person_id = next(p for p in _eligible(emergency)
                     if PayoutAccount.objects.filter(person_id=p).exists())  # fmt: skip
    app = _bank_app(_citizen(person_id, "+77019990001"))

    applied = app.post(f"/api/v1/programmes/{EMERGENCY}/apply", {}, content_type="application/json")
    assert applied.status_code == 200, applied.json()
    body = applied.json()
    assert (body["status"], body["channel"]) == ("accepted", "api")
    assert body["payment"]["status"] == "filed"
    assert body["payment"]["amount"] == 42_500_00
    again = app.post(f"/api/v1/programmes/{EMERGENCY}/apply", {}, content_type="application/json")
    assert again.json()["status"] == "accepted"
    assert PaymentOrder.objects.filter(person_id=person_id).count() == 1

    payouts_advance()  # the worker files, sends and reconciles it
    mine = app.get("/api/v1/programmes/offers").json()
    assert [(o["programme"], o["payment"]["status"]) for o in mine] == [(EMERGENCY, "paid")], mine


def test_a_pensioner_is_refused_with_the_reason_in_their_language(emergency: Programme) -> None:
    pensioner = BenefitAward.objects.filter(kind="old_age_pension", until__isnull=True).first()
    assert pensioner is not None, "the generated population has pensioners"
    app = _bank_app(_citizen(pensioner.person_id, "+77019990002"), language="ru")

    refused = app.post(f"/api/v1/programmes/{EMERGENCY}/apply", {}, content_type="application/json")
    assert refused.status_code == 200, refused.json()
    body = refused.json()
    assert body["status"] == "refused"
    assert body["payment"] is None
    assert body["explanation"][0] == "Права нет. Не выполнено условий: 1.", body["explanation"]
    assert "пенсия по возрасту" in " ".join(body["explanation"])
    assert not PaymentOrder.objects.filter(person_id=pensioner.person_id).exists()


def test_by_sms_and_paid_once_an_account_is_given(emergency: Programme) -> None:
    person_id = next(p for p in _eligible(emergency)
                     if not PayoutAccount.objects.filter(person_id=p).exists())  # fmt: skip
    persona = _citizen(person_id, "+77019990003")

    answered = simulator_reply(sender="+77019990003", text=f"APPLY {EMERGENCY}")
    assert answered.handled_by == "APPLY"
    assert "Give the bank account" in answered.reply, answered.reply
    offer = Offer.objects.get(programme=emergency, person_id=person_id)
    assert (offer.status, offer.channel) == (OfferStatus.ACCEPTED, "sms")
    assert not PaymentOrder.objects.filter(person_id=person_id).exists()

    payouts_advance()  # the worker's first look: nothing new yet
    app = _bank_app(persona)
    given = app.put("/api/v1/payments/payout-account",
                    {"iban": kz_iban("103", "0000000777777"), "bic": "ALTNKZKA"},
                    content_type="application/json")  # fmt: skip
    assert given.status_code == 200, given.json()
    payouts_advance()
    order = PaymentOrder.objects.get(person_id=person_id)
    assert (order.status, order.iban) == (OrderStatus.PAID, kz_iban("103", "0000000777777"))
    assert simulator_reply(sender="+77019990003", text="APPLY nothing").reply


def test_people_paid_without_asking_are_told_once(emergency: Programme, population: date) -> None:
    eligible = _eligible(emergency)
    accounts = set(PayoutAccount.objects.values_list("person_id", flat=True))
    paid = _citizen(next(p for p in eligible if p in accounts), "+77019990031", "ru")
    waiting = _citizen(next(p for p in eligible if p not in accounts), "+77019990032")
    programme_run(EMERGENCY, on=population)

    offers_send_due(seconds=10)
    offers_send_due(seconds=10)  # nobody is told twice
    iban = PayoutAccount.objects.get(person=paid.person).iban
    [to_paid] = Notification.objects.filter(to="+77019990031")
    assert to_paid.text == (
        "Социальная выплата на период чрезвычайного положения: вам будет выплачено 42 500 ₸."
        f" Деньги поступят на счёт …{iban[-4:]}; изменить счёт можно на портале."
    )
    [to_waiting] = Notification.objects.filter(to="+77019990032")
    assert to_waiting.text.endswith(
        "To receive it, give a bank account for state payments on the portal."
    )
    # Filed under the person each is about, for their "My notifications" page.
    assert (to_paid.person, to_waiting.person) == (paid.person, waiting.person)
    told = Offer.objects.filter(programme=emergency, person__in=[paid.person, waiting.person])
    assert set(told.values_list("status", flat=True)) == {OfferStatus.ACCEPTED}
    assert not Offer.objects.filter(programme=emergency, offered_at__isnull=True).exists()
