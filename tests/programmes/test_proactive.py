"""The birth of a child, proactively: the registry office registers the birth; each parent
the birth benefit's rule finds eligible is offered it by SMS; a "1" sent back through the
SMS operator's gateway creates the application, prefilled, and submits it; the labour
ministry approves it and the award is recorded. A "0" declines. Each SMS goes once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from qyzmet.cases.models import Case, CaseStatus
from qyzmet.core.models import AuditEntry
from qyzmet.messaging.api import gateway_secret
from qyzmet.messaging.models import Notification
from qyzmet.messaging.simulator import simulated_sms
from qyzmet.payments.iso20022 import kz_iban
from qyzmet.payments.payouts import payout_account_set
from qyzmet.programmes.models import Offer, OfferStatus
from qyzmet.programmes.services import events_offer, offers_send_due, programmes_load
from qyzmet.registries import models as m
from qyzmet.registries.updates import ChildNames, birth_register
from tests.cases.conftest import Api
from tests.conftest import Persona

pytestmark = pytest.mark.django_db
OFFER = "birth-benefit-offer"


def _reply(phone: str, text: str) -> Any:
    """The person texts ``text``; the operator's gateway posts it to the platform."""
    body = {"provider_id": f"in-{uuid.uuid4().hex}", "sender": phone, "text": text,
            "at": timezone.now().isoformat()}  # fmt: skip
    response = Client().post("/api/v1/messaging/sms/inbound", json.dumps(body),
                             content_type="application/json",
                             headers={"X-Gateway-Secret": gateway_secret()})  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.usefixtures("published")
def test_birth_benefit_offered_by_sms_and_taken_up_with_a_reply(
    citizen_a: Persona,
    citizen_b: Persona,
    labour_reviewer: Persona,
    run_tasks: Callable[[], int],
) -> None:
    assert citizen_a.account
    assert citizen_a.person
    assert citizen_b.account
    assert citizen_b.person
    mother, father = citizen_a.account.phone, citizen_b.account.phone
    earlier = {phone: len(simulated_sms(to=phone)) for phone in (mother, father)}
    iban = kz_iban("101", "0000000004242")
    payout_account_set(person=citizen_a.person, iban=iban, bic="DALAKZKA", actor="test")
    programmes_load(actor="test")

    born = timezone.localdate() - timedelta(days=2)
    child = birth_register(
        parent_iin=citizen_a.person.iin, other_parent_iin=citizen_b.person.iin,
        names=ChildNames(surname="Abenova", given_name="Aruzhan"), birth_date=born, sex="F",
        actor="officer:registry-office",
    )  # fmt: skip

    # The worker's periodic jobs: the event is read, offers are made and texted.
    assert events_offer() is None, "an event is read once a minute old"
    settled = timezone.now() + timedelta(seconds=1)
    assert events_offer(settled_before=settled) == 1
    assert events_offer(settled_before=settled) is None, "an event is read once"
    offers = {o.person_id: o for o in Offer.objects.filter(programme__code=OFFER)}
    assert set(offers) == {citizen_a.person.pk, citizen_b.person.pk}
    offers_send_due(seconds=10)
    run_tasks()
    texted = {phone: simulated_sms(to=phone)[earlier[phone] :] for phone in (mother, father)}
    assert [len(texted[mother]), len(texted[father])] == [1, 1]
    # In her language (Kazakh, the default), with the codes to answer.
    assert texted[mother][0].text.endswith("Келісу үшін 1, бас тарту үшін 0 деп жауап беріңіз.")
    offered = Notification.objects.get(key=f"offer:{offers[citizen_a.person.pk].pk}")
    assert offered.person == citizen_a.person, "filed under her, for her My notifications"

    # The mother answers "1": her application is created, prefilled and submitted.
    answered = _reply(mother, "1")
    assert answered["handled_by"] == "OFFER", answered
    offer = Offer.objects.select_related("case").get(pk=offers[citizen_a.person.pk].pk)
    assert offer.status == OfferStatus.ACCEPTED
    assert offer.channel == "sms"
    assert offer.case is not None
    case = offer.case
    assert case.answers["child_birth_date"] == born.isoformat()
    assert case.answers["child_given_name"] == "Aruzhan"
    assert case.answers["iban"] == iban
    assert case.status == CaseStatus.SUBMITTED
    assert _reply(mother, "1")["handled_by"] != "OFFER", "the codes of an answered offer lapse"

    # The father declines.
    _reply(father, "0")
    assert Offer.objects.get(pk=offers[citizen_b.person.pk].pk).status == OfferStatus.DECLINED

    # Processed like any application: eligibility, the labour ministry's officer, the award.
    run_tasks()
    labour = Api(labour_reviewer.token("cases:read", "cases:decide"))
    assert [c["number"] for c in labour.get("/cases/queue").json()] == [case.number]
    assert labour_reviewer.account is not None
    approved = labour.decide(labour_reviewer.account, case.public_id, "approve", "Checked.")
    assert approved.status_code == 200, approved.json()
    run_tasks()
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.COMPLETED, list(case.events.values_list("kind", "note"))
    assert m.BenefitAward.objects.filter(person=citizen_a.person, kind="child_birth").exists()
    assert child.pk not in offers, "the child is offered nothing"

    # Every message once: the offer, the answers' replies, the application's own news.
    keys = list(Notification.objects.filter(to=mother).values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"registry.birth.register", "programmes.answer", "cases.submitted"} <= actions
