"""What the accessibility tests' page types need: the personas who open them, the records
behind them, and ``visit``, which resolves a page type's URL and opens Chromium for it."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.cases import services as cases
from qyzmet.documents.models import Document, DocumentFormat
from qyzmet.documents.samples import samples_issue
from qyzmet.exchange.client import ExchangeClient
from qyzmet.identity.models import Agency
from qyzmet.messaging.models import Notification, Status
from qyzmet.messaging.services import notification_queue, notification_queue_for
from qyzmet.programmes import services as programmes
from qyzmet.trust.authority import TrustSetup
from qyzmet.trust.signing import signing_link
from tests.browser import chromium
from tests.cases.conftest import birth_registration_queued, sign_digest
from tests.conftest import PASSWORD, Persona
from tests.exchange.world import BANK, INCOME_STATEMENT, ExchangeWorld, exchange_world
from tests.portal.accessibility.pages import PageType, Visit
from tests.portal.conftest import Household


@pytest.fixture
def documents(trust: TrustSetup, agencies: dict[str, Agency], citizen_a: Persona) -> list[Document]:
    assert citizen_a.person is not None
    return samples_issue(person=citizen_a.person, language="en", actor="test")


@pytest.fixture
def exchange(trust: TrustSetup, agencies: dict[str, Agency]) -> ExchangeWorld:
    return exchange_world(agencies)


@pytest.fixture
def citizen(
    citizen_a: Persona, household: Household, documents: list[Document], exchange: ExchangeWorld
) -> Persona:
    """Citizen A with records in every registry, three documents, and a consent the bank
    has used once (so the consents page and the data tracker have something to show)."""
    assert citizen_a.person is not None
    last_day = timezone.localdate() + timedelta(days=30)
    form = {"party": BANK, "services": [INCOME_STATEMENT], "purpose": "loan-assessment",
            "last_day": last_day.isoformat()}  # fmt: skip
    given = citizen_a.client.post("/my/consents/give/", form)
    assert given.status_code == 302
    answer = ExchangeClient.local(BANK).get(
        INCOME_STATEMENT, citizen_a.person.iin, purpose="loan-assessment", issue="LOAN-1"
    )
    assert answer.status == 200, answer.error
    return citizen_a


@pytest.fixture
def programme_operator(operator: Persona) -> Persona:
    """The operator, with the programmes qyzmet ships loaded."""
    from qyzmet.catalog.services import catalogue_publish_shipped

    catalogue_publish_shipped(actor="test")
    programmes.programmes_load(actor="test")
    return operator


@pytest.fixture
def crossborder_operator(
    operator: Persona, trust: TrustSetup, agencies: dict[str, Agency]
) -> Persona:
    """The operator of a node with a partner state, one message waiting to be sent to it
    and one refused envelope in the journal."""
    from qyzmet.crossborder.delivery import envelope_receive, message_send, partner_import
    from qyzmet.crossborder.envelope import Enclosure
    from tests.crossborder.test_delivery import KG, NOTE, kg_trust_list
    from tests.documents.pki import make_pki

    partner = partner_import(
        country="KG", name="Kyrgyz Republic", endpoint="http://127.0.0.1:9", actor="test",
        organisation=KG.organisation, trust_list=kg_trust_list(make_pki("ec")),
        document_types=[NOTE],
    )  # fmt: skip
    message_send(
        partner=partner, document_type=NOTE, documents=[Enclosure("n.txt", "text/plain", b"1")],
        actor="test",
    )  # fmt: skip
    envelope_receive(b"<not-an-envelope/>", remote_address="192.0.2.7")
    return operator


@pytest.fixture
def programme(programme_operator: Persona) -> str:
    return "emergency-2020"


@pytest.fixture
def between_password_and_code(operator: Persona) -> Persona:
    """Someone who gave the right password and is asked for the one-time code."""
    client = Client()
    response = client.post("/login/", {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    return Persona("between password and code", None, client)


@pytest.fixture
def document_code(documents: list[Document]) -> str:
    return next(d.short_code for d in documents if d.format == DocumentFormat.PDF)


@pytest.fixture
def signing_link_url(citizen: Persona) -> str:
    assert citizen.account is not None
    return signing_link(
        account=citizen.account, sha256="ab" * 32, description="Application for a permit"
    )


@pytest.fixture
def approval_to_sign(registrar: Persona, queued_case: str) -> str:
    """Where the registrar is sent to sign their approval of the queued application (its
    words wait in their session)."""
    assert registrar.client.post(f"/office/cases/{queued_case}/claim/").status_code == 302
    asked = registrar.client.post(f"/office/cases/{queued_case}/approve/", {"text": "Checked."})
    assert asked.status_code == 302
    return str(asked["Location"])


@pytest.fixture
def approval_signed(registrar: Persona, queued_case: str, approval_to_sign: str) -> str:
    """The page that makes the registrar's approval, signed (with a key file)."""
    assert registrar.account is not None
    digest = dict(parse_qsl(urlsplit(approval_to_sign).query))["sha256"]
    signature = sign_digest(digest, registrar.account)
    return f"/office/cases/{queued_case}/approve/?signature={signature.public_id}"


@pytest.fixture
def notified_citizen(citizen_a: Persona) -> Persona:
    """Citizen A, told by SMS that an application was accepted (delivered), and by e-mail
    (which failed) that one was completed."""
    account = citizen_a.account
    assert account is not None
    accepted = notification_queue_for(
        key="case:a11y:accepted", template="case-accepted", account=account, actor="test",
        context={"number": "KZ-2026-000042", "service": "Birth registration",
                 "deadline": "7 December 2026"},
    )  # fmt: skip
    assert accepted is not None
    Notification.objects.filter(pk=accepted.pk).update(status=Status.DELIVERED)
    notification_queue(
        key="case:a11y:completed", template="case-completed", to="nurlan.abenov@example.kz",
        channel="email", language="kk", actor="test", person=citizen_a.person,
        context={"number": "KZ-2026-000041", "service": "Birth registration"},
    )  # fmt: skip
    Notification.objects.filter(key="case:a11y:completed").update(status=Status.FAILED)
    return citizen_a


@pytest.fixture
def reader(anonymous: Persona, published: None) -> Persona:
    """Someone not logged in, reading the published catalogue."""
    return anonymous


@pytest.fixture
def applications(published: None, citizen_a: Persona, registrar: Persona) -> dict[str, str]:
    """Citizen A's applications in each state a page shows: a life situation whose birth
    registration waits in the registry office's queue, a draft, and one ready to sign."""
    account = citizen_a.account
    assert account is not None
    queued = birth_registration_queued(account)
    situation = queued.situation
    assert situation is not None
    draft = cases.case_open(account=account, service="birth-registration")
    ready = cases.case_open(account=account, service="kindergarten-queue", answers={
        "child_iin": "261201600017", "child_given_name": "Aruzhan",
        "child_birth_date": "2026-12-01", "district": "Astana, Yesil district", "language": "kk",
    })  # fmt: skip
    return {"situation": str(situation.public_id), "queued": str(queued.public_id),
            "draft": str(draft.public_id), "ready": str(ready.public_id)}  # fmt: skip


@pytest.fixture
def applicant(citizen_a: Persona, applications: dict[str, str]) -> Persona:
    return citizen_a


@pytest.fixture
def my_situation(applications: dict[str, str]) -> str:
    return applications["situation"]


@pytest.fixture
def draft_case(applications: dict[str, str]) -> str:
    return applications["draft"]


@pytest.fixture
def ready_case(applications: dict[str, str]) -> str:
    return applications["ready"]


@pytest.fixture
def queued_case(applications: dict[str, str]) -> str:
    return applications["queued"]


@pytest.fixture
def visit(
    request: pytest.FixtureRequest, settings: Settings, live_server: LiveServer
) -> Iterator[Visit]:
    page_type: PageType = request.param
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    persona: Persona = request.getfixturevalue(page_type.persona)
    names = [name for _, name, _, _ in string.Formatter().parse(page_type.url) if name]
    values = {name: request.getfixturevalue(name) for name in names if name != "language"}
    url = page_type.url.format(**values, language="{language}")
    cookie = persona.client.cookies.get(settings.SESSION_COOKIE_NAME)
    found = Visit(page_type, live_server.url, url, cookie.value if cookie else "")
    # Chromium starts last: issuing a signed PDF runs an event loop of its own, which cannot
    # start inside the one Playwright runs.
    with chromium() as browser:
        found.browser = browser
        yield found
