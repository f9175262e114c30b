"""Personal access tokens through the API: issued from a session, used as Bearer, scoped,
revocable, expiring, and never stored in a form that could be replayed."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone

from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import AccessToken
from tests.api.endpoints import API, json_call, send
from tests.api.problems import assert_problem
from tests.api.snapshots import changes, snapshot
from tests.api.world import World
from tests.conftest import Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

TOKENS = f"{API}/identity/tokens"


def _issue(persona: Persona, *scopes: str, name: str = "integration") -> dict[str, Any]:
    response = send(persona.client, json_call("POST", TOKENS, {"name": name, "scopes": scopes}))
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _bearer(secret: str, path: str) -> Response:
    return Client().get(path, headers={"Authorization": f"Bearer {secret}"})


def test_issue_use_and_revoke(personas: dict[str, Persona], world: World) -> None:
    citizen = personas["citizen_a"]
    assert citizen.account is not None
    issued = _issue(citizen, "registries:read", "identity:read")
    secret = issued["secret"]
    assert secret.startswith("qzt_")
    assert issued["scopes"] == ["identity:read", "registries:read"]
    assert issued["revoked_at"] is None
    audit = AuditEntry.objects.get(action="token.create", object_id=issued["id"])
    assert audit.actor == f"account:{citizen.account.public_id}"

    me = _bearer(secret, f"{API}/identity/me")
    assert me.status_code == 200
    assert me.json()["id"] == str(citizen.account.public_id)
    assert me.json()["scopes"] == ["identity:read", "registries:read"]
    record = _bearer(secret, f"{API}/registries/population/persons/{world.a.iin}")
    assert record.status_code == 200
    assert record.json()["iin"] == world.a.iin
    assert AccessToken.objects.get(public_id=issued["id"]).last_used_at is not None

    # The secret is listed nowhere afterwards.
    listed = citizen.client.get(TOKENS).json()
    assert issued["id"] in [token["id"] for token in listed]
    assert secret not in citizen.client.get(TOKENS).content.decode()

    revoked = citizen.client.delete(f"{TOKENS}/{issued['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(_bearer(secret, f"{API}/identity/me"), 401)
    assert_problem(_bearer(secret, f"{API}/registries/population/persons/{world.a.iin}"), 401)

    # Revoking again changes nothing and records nothing new.
    before = snapshot()
    again = citizen.client.delete(f"{TOKENS}/{issued['id']}")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert changes(before, snapshot()) == {}


def test_scopes_are_enforced(personas: dict[str, Persona], world: World) -> None:
    citizen = personas["citizen_a"]
    profile_only = _issue(citizen, "identity:read")["secret"]
    registries_only = _issue(citizen, "registries:read")["secret"]
    person = f"{API}/registries/population/persons/{world.a.iin}"

    assert _bearer(profile_only, f"{API}/identity/me").status_code == 200
    assert_problem(_bearer(profile_only, person), 404)
    assert_problem(_bearer(profile_only, f"{API}/registries/vehicles/{world.a.vin}"), 404)
    assert _bearer(registries_only, person).status_code == 200
    assert_problem(_bearer(registries_only, f"{API}/identity/me"), 404)


def test_the_secret_is_not_stored(personas: dict[str, Persona]) -> None:
    issued = _issue(personas["citizen_a"], "identity:read")
    secret = issued["secret"]
    _, lookup, random_part = secret.split("_", 2)
    row = AccessToken.objects.get(public_id=issued["id"])
    assert row.lookup == lookup
    assert row.secret_hash == hashlib.sha256(random_part.encode()).hexdigest()
    stored = [str(getattr(row, f.attname)) for f in AccessToken._meta.concrete_fields]
    assert not [value for value in stored if random_part in value or secret in value]
    audit = AuditEntry.objects.get(action="token.create", object_id=issued["id"])
    assert random_part not in str(audit.data)


def test_an_expired_token_is_refused(personas: dict[str, Persona]) -> None:
    secret = personas["officer_x"].token("identity:read")
    assert _bearer(secret, f"{API}/identity/me").status_code == 200
    AccessToken.objects.filter(account=personas["officer_x"].account).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_problem(_bearer(secret, f"{API}/identity/me"), 401)


def test_a_deactivated_accounts_token_is_refused(personas: dict[str, Persona]) -> None:
    persona = personas["citizen_b"]
    assert persona.account is not None
    secret = persona.token("identity:read")
    persona.account.is_active = False
    persona.account.save(update_fields=["is_active"])
    assert_problem(_bearer(secret, f"{API}/identity/me"), 401)


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "qzt_",
        "qzt__",
        "not-a-token",
        "qzt_0123456789abcdef_wrong",
        "qzt_\u0000_x",
        "qzt_é_x",
        "qzt_" + "f" * 5000,
    ],
    ids=["empty", "prefix", "empty-parts", "other", "unknown", "nul", "non-ascii", "long"],
)
def test_garbage_tokens_are_refused(presented: str, personas: dict[str, Persona]) -> None:
    before = snapshot()
    assert_problem(_bearer(presented, f"{API}/identity/me"), 401)
    assert changes(before, snapshot()) == {}


def test_a_right_lookup_with_a_wrong_secret_is_refused(personas: dict[str, Persona]) -> None:
    secret = personas["operator"].token("identity:read")
    tampered = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert_problem(_bearer(tampered, f"{API}/identity/me"), 401)
    assert _bearer(secret, f"{API}/identity/me").status_code == 200


def test_a_token_cannot_manage_tokens(personas: dict[str, Persona]) -> None:
    citizen = personas["citizen_a"]
    issued = _issue(citizen, "identity:read", "registries:read")
    secret, token_id = issued["secret"], issued["id"]
    bearer = {"Authorization": f"Bearer {secret}"}
    create = json_call("POST", TOKENS, {"name": "minted", "scopes": ["identity:read"]})

    before = snapshot()
    assert_problem(send(Client(), create, headers=bearer), 401)
    assert_problem(Client().get(TOKENS, headers=bearer), 401)
    assert_problem(Client().delete(f"{TOKENS}/{token_id}", headers=bearer), 401)
    assert changes(before, snapshot()) == {}


def test_a_citizen_lists_only_their_own_tokens(personas: dict[str, Persona], world: World) -> None:
    listed = personas["citizen_b"].client.get(TOKENS).json()
    assert [token["id"] for token in listed] == [str(world.b.token_id)]
