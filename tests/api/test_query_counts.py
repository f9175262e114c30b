"""List endpoints run a fixed number of queries however long the list: an N+1 fails here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from qyzmet.identity.services import token_create
from qyzmet.registries import models as m
from qyzmet.registries.versioning import record_revise
from tests import factories
from tests.api import world as records
from tests.api.endpoints import API, BY_KEY, send
from tests.api.world import World
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

MORE = 10  # items added to each of citizen A's lists, on top of the one the world has

# Every session request costs this much before the endpoint runs: the session and the
# account are read, the caller's agency memberships, and the session is saved again.
SESSION = 6

# Endpoint, its own queries, and how many items the answer must hold (so the pin is
# tested against a long list, not an empty one).
PINS: list[tuple[str, int, int]] = [
    (f"GET {API}/identity/tokens", 1, 1 + MORE),
    (f"GET {API}/registries", 0, 8),
    (f"GET {API}/registries/population/persons/{{iin}}/history", 3, 1 + MORE),
    # A and A's children; an unsafe method is also counted for admission control (one upsert).
    (f"POST {API}/registries/population/search", 1 + 1, 1 + 1 + MORE),
    (f"GET {API}/registries/families/persons/{{iin}}", 2, 1 + MORE),
    (f"GET {API}/registries/real-estate/persons/{{iin}}", 2, 1 + MORE),
    (f"GET {API}/registries/vehicles/persons/{{iin}}", 2, 1 + MORE),
    (f"GET {API}/registries/employment/persons/{{iin}}", 3, (1 + MORE) * 4),  # 3 incomes each
    (f"GET {API}/registries/benefits/persons/{{iin}}", 2, 1 + MORE),
]


def _grow(world: World) -> None:
    a = world.a
    home = m.AddressUnit.objects.get(code=a.address_code)
    record = m.PopulationRecord.objects.get(person=a.person)
    for i in range(MORE):
        records.vehicle(a.person, vin=f"XTA{i:014d}")
        records.estate(a.person, cadastral_number=f"99-000-000-{i:04d}", home=home)
        records.benefit(a.person)
        records.child(a.person, surname=a.surname)
        factories.employ(a.person, factories.organisation(f"Employer {i} LLP"))
        token_create(
            account=a.account,
            name=f"token {i}",
            scopes=["identity:read"],
            expires_at=timezone.now() + timedelta(days=1),
        )
        record = record_revise(
            record=record,
            changes={"registered_since": date(2021, 1, 1) + timedelta(days=i)},
            reason="correction",
            actor="system",
        )


def _items(body: Any) -> int:
    if isinstance(body, dict):  # employment: jobs and incomes
        return sum(len(part) for part in body.values())
    return len(body)


@pytest.mark.parametrize(("key", "own_queries", "items"), PINS, ids=[pin[0] for pin in PINS])
def test_list_queries_are_pinned(
    key: str,
    own_queries: int,
    items: int,
    personas: dict[str, Persona],
    world: World,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    _grow(world)
    endpoint = BY_KEY[key]
    caller = "citizen_a" if endpoint.session_only else "operator"
    with django_assert_max_num_queries(SESSION + own_queries):
        response = send(personas[caller].client, endpoint.call(world.a))
    assert response.status_code == 200
    assert _items(response.json()) == items
