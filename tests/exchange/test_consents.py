"""Consents: a citizen gives and withdraws them on the portal and the API, and the mediator
answers the bank exactly while a consent is valid. Nobody else sees or ends one."""

from __future__ import annotations

import html
import json
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.core.errors import PROBLEM_CONTENT_TYPE
from qyzmet.core.models import AuditEntry
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.messages import ExchangeAnswer
from qyzmet.exchange.models import Consent, ExchangeRecord
from qyzmet.identity.models import Person
from tests import factories
from tests.api.problems import assert_problem
from tests.api.snapshots import changes, snapshot
from tests.conftest import Persona
from tests.exchange.world import BANK, BENEFITS, INCOME_STATEMENT, PERSON, ExchangeWorld

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

PAGE = "/my/consents/"
GIVE = "/my/consents/give/"
API = "/api/v1/exchange/consents"
MISSING = "Server.ServerProxy.ConsentMissing"


def _text(content: bytes) -> str:
    return html.unescape(content.decode())


def _english(persona: Persona) -> Client:
    persona.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return persona.client


def _employed(persona: Persona) -> Person:
    assert persona.person is not None
    factories.employ(persona.person, factories.organisation(f"Employer of {persona.name} LLP"))
    return persona.person


def _in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def _form(**change: Any) -> dict[str, Any]:
    """A well-formed "give a consent" form: the bank, the income statement, a loan."""
    return {
        "party": BANK,
        "services": [INCOME_STATEMENT],
        "purpose": "loan-assessment",
        "last_day": _in_days(30).isoformat(),
        **change,
    }


def _post_json(client: Client, path: str, payload: Any) -> Response:
    return client.post(path, json.dumps(payload), content_type="application/json")


def _bank_asks(person: Person, message_id: str = "") -> ExchangeAnswer:
    return ExchangeClient.local(BANK).get(
        INCOME_STATEMENT,
        person.iin,
        purpose="loan-assessment",
        issue="LOAN-2026-42",
        message_id=message_id,
    )


def _refused_for_lack_of_consent(answer: ExchangeAnswer) -> None:
    assert answer.status == 403, answer.body
    assert answer.headers["X-Road-Error"] == MISSING
    assert answer.content_type == PROBLEM_CONTENT_TYPE
    problem = answer.json()
    assert problem["status"] == 403
    assert problem["type"] == f"urn:qyzmet:problem:exchange:{MISSING}"
    assert problem["detail"]


@pytest.mark.django_db
def test_give_and_withdraw_on_the_portal(world: ExchangeWorld, citizen_a: Persona) -> None:
    a = _employed(citizen_a)
    client = _english(citizen_a)
    _refused_for_lack_of_consent(_bank_asks(a))

    page = _text(client.get(PAGE).content)
    assert "You have not given any consents." in page
    assert "Dala Bank JSC" in page  # offered in the form
    assert "Income statement (with the citizen's consent)" in page

    response = client.post(GIVE, _form(), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    page = _text(response.content)
    last_day = _in_days(30)
    assert "Your consent is recorded: Dala Bank JSC may get this data" in page
    consent = Consent.objects.get(person=a)
    assert consent.granted_via == "portal"
    assert [s.identifier for s in consent.services.all()] == [INCOME_STATEMENT]
    assert consent.purpose.code == "loan-assessment"
    ends = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    assert consent.valid_until == ends
    assert "Active" in page
    assert "Withdraw this consent" in page

    answer = _bank_asks(a, "with-consent")
    assert answer.status == 200, answer.body
    assert ExchangeRecord.objects.get(message_id="with-consent").consent == str(consent.public_id)

    response = client.post(f"/my/consents/{consent.public_id}/withdraw/", follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    page = _text(response.content)
    assert "Your consent is withdrawn: Dala Bank JSC can no longer get your data with it." in page
    assert "Withdrawn on" in page
    assert "Withdraw this consent" not in page
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    _refused_for_lack_of_consent(_bank_asks(a))
    assert AuditEntry.objects.filter(action="exchange.consent_withdraw").count() == 1


@pytest.fixture
def bank_over_http(
    live_server: LiveServer, settings: Settings, world: ExchangeWorld
) -> ExchangeClient:
    settings.QYZMET_PUBLIC_URL = live_server.url
    return ExchangeClient.over_http(BANK, url=live_server.url, signer=world.bank.signer)


@pytest.mark.django_db(transaction=True)
def test_give_and_withdraw_on_the_api(
    world: ExchangeWorld, bank_over_http: ExchangeClient, citizen_a: Persona
) -> None:
    a = _employed(citizen_a)
    token = citizen_a.token("consents:read", "consents:write")
    app = Client(headers={"Authorization": f"Bearer {token}"})

    def bank_asks() -> ExchangeAnswer:
        return bank_over_http.get(
            INCOME_STATEMENT, a.iin, purpose="loan-assessment", issue="LOAN-2026-42"
        )

    refused = bank_asks()
    _refused_for_lack_of_consent(refused)

    response = _post_json(app, API, _form())
    assert response.status_code == 201, response.content
    given = response.json()
    assert given["party"] == BANK
    assert given["party_name"] == "Dala Bank JSC"
    assert [s["service"] for s in given["services"]] == [INCOME_STATEMENT]
    assert given["purpose"] == "loan-assessment"
    assert given["status"] == "active"
    assert given["granted_via"] == "api"
    assert app.get(API).json() == [given]

    answer = bank_asks()
    assert answer.status == 200, answer.body
    assert len(answer.json()) == 3  # the three monthly incomes

    response = _post_json(app, f"{API}/{given['id']}/withdraw", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    _refused_for_lack_of_consent(bank_asks())

    # Withdrawing again changes nothing.
    before = snapshot()
    again = _post_json(app, f"{API}/{given['id']}/withdraw", {})
    assert again.json()["withdrawn_at"] == response.json()["withdrawn_at"]
    assert changes(before, snapshot()) == {}


@pytest.mark.django_db
def test_another_citizen_can_neither_see_nor_withdraw_a_consent(
    world: ExchangeWorld, citizen_a: Persona, citizen_b: Persona, officer_x: Persona
) -> None:
    a = _employed(citizen_a)
    response = _post_json(citizen_a.client, API, _form())
    assert response.status_code == 201
    consent_id = response.json()["id"]

    before = snapshot()
    assert citizen_b.client.get(API).json() == []
    assert consent_id not in _text(_english(citizen_b).get(PAGE).content)
    for intruder in (citizen_b, officer_x):
        assert intruder.client.post(f"/my/consents/{consent_id}/withdraw/").status_code == 404
        assert_problem(_post_json(intruder.client, f"{API}/{consent_id}/withdraw", {}), 404)
    assert changes(before, snapshot()) == {}
    assert _bank_asks(a).status == 200

    # A withdrawn consent of someone else is hidden as well as a live one.
    assert _post_json(citizen_a.client, f"{API}/{consent_id}/withdraw", {}).status_code == 200
    assert_problem(_post_json(citizen_b.client, f"{API}/{consent_id}/withdraw", {}), 404)
    nobody = "00000000-0000-4000-8000-000000000000"
    assert citizen_a.client.post(f"/my/consents/{nobody}/withdraw/").status_code == 404


@pytest.mark.django_db
def test_a_consent_for_b_does_not_let_the_bank_ask_about_a(
    world: ExchangeWorld, citizen_a: Persona, citizen_b: Persona
) -> None:
    a = _employed(citizen_a)
    _employed(citizen_b)
    assert _post_json(citizen_b.client, API, _form()).status_code == 201
    _refused_for_lack_of_consent(_bank_asks(a))


@pytest.mark.django_db
def test_an_expired_consent_is_shown_as_expired_and_not_used(
    world: ExchangeWorld, citizen_a: Persona
) -> None:
    a = _employed(citizen_a)
    assert _post_json(citizen_a.client, API, _form()).status_code == 201
    Consent.objects.filter(person=a).update(valid_until=timezone.now() - timedelta(minutes=1))
    (listed,) = citizen_a.client.get(API).json()
    assert listed["status"] == "expired"
    page = _text(_english(citizen_a).get(PAGE).content)
    assert "Expired on" in page
    assert "Withdraw this consent" not in page
    _refused_for_lack_of_consent(_bank_asks(a))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"party": BENEFITS}, "Choose one of the organisations listed."),
        ({"party": ""}, "Choose the organisation."),
        ({"services": []}, "Choose at least one kind of data."),
        ({"services": [PERSON]}, "Choose from the kinds of data listed."),
        ({"purpose": "benefit-assignment"}, "Choose one of the purposes listed."),
        ({"last_day": "tomorrow"}, "Enter a date, for example 2026-12-31."),
        ({"last_day": "99999-01-01"}, "Enter a date, for example 2026-12-31."),
        ({"last_day": ""}, "Enter the last day the consent is valid."),
        ({"last_day": "2001-01-01"}, "The last day of a consent must be between today and"),
        ({"last_day": "9999-12-31"}, "The last day of a consent must be between today and"),
        ({"party": "\x00"}, "Choose one of the organisations listed."),
    ],
)
@pytest.mark.django_db
def test_bad_input_on_the_portal_is_a_plain_message(
    world: ExchangeWorld, citizen_a: Persona, change: dict[str, Any], message: str
) -> None:
    before = snapshot()
    response = _english(citizen_a).post(GIVE, _form(**change))
    assert response.status_code == 400
    page = _text(response.content)
    assert "There is a problem" in page
    assert message in page
    assert changes(before, snapshot()) == {}


@pytest.mark.django_db
def test_the_portal_speaks_the_readers_language(world: ExchangeWorld, citizen_a: Persona) -> None:
    citizen_a.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = _text(citizen_a.client.get(PAGE).content)
    assert "<h1>Мои согласия</h1>" in page
    assert "Справка о доходах (с согласия гражданина)" in page
    response = citizen_a.client.post(GIVE, _form(last_day="2001-01-01"))
    assert response.status_code == 400
    assert "Последний день согласия" in _text(response.content)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"party": BENEFITS}, "party-not-offered"),
        ({"services": [PERSON]}, "service-not-offered"),
        ({"services": [INCOME_STATEMENT, PERSON]}, "service-not-offered"),
        ({"purpose": "benefit-assignment"}, "purpose-not-granted"),
        ({"purpose": "no-such-purpose"}, "purpose-not-granted"),
        ({"last_day": "2001-01-01"}, "consent-period"),
        ({"last_day": "2999-01-01"}, "consent-period"),
        ({"last_day": "someday"}, "invalid-request"),
        ({"services": []}, "invalid-request"),
        ({"services": "all"}, "invalid-request"),
        ({"party": "QZ/COM/050140000123/loans\n"}, "invalid-request"),
        ({"valid_until": "2026-12-31"}, "invalid-request"),
    ],
)
@pytest.mark.django_db
def test_bad_input_on_the_api_is_a_problem(
    world: ExchangeWorld, citizen_a: Persona, change: dict[str, Any], code: str
) -> None:
    before = snapshot()
    body = assert_problem(_post_json(citizen_a.client, API, _form(**change)), 422)
    assert body["type"] == f"urn:qyzmet:problem:{code}"
    assert changes(before, snapshot()) == {}


@pytest.mark.django_db
def test_staff_and_anonymous_get_no_consent_pages(
    world: ExchangeWorld, officer_x: Persona, operator: Persona, anonymous: Persona
) -> None:
    page = _english(officer_x).get(PAGE)
    assert page.status_code == 200
    assert "This page is for citizens" in _text(page.content)
    before = snapshot()
    assert operator.client.post(GIVE, _form()).status_code == 404
    assert_problem(_post_json(operator.client, API, _form()), 404)
    assert operator.client.get(API).json() == []
    assert changes(before, snapshot()) == {}
    login = anonymous.client.get(PAGE)
    assert login.status_code == 302
    assert login["Location"].startswith("/login/")
    assert anonymous.client.post(GIVE, _form()).status_code == 302
    assert_problem(anonymous.client.get(API), 401)


@pytest.mark.django_db
def test_a_page_without_offers_says_so(citizen_a: Persona, trust: object) -> None:
    page = _text(_english(citizen_a).get(PAGE).content)
    assert "No organisation can ask for data that needs your consent at the moment." in page


@pytest.mark.django_db
def test_withdrawing_on_the_portal_needs_the_csrf_token(
    world: ExchangeWorld, citizen_a: Persona
) -> None:
    response = _post_json(citizen_a.client, API, _form())
    assert response.status_code == 201
    browser = Client(enforce_csrf_checks=True)
    assert citizen_a.account is not None
    browser.force_login(citizen_a.account)
    before = snapshot()
    assert browser.post(f"/my/consents/{response.json()['id']}/withdraw/").status_code == 403
    assert browser.post(GIVE, _form()).status_code == 403
    assert changes(before, snapshot()) == {}


@pytest.mark.django_db
def test_listing_consents_reads_a_fixed_number_of_queries(
    world: ExchangeWorld,
    citizen_a: Persona,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for days in range(1, 11):
        given = _post_json(citizen_a.client, API, _form(last_day=_in_days(days).isoformat()))
        assert given.status_code == 201
    # The session and its account (reading writes no session), the caller's person,
    # then the consents and their services.
    with django_assert_num_queries(2 + 1 + 2):  # a citizen has no agency memberships to read
        listed = citizen_a.client.get(API).json()
    assert len(listed) == 10
    assert [c["valid_until"] for c in listed] == sorted(
        (c["valid_until"] for c in listed), reverse=True
    )
