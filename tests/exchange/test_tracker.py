"""The data tracker lists exactly the accesses made to a person's data: every exchange that
gave data out, nothing refused, nothing about anyone else, on the page and the API alike.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.exchange import selectors
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import Consent, ExchangeRecord, Purpose, Service
from qyzmet.exchange.services import consent_give
from qyzmet.identity.models import Person
from tests import factories
from tests.conftest import Persona
from tests.exchange.world import BANK, BENEFITS, INCOME_STATEMENT, PERSON, ExchangeWorld

TRACKER_PAGE = "/my/data-tracker/"
TRACKER_API = "/api/v1/exchange/tracker"


def _text(content: bytes) -> str:
    return html.unescape(content.decode())


def _person(persona: Persona) -> Person:
    assert persona.person is not None
    return persona.person


def _english(persona: Persona) -> Client:
    persona.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return persona.client


def _bank_consent(person: Person, world: ExchangeWorld) -> Consent:
    return consent_give(
        person=person,
        party=world.bank.subsystem,
        purpose=Purpose.objects.get(code="loan-assessment"),
        services=[Service.objects.get(identifier=INCOME_STATEMENT)],
        valid_until=timezone.now() + timedelta(days=7),
        via="portal",
        actor="test",
    )


@dataclass(frozen=True)
class Scenario:
    a_given: list[str]  # message ids of the accesses that gave out A's data, newest first
    a_own: set[str]  # of those, A's own actions
    a_refused: list[str]  # requests about A that were refused or failed
    b_given: list[str]
    consent: Consent


def _scenario(world: ExchangeWorld, a: Person, b: Person, http: ExchangeClient) -> Scenario:
    """Accesses about A (given and refused, in-process and over HTTP) and one about B."""
    factories.employ(a, factories.organisation("Employer of A LLP"))
    benefits, bank = ExchangeClient.local(BENEFITS), ExchangeClient.local(BANK)
    given = "benefit-assignment"
    calls = [
        ("xr-a-1", 200, lambda m: benefits.get(
            PERSON, a.iin, purpose=given, issue="BEN-2026-1", user_id="officer.labour",
            message_id=m)),
        ("xr-a-refused-purpose", 403, lambda m: benefits.get(
            PERSON, a.iin, purpose="tax-administration", issue="BEN-2026-1", message_id=m)),
        ("xr-a-refused-no-issue", 400, lambda m: benefits.get(
            PERSON, a.iin, purpose=given, message_id=m)),
        ("xr-a-2-own", 200, lambda m: benefits.get(
            PERSON, a.iin, purpose=given, issue="BEN-2026-2", user_id=f"KZ{a.iin}",
            message_id=m)),
        # A remote system naming A as its user is logged, but not believed to be A.
        ("xr-a-2-claims-own", 200, lambda m: http.get(
            PERSON, a.iin, purpose=given, issue="BEN-2026-2", user_id=f"KZ{a.iin}",
            message_id=m)),
        ("xr-a-refused-no-consent", 403, lambda m: bank.get(
            INCOME_STATEMENT, a.iin, purpose="loan-assessment", issue="LOAN-7", message_id=m)),
        ("xr-b-1", 200, lambda m: benefits.get(
            PERSON, b.iin, purpose=given, issue="BEN-2026-3", message_id=m)),
    ]  # fmt: skip
    for message_id, status, call in calls:
        answer = call(message_id)
        assert answer.status == status, (message_id, answer.body)
    # With A's consent the bank is answered; a malformed query still gives nothing out.
    consent = _bank_consent(a, world)
    bad_query = bank.get(
        INCOME_STATEMENT, a.iin, purpose="loan-assessment", issue="LOAN-7",
        query={"from": "last year"}, message_id="xr-a-refused-bad-query",
    )  # fmt: skip
    assert bad_query.status == 400, bad_query.body
    loan = bank.get(
        INCOME_STATEMENT, a.iin, purpose="loan-assessment", issue="LOAN-7", message_id="xr-a-3-bank"
    )
    assert loan.status == 200, loan.body
    return Scenario(
        a_given=["xr-a-3-bank", "xr-a-2-claims-own", "xr-a-2-own", "xr-a-1"],
        a_own={"xr-a-2-own"},
        a_refused=[
            "xr-a-refused-purpose",
            "xr-a-refused-no-issue",
            "xr-a-refused-no-consent",
            "xr-a-refused-bad-query",
        ],
        b_given=["xr-b-1"],
        consent=consent,
    )


@pytest.fixture
def over_http(live_server: LiveServer, settings: Settings, world: ExchangeWorld) -> ExchangeClient:
    settings.QYZMET_PUBLIC_URL = live_server.url
    return ExchangeClient.over_http(BENEFITS, url=live_server.url, signer=world.benefits.signer)


@pytest.mark.django_db(transaction=True)
def test_the_tracker_lists_exactly_the_accesses_made(
    world: ExchangeWorld, over_http: ExchangeClient, citizen_a: Persona, citizen_b: Persona
) -> None:
    a, b = _person(citizen_a), _person(citizen_b)
    scenario = _scenario(world, a, b, over_http)
    # Every request was logged, refusals too: the tracker chooses from the whole log.
    logged = set(ExchangeRecord.objects.values_list("message_id", flat=True))
    assert logged == {*scenario.a_given, *scenario.a_refused, *scenario.b_given}

    # The selector.
    page = selectors.tracker_of(a.iin, language="en")
    assert [e.message_id for e in page.entries] == scenario.a_given
    assert page.older is None
    assert {e.message_id for e in page.entries if e.own_action} == scenario.a_own
    by_id = {e.message_id: e for e in page.entries}
    first = by_id["xr-a-1"]
    assert first.client == BENEFITS
    assert first.client_name == "Ministry of Labour and Social Protection"
    assert (first.service, first.service_title) == (PERSON, "A person's population record")
    assert (first.purpose, first.purpose_name) == ("benefit-assignment", "Assigning a benefit")
    assert first.issue == "BEN-2026-1"
    assert "iin" in first.fields
    assert "surname_kk" in first.fields
    bank = by_id["xr-a-3-bank"]
    assert (bank.client, bank.client_name) == (BANK, "Dala Bank JSC")
    assert bank.consent == str(scenario.consent.public_id)
    assert {"amount", "period", "payer_bin"} <= set(bank.fields)
    assert [e.message_id for e in selectors.tracker_of(b.iin, language="en").entries] == (
        scenario.b_given
    )

    # The page: exactly these, the own action marked, B's page without any of A's.
    page_a = _text(_english(citizen_a).get(TRACKER_PAGE).content)
    shown = [m for m in logged if m in page_a]
    assert sorted(shown) == sorted(scenario.a_given)
    assert page_a.count("Your own action") == len(scenario.a_own)
    assert "BEN-2026-1" in page_a
    assert "Dala Bank JSC" in page_a
    page_b = _text(_english(citizen_b).get(TRACKER_PAGE).content)
    assert [m for m in logged if m in page_b] == scenario.b_given
    assert "Your own action" not in page_b

    # The API.
    body_a = citizen_a.client.get(TRACKER_API).json()
    assert [x["message_id"] for x in body_a["accesses"]] == scenario.a_given
    assert [x["message_id"] for x in body_a["accesses"] if x["own_action"]] == ["xr-a-2-own"]
    assert body_a["older"] is None
    body_b = citizen_b.client.get(TRACKER_API).json()
    assert [x["message_id"] for x in body_b["accesses"]] == scenario.b_given


@pytest.mark.django_db
def test_a_tracker_is_empty_until_someone_asks(world: ExchangeWorld, citizen_a: Persona) -> None:
    page = _text(_english(citizen_a).get(TRACKER_PAGE).content)
    assert "Nobody has been given data about you through the exchange yet." in page
    assert citizen_a.client.get(TRACKER_API).json() == {"accesses": [], "older": None}


@pytest.mark.django_db
def test_names_are_in_the_readers_language(world: ExchangeWorld, citizen_a: Persona) -> None:
    a = _person(citizen_a)
    ExchangeClient.local(BENEFITS).get(PERSON, a.iin, purpose="benefit-assignment", issue="c-1")
    citizen_a.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = _text(citizen_a.client.get(TRACKER_PAGE).content)
    assert "<h1>Трекер данных</h1>" in page
    assert "Запись о лице в регистре населения" in page
    assert "Назначение пособия" in page
    assert "Министерство труда и социальной защиты населения Республики Казахстан" in page
    (access,) = citizen_a.client.get(TRACKER_API).json()["accesses"]
    assert access["service_title"] == "Запись о лице в регистре населения"
    assert access["purpose_name"] == "Назначение пособия"
    kazakh = Client(headers={"Accept-Language": "kk"})
    kazakh.force_login(citizen_a.account)
    (access,) = kazakh.get(TRACKER_API).json()["accesses"]
    assert access["service_title"] == "Тұлғаның халық тіркелімі жазбасы"
    assert access["purpose_name"] == "Жәрдемақы тағайындау"


@pytest.mark.django_db
def test_pages_of_the_tracker_follow_each_other(world: ExchangeWorld, citizen_a: Persona) -> None:
    a = _person(citizen_a)
    benefits = ExchangeClient.local(BENEFITS)
    for number in range(5):
        answer = benefits.get(
            PERSON, a.iin, purpose="benefit-assignment", issue="c", message_id=f"m-{number}"
        )
        assert answer.status == 200
    # Two of them in the same microsecond: the log row breaks the tie.
    same = ExchangeRecord.objects.get(message_id="m-2").at
    ExchangeRecord.objects.filter(message_id="m-3").update(at=same)

    seen: list[str] = []
    cursor = None
    for _ in range(3):
        page = selectors.tracker_of(a.iin, language="en", limit=2, older_than=cursor)
        seen += [e.message_id for e in page.entries]
        cursor = selectors.tracker_cursor_parse(page.older) if page.older else None
    assert seen == ["m-4", "m-3", "m-2", "m-1", "m-0"]
    assert cursor is None

    first = citizen_a.client.get(TRACKER_API, {"limit": 2}).json()
    second = citizen_a.client.get(TRACKER_API, {"limit": 2, "older": first["older"]}).json()
    assert [x["message_id"] for x in first["accesses"] + second["accesses"]] == seen[:4]

    page = _text(_english(citizen_a).get(TRACKER_PAGE).content)
    assert "Earlier entries" not in page  # all five fit on the first page


@pytest.mark.django_db
def test_a_mangled_cursor_is_a_plain_answer(world: ExchangeWorld, citizen_a: Persona) -> None:
    client = _english(citizen_a)
    for bad in ["nonsense!", "bm9uc2Vuc2U", "OTk5OTk5OTk5OTk5OTk5OTk5OS4x", "\x00"]:
        response = client.get(TRACKER_PAGE, {"older": bad})
        assert response.status_code == 400
        assert "That link to earlier entries is not valid." in _text(response.content)
        answer = client.get(TRACKER_API, {"older": bad})
        assert answer.status_code == 422
        assert answer["Content-Type"] == "application/problem+json"
    assert client.get(TRACKER_API, {"limit": 0}).status_code == 422
    assert client.get(TRACKER_API, {"limit": 101}).status_code == 422
    assert client.get(TRACKER_API, {"page": 2}).status_code == 422


@pytest.mark.django_db
def test_the_tracker_reads_a_fixed_number_of_queries(
    world: ExchangeWorld,
    citizen_a: Persona,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    a = _person(citizen_a)
    factories.employ(a, factories.organisation("Employer LLP"))
    _bank_consent(a, world)
    benefits, bank = ExchangeClient.local(BENEFITS), ExchangeClient.local(BANK)
    for number in range(10):
        benefits.get(PERSON, a.iin, purpose="benefit-assignment", issue=f"b-{number}")
        bank.get(INCOME_STATEMENT, a.iin, purpose="loan-assessment", issue=f"l-{number}")
    with django_assert_num_queries(4):  # rows, subsystems, services, purposes
        page = selectors.tracker_of(a.iin, language="en")
    assert len(page.entries) == 20
    # The session and its account (reading writes no session), the caller's person
    # (for the IIN), then the tracker's four.
    with django_assert_num_queries(2 + 1 + 4):  # a citizen has no agency memberships to read
        response = citizen_a.client.get(TRACKER_API)
    assert len(response.json()["accesses"]) == 20


@pytest.mark.django_db
def test_staff_and_anonymous_have_no_tracker(
    world: ExchangeWorld, citizen_a: Persona, officer_x: Persona, anonymous: Persona
) -> None:
    ExchangeClient.local(BENEFITS).get(
        PERSON, _person(citizen_a).iin, purpose="benefit-assignment", issue="c"
    )
    response = _english(officer_x).get(TRACKER_PAGE)
    assert response.status_code == 200
    assert "This page is for citizens" in _text(response.content)
    assert officer_x.client.get(TRACKER_API).json() == {"accesses": [], "older": None}
    login = anonymous.client.get(TRACKER_PAGE)
    assert login.status_code == 302
    assert login["Location"].startswith("/login/")
    assert anonymous.client.get(TRACKER_API).status_code == 401
