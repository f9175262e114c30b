"""The mediator's rules, over HTTP on loopback and through the in-process client."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.exchange.assertions import assertion_make, request_hash, request_message
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import ExchangeRecord, Service
from qyzmet.exchange.services import grant_revoke
from qyzmet.trust.jws import b64url, b64url_decode, canonical_json
from qyzmet.trust.signer import SigningIdentity
from tests.conftest import Persona
from tests.documents.pki import make_pki
from tests.exchange.world import BENEFITS, INCOME_STATEMENT, PERSON, ExchangeWorld

PROVIDER = PERSON.rsplit("/", 1)[0]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        value = json.loads(self.body)
        assert isinstance(value, dict)
        return value


@dataclass
class Mediator:
    url: str
    world: ExchangeWorld

    def raw(self, path: str, headers: dict[str, str]) -> Reply:
        connection = http.client.HTTPConnection(urlsplit(self.url).netloc, timeout=10)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        reply = Reply(response.status, dict(response.getheaders()), response.read())
        connection.close()
        return reply

    def headers(
        self,
        path: str,
        *,
        client: str = BENEFITS,
        signer: SigningIdentity | None = None,
        purpose: str = "benefit-assignment",
        issue: str = "case-1",
        user_id: str = "",
        assertion: str | None = None,
    ) -> dict[str, str]:
        token = assertion or assertion_make(
            signer=signer or self.world.benefits.signer,
            client=client,
            audience=self.url,
            message_hash=request_hash(request_message("GET", path, b"")),
        )
        headers = {"X-Road-Client": client, "Authorization": f"Bearer {token}"}
        optional = {"X-Qyzmet-Purpose": purpose, "X-Road-Issue": issue, "X-Road-UserId": user_id}
        headers.update({k: v for k, v in optional.items() if v})
        return headers

    def get(self, path: str, **options: object) -> Reply:
        return self.raw(path, self.headers(path, **options))  # type: ignore[arg-type]


@pytest.fixture
def mediator(live_server: LiveServer, settings: Settings, world: ExchangeWorld) -> Mediator:
    settings.QYZMET_PUBLIC_URL = live_server.url
    return Mediator(live_server.url, world)


@pytest.fixture
def iin(citizen_a: Persona) -> str:
    assert citizen_a.person is not None
    return citizen_a.person.iin


def test_a_granted_client_gets_the_record_over_http(mediator: Mediator, iin: str) -> None:
    reply = mediator.get(f"/r1/{PERSON}/{iin}", user_id="KZ870101300123")
    assert reply.status == 200, reply.body
    assert reply.json()["iin"] == iin
    message = request_message("GET", f"/r1/{PERSON}/{iin}", b"")
    record = ExchangeRecord.objects.get()
    assert reply.headers["X-Road-Request-Id"] == str(record.pk)
    assert record.request_hash == request_hash(message)
    assert (record.client, record.service, record.subject_iin, record.own_action) == (
        BENEFITS,
        PERSON,
        iin,
        False,
    )
    assert {"iin", "surname_kk", "birth_date"} <= set(record.fields)


def test_only_platform_code_may_mark_an_own_action(mediator: Mediator, iin: str) -> None:
    assert mediator.get(f"/r1/{PERSON}/{iin}", user_id=f"KZ{iin}").status == 200
    local = ExchangeClient.local(BENEFITS)
    assert (
        local.get(PERSON, iin, purpose="benefit-assignment", issue="c", user_id=iin).status == 200
    )
    assert list(ExchangeRecord.objects.order_by("id").values_list("channel", "own_action")) == [
        ("http", False),
        ("local", True),
    ]


REFUSALS: dict[str, tuple[Callable[[Mediator, str], Reply], int, str]] = {
    "no assertion": (
        lambda m, iin: m.raw(f"/r1/{PERSON}/{iin}", {"X-Road-Client": BENEFITS}),
        401,
        "Client.MissingAssertion",
    ),
    "unknown client": (
        lambda m, iin: m.get(f"/r1/{PERSON}/{iin}", client="QZ/GOV/990240000030/nobody"),
        401,
        "Client.UnknownClient",
    ),
    "malformed client id": (
        lambda m, iin: m.raw(f"/r1/{PERSON}/{iin}", {"X-Road-Client": "not an id"}),
        400,
        "Client.InvalidClientIdentifier",
    ),
    "no grant": (
        lambda m, iin: m.get(f"/r1/{_family_links()}/{iin}"),
        403,
        "Server.ServerProxy.AccessDenied",
    ),
    "wrong purpose": (
        lambda m, iin: m.get(f"/r1/{PERSON}/{iin}", purpose="tax-administration"),
        403,
        "Server.ServerProxy.PurposeNotGranted",
    ),
    "no purpose": (
        lambda m, iin: m.get(f"/r1/{PERSON}/{iin}", purpose=""),
        400,
        "Client.MissingPurpose",
    ),
    "no case reference": (
        lambda m, iin: m.get(f"/r1/{PERSON}/{iin}", issue=""),
        400,
        "Client.MissingIssue",
    ),
    "not an IIN": (
        lambda m, iin: m.get(f"/r1/{PERSON}/123"),
        400,
        "Client.BadRequest",
    ),
    "a NUL in the path": (
        lambda m, iin: m.get(f"/r1/{PERSON}/{iin}%00"),
        400,
        "Client.BadRequest",
    ),
    "unknown service": (
        lambda m, iin: m.get(f"/r1/{PROVIDER}/nothing/{iin}"),
        404,
        "Server.ServerProxy.UnknownService",
    ),
    "bad message id": (
        lambda m, iin: m.raw(
            f"/r1/{PERSON}/{iin}", {**m.headers(f"/r1/{PERSON}/{iin}"), "X-Road-Id": "a b"}
        ),
        400,
        "Client.InvalidMessageId",
    ),
    "assertion for another request": (
        lambda m, iin: m.raw(f"/r1/{PERSON}/{iin}", m.headers(f"/r1/{PERSON}/{iin}0")),
        401,
        "Client.InvalidAssertion",
    ),
    "tampered assertion": (
        lambda m, iin: m.get(
            f"/r1/{PERSON}/{iin}",
            assertion=_tampered(m.headers(f"/r1/{PERSON}/{iin}")["Authorization"][7:]),
        ),
        401,
        "Client.InvalidAssertion",
    ),
    "another client's key": (
        lambda m, iin: m.get(f"/r1/{PERSON}/{iin}", signer=m.world.bank.signer),
        401,
        "Client.InvalidAssertion",
    ),
    "self-made certificate": (
        lambda m, iin: m.get(f"/r1/{PERSON}/{iin}", signer=_self_signed()),
        401,
        "Client.InvalidAssertion",
    ),
    "consent missing": (
        lambda m, iin: m.get(
            f"/r1/{INCOME_STATEMENT}/{iin}", client=m.world.bank.identifier,
            signer=m.world.bank.signer, purpose="loan-assessment",
        ),
        403,
        "Server.ServerProxy.ConsentMissing",
    ),
}  # fmt: skip


def _family_links() -> str:
    """A service the benefits office has no grant to."""
    return Service.objects.get(code="links").identifier


def _tampered(token: str) -> str:
    """The same assertion with a later expiry: the signature no longer matches."""
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["exp"] += 3600
    return f"{header}.{b64url(canonical_json(claims))}.{signature}"


def _self_signed() -> SigningIdentity:
    """A signer whose chain leads to a CA nobody trusts."""
    return make_pki().signer


@pytest.mark.parametrize("case", REFUSALS)
def test_each_refusal_has_its_error_and_is_logged(mediator: Mediator, iin: str, case: str) -> None:
    send, status, error = REFUSALS[case]
    reply = send(mediator, iin)
    assert (reply.status, reply.headers.get("X-Road-Error")) == (status, error), reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == status
    assert problem["title"] == error
    assert problem["detail"]
    record = ExchangeRecord.objects.get()
    assert (record.status, record.error) == (status, error)
    assert record.fields == []


def test_a_replayed_assertion_is_refused_and_logged(mediator: Mediator, iin: str) -> None:
    path = f"/r1/{PERSON}/{iin}"
    headers = mediator.headers(path)
    assert mediator.raw(path, headers).status == 200
    replay = mediator.raw(path, headers)
    assert (replay.status, replay.headers["X-Road-Error"]) == (401, "Client.ReplayedAssertion")
    assert list(ExchangeRecord.objects.order_by("id").values_list("status", "error")) == [
        (200, ""),
        (401, "Client.ReplayedAssertion"),
    ]


def test_an_expired_assertion_is_refused(mediator: Mediator, iin: str) -> None:
    path = f"/r1/{PERSON}/{iin}"
    old = assertion_make(
        signer=mediator.world.benefits.signer,
        client=BENEFITS,
        audience=mediator.url,
        message_hash=request_hash(request_message("GET", path, b"")),
        now=1_700_000_000,
    )
    reply = mediator.get(path, assertion=old)
    assert reply.status == 401
    assert "expired" in reply.json()["detail"]  # type: ignore[operator]


def test_an_assertion_for_another_mediator_is_refused(mediator: Mediator, iin: str) -> None:
    path = f"/r1/{PERSON}/{iin}"
    elsewhere = assertion_make(
        signer=mediator.world.benefits.signer,
        client=BENEFITS,
        audience="https://another-node.example",
        message_hash=request_hash(request_message("GET", path, b"")),
    )
    assert mediator.get(path, assertion=elsewhere).status == 401


def test_a_revoked_grant_is_refused_from_the_next_request(mediator: Mediator, iin: str) -> None:
    path = f"/r1/{PERSON}/{iin}"
    assert mediator.get(path).status == 200
    grant_revoke(client=BENEFITS, service=PERSON, actor="test-operator")
    assert mediator.get(path).headers["X-Road-Error"] == "Server.ServerProxy.AccessDenied"


def test_metaservices_list_what_a_client_may_call(mediator: Mediator) -> None:
    methods = mediator.get(f"/r1/{PROVIDER}/listMethods").json()["service"]
    allowed = mediator.get(f"/r1/{PROVIDER}/allowedMethods").json()["service"]
    assert [s["service_code"] for s in methods] == ["person"]  # type: ignore[index]
    assert [s["service_code"] for s in allowed] == ["person"]  # type: ignore[index]
    families = _family_links().rsplit("/", 1)[0]
    assert mediator.get(f"/r1/{families}/allowedMethods").json() == {"service": []}
    openapi = mediator.get(f"/r1/{PROVIDER}/getOpenAPI?serviceCode=person").json()
    assert openapi["openapi"] == "3.1.0"
    clients = mediator.get("/r1/QZ/listClients").json()["member"]
    assert {"id": BENEFITS} in clients  # type: ignore[operator]


def test_local_client_follows_the_same_rules(world: ExchangeWorld, iin: str) -> None:
    local = ExchangeClient.local(BENEFITS)
    refused = local.get(PERSON, iin, purpose="tax-administration", issue="c")
    assert (refused.status, refused.error) == (403, "Server.ServerProxy.PurposeNotGranted")
    answer = local.get(PERSON, iin, purpose="benefit-assignment", issue="c")
    assert answer.status == 200
    assert answer.json()["iin"] == iin
    assert list(ExchangeRecord.objects.values_list("channel", "status").order_by("id")) == [
        ("local", 403),
        ("local", 200),
    ]
