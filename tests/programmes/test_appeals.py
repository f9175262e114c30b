"""A refused person appeals: the appeal is an application of the programme's appeal
service in the labour ministry's queue. Upheld, the person is accepted and paid; dismissed,
the refusal stands with the officer's reason. One appeal per refusal, only one's own, only
from the refusal itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from qyzmet.cases.models import Case, CaseStatus
from qyzmet.core.models import AuditEntry
from qyzmet.payments.models import OrderStatus, PaymentOrder, PayoutAccount
from qyzmet.programmes.models import Offer, OfferStatus, Programme
from qyzmet.programmes.services import payouts_advance
from qyzmet.registries.models import BenefitAward
from tests.cases.conftest import Api
from tests.conftest import Persona
from tests.programmes.conftest import EMERGENCY
from tests.programmes.test_applications import _bank_app, _citizen, _eligible
from tests.programmes.test_pages import _in_english

pytestmark = pytest.mark.django_db
GROUNDS = "My pension was stopped last month; the registries have not caught up yet."


def _refused_pensioner(phone: str, *, with_account: bool = True) -> tuple[Persona, Client]:
    """A pensioner (with or without a payout account) refused through a bank app."""
    pensioners = BenefitAward.objects.filter(kind="old_age_pension", until__isnull=True)
    accounts = PayoutAccount.objects.values("person_id")
    chosen = (
        (
            pensioners.filter(person_id__in=accounts)
            if with_account
            else pensioners.exclude(person_id__in=accounts)
        )
        .exclude(person__account__isnull=False)
        .first()
    )
    assert chosen is not None, "the generated population has such pensioners"
    persona = _citizen(chosen.person_id, phone)
    app = _bank_app(persona)
    refused = app.post(f"/api/v1/programmes/{EMERGENCY}/apply", {}, content_type="application/json")
    assert refused.json()["status"] == "refused", refused.json()
    return persona, app


def _appeal(app: Client, grounds: str = GROUNDS) -> Client:
    return app.post(f"/api/v1/programmes/{EMERGENCY}/appeal", {"grounds": grounds},
                    content_type="application/json")  # fmt: skip


@pytest.mark.usefixtures("trust")  # the officer signs the decision
def test_an_upheld_appeal_pays_the_person(
    emergency: Programme, labour_reviewer: Persona, run_tasks: Callable[[], int]
) -> None:
    persona, app = _refused_pensioner("+77019990021")
    assert persona.person

    appealed = _appeal(app)
    assert appealed.status_code == 201, appealed.json()
    body = appealed.json()
    assert (body["status"], body["appeal_status"]) == ("refused", "submitted")
    case = Case.objects.get(number=body["appeal"])
    assert case.answers["programme"] == "Emergency social payment"
    assert "old-age pension" in case.answers["refusal"]
    assert case.answers["grounds"] == GROUNDS
    again = _appeal(app)
    assert (again.status_code, again.json()["type"]) == (409, "urn:qyzmet:problem:appealed")

    run_tasks()  # the appeal reaches the labour ministry's reviewers
    labour = Api(labour_reviewer.token("cases:read", "cases:decide"))
    assert [c["number"] for c in labour.get("/cases/queue").json()] == [case.number]
    assert labour_reviewer.account is not None
    approved = labour.decide(labour_reviewer.account, case.public_id, "approve", "Pension stopped.")
    assert approved.status_code == 200, approved.json()
    run_tasks()

    assert Case.objects.get(pk=case.pk).status == CaseStatus.COMPLETED
    offer = Offer.objects.get(programme=emergency, person=persona.person)
    assert (offer.status, offer.channel) == (OfferStatus.ACCEPTED, "appeal")
    payouts_advance()  # the worker files, sends and reconciles the order
    order = PaymentOrder.objects.get(person=persona.person)
    assert (order.status, order.amount) == (OrderStatus.PAID, 42_500_00)
    mine = app.get(f"/api/v1/programmes/{EMERGENCY}/offer").json()
    assert (mine["status"], mine["appeal_status"]) == ("accepted", "completed")
    assert mine["payment"]["status"] == "paid"
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert {"programmes.appeal", "programmes.appeal.upheld"} <= set(actions)


@pytest.mark.usefixtures("trust")
def test_a_dismissed_appeal_leaves_the_refusal(
    emergency: Programme, labour_reviewer: Persona, run_tasks: Callable[[], int]
) -> None:
    persona, app = _refused_pensioner("+77019990022")
    case_number = _appeal(app).json()["appeal"]
    run_tasks()
    labour = Api(labour_reviewer.token("cases:read", "cases:decide"))
    case = Case.objects.get(number=case_number)
    reason = "The pension is being paid: the pension fund confirms it."
    assert labour_reviewer.account is not None
    refused = labour.decide(labour_reviewer.account, case.public_id, "refuse", reason)
    assert refused.status_code == 200, refused.json()
    run_tasks()

    mine = app.get(f"/api/v1/programmes/{EMERGENCY}/offer").json()
    assert (mine["status"], mine["appeal_status"]) == ("refused", "refused")
    assert Case.objects.get(pk=case.pk).refusal_reason == reason
    assert not PaymentOrder.objects.filter(person=persona.person).exists()
    assert AuditEntry.objects.filter(action="programmes.appeal.dismissed").count() == 1
    assert _appeal(app).status_code == 409, "one appeal per refusal"


def test_only_ones_own_refusal_and_only_from_it(emergency: Programme) -> None:
    refused, refused_app = _refused_pensioner("+77019990023")

    short = _appeal(refused_app, grounds="wrong")
    assert short.status_code == 422, short.json()
    # Another person's refusal is not theirs to appeal; nor is a payment accepted.
    person_id = next(p for p in _eligible(emergency)
                     if PayoutAccount.objects.filter(person_id=p).exists())  # fmt: skip
    stranger = _bank_app(_citizen(person_id, "+77019990025"))
    assert _appeal(stranger).status_code == 404, "no refusal of theirs"
    applied = stranger.post(f"/api/v1/programmes/{EMERGENCY}/apply", {},
                            content_type="application/json").json()  # fmt: skip
    assert applied["status"] == "accepted"
    not_refused = _appeal(stranger)
    assert not_refused.json()["type"] == "urn:qyzmet:problem:not-refused"

    # The appeal service is not started from the catalogue.
    direct = Api(refused.token("cases:read", "cases:write")).post(
        "/cases", {"service": "programme-appeal"}
    )
    assert (direct.status_code, direct.json()["type"]) == (
        409, "urn:qyzmet:problem:opened-by-platform",
    )  # fmt: skip
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="programmes.appeal").exists()


def test_appealing_on_the_portal(emergency: Programme, population: date) -> None:
    persona, _app = _refused_pensioner("+77019990026")
    persona.client.force_login(persona.account)
    _in_english(persona.client)
    page = persona.client.get("/my/programmes/").content.decode()
    assert "Appeal: why the decision is wrong" in page

    too_short = persona.client.post(f"/my/programmes/{EMERGENCY}/appeal/", {"grounds": "no"},
                                    follow=True).content.decode()  # fmt: skip
    assert "Say in a sentence or two why the decision is wrong." in too_short
    filed = persona.client.post(f"/my/programmes/{EMERGENCY}/appeal/", {"grounds": GROUNDS},
                                follow=True).content.decode()  # fmt: skip
    number = Offer.objects.get(person=persona.person).appeal.number  # type: ignore[union-attr]
    assert f"Your appeal is filed as application {number}" in filed
    assert "Appeal: why the decision is wrong" not in filed, "appealed once"
    assert f"{number}: submitted" in filed
