"""Who may call what: every endpoint, every persona, as a session and with tokens.

Each call must give exactly the expected answer, show the subject's data exactly when it
should, and change nothing in the database beyond what the endpoint is for.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from qyzmet.identity.services import TOKEN_SCOPES
from qyzmet.registries.models import RealEstateOwnership
from tests.api.endpoints import (
    ENDPOINTS,
    HIDDEN,
    ROLES,
    Endpoint,
    Outcome,
    json_call,
    role_of,
    send,
)
from tests.api.problems import assert_problem
from tests.api.snapshots import changes, snapshot
from tests.api.world import World
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "citizen_a", "citizen_b", "officer_x", "officer_y", "operator")
SUBJECTS = ("a", "b")


def test_every_documented_operation_has_access_rules(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    documented = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == {endpoint.key for endpoint in ENDPOINTS}


def test_the_table_covers_every_role() -> None:
    for endpoint in ENDPOINTS:
        assert len(endpoint.outcomes) == len(ROLES), endpoint.key


def _check(
    endpoint: Endpoint,
    persona: Persona,
    world: World,
    subject: str,
    expected: Outcome,
    token: str | None = None,
    *,
    scoped: bool = True,
) -> None:
    client = Client() if token is not None else persona.client
    before = snapshot()
    response = send(client, endpoint.call(world.of(subject)), token=token)
    after = snapshot()

    if expected.status >= 400:
        assert_problem(response, expected.status)
        # A token without the scope stops at its check, unless the endpoint takes another.
        reached = expected.status != 401 and (scoped or endpoint.unscoped != HIDDEN)
        assert changes(before, after) == (endpoint.refusal_writes if reached else {})
        return
    assert response.status_code == expected.status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    shows = endpoint.shows(json.loads(content), world.of(subject), persona.account)
    assert shows is expected.sees
    assert changes(before, after) == endpoint.writes


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("persona_name", PERSONAS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
def test_session_access(
    endpoint: Endpoint,
    persona_name: str,
    subject: str,
    personas: dict[str, Persona],
    world: World,
) -> None:
    expected = endpoint.outcome(role_of(persona_name, subject))
    _check(endpoint, personas[persona_name], world, subject, expected)


@pytest.mark.parametrize("scoped", [True, False], ids=["with-scope", "without-scope"])
@pytest.mark.parametrize("persona_name", ["citizen_a", "officer_x", "officer_y", "operator"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
def test_token_access(
    endpoint: Endpoint,
    persona_name: str,
    scoped: bool,
    personas: dict[str, Persona],
    world: World,
) -> None:
    """A bearer token alone (no session): its scopes limit it, and it manages no tokens."""
    scopes = set(TOKEN_SCOPES) if scoped else set(TOKEN_SCOPES) - {endpoint.scope}
    persona = personas[persona_name]
    token = persona.token(*sorted(scopes))
    expected = endpoint.token_outcome(role_of(persona_name, "a"), scoped=scoped)
    _check(endpoint, persona, world, "a", expected, token=token, scoped=scoped)


def test_registries_listed_are_those_of_the_callers_agency(
    personas: dict[str, Persona], world: World
) -> None:
    def codes(name: str) -> list[str]:
        response = personas[name].client.get("/api/v1/registries")
        assert response.status_code == 200
        return [registry["code"] for registry in response.json()]

    assert codes("citizen_a") == []
    assert codes("officer_x") == ["population", "vehicles"]
    assert codes("officer_y") == ["employment", "benefits"]
    assert codes("operator") == [
        "population", "families", "addresses", "real-estate",
        "vehicles", "legal-entities", "employment", "benefits",
    ]  # fmt: skip


def test_a_citizen_searching_finds_only_themselves(
    personas: dict[str, Persona], world: World
) -> None:
    search = json_call("POST", "/api/v1/registries/population/search", {"birth_date": "1990-05-17"})
    found = send(personas["citizen_a"].client, search).json()
    assert [person["iin"] for person in found] == [world.a.iin]
    everyone = send(personas["operator"].client, search).json()
    assert {person["iin"] for person in everyone} == {world.a.iin, world.b.iin}


def test_a_former_owner_no_longer_sees_the_flat(personas: dict[str, Persona], world: World) -> None:
    RealEstateOwnership.objects.filter(owner_person=world.a.person).update(until=date(2026, 1, 31))
    path = f"/api/v1/registries/real-estate/objects/{world.a.cadastral_number}"
    assert_problem(personas["citizen_a"].client.get(path), 404)
    assert personas["operator"].client.get(path).status_code == 200


def test_session_post_without_csrf_token_is_refused(
    personas: dict[str, Persona], world: World
) -> None:
    account = personas["citizen_a"].account
    assert account is not None
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(account)
    create = json_call(
        "POST", "/api/v1/identity/tokens", {"name": "csrf", "scopes": ["identity:read"]}
    )

    before = snapshot()
    for call in (
        create,
        json_call("POST", "/api/v1/registries/population/search", {"surname": world.a.surname}),
    ):
        assert_problem(send(browser, call), 403)
    revoke = f"/api/v1/identity/tokens/{world.a.token_id}"
    assert_problem(browser.delete(revoke), 403)
    assert changes(before, snapshot()) == {}

    # The same request with the CSRF cookie and header goes through.
    secret = "k" * 32
    browser.cookies["qyzmet_csrf"] = secret
    response = send(browser, create, headers={"X-CSRFToken": secret})
    assert response.status_code == 201, response.content


def test_bearer_token_post_needs_no_csrf_token(personas: dict[str, Persona], world: World) -> None:
    token = personas["operator"].token("registries:read")
    call = json_call("POST", "/api/v1/registries/population/search", {"surname": world.a.surname})
    response = send(Client(enforce_csrf_checks=True), call, token=token)
    assert response.status_code == 200
    assert world.a.iin in [person["iin"] for person in response.json()]
