"""The personas and their records, built once per test module: every test of /api/v1 starts
from the same world, and building it took most of each test's time.

The module's world is committed before its first test and the database emptied after its
last, as a transactional test leaves it. Each test runs in a transaction of its own,
rolled back afterwards as always, so no test sees another's changes; and it gets fresh
objects and clients (``personas``, ``world``), never the ones another test may have
changed in memory. (One transaction held open for the whole module instead, each test in
a savepoint, made the tests' own requests about 70% slower, measured side by side;
probably because PostgreSQL keeps only 64 subtransactions of a transaction in its fast
path, and building the world takes more.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from qyzmet.identity.models import Account, Agency
from qyzmet.identity.services import agency_ensure_defaults
from tests.api.world import World, holdings_build, holdings_for_test
from tests.conftest import (
    AGENCY_X,
    AGENCY_Y,
    FAST_PASSWORD_HASHERS,
    Persona,
    citizen_a_create,
    citizen_b_create,
    officer_create,
    operator_create,
)


@dataclass(frozen=True)
class _Built:
    """A persona as the module built it: its name, account and session."""

    name: str
    account_id: int | None
    session_key: str

    def persona(self) -> Persona:
        client = Client()
        account = None
        if self.account_id is not None:
            account = Account.objects.select_related("person").get(pk=self.account_id)
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_key
        return Persona(self.name, account, client, account.person if account else None)


def _built(persona: Persona) -> _Built:
    cookie = persona.client.cookies.get(settings.SESSION_COOKIE_NAME)
    account_id = persona.account.pk if persona.account else None
    return _Built(persona.name, account_id, cookie.value if cookie else "")


@pytest.fixture(scope="module")
def _module_world(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, qyzmet_home: Path
) -> Iterator[tuple[dict[str, _Built], World]]:
    with (
        django_db_blocker.unblock(),
        override_settings(QYZMET_HOME=qyzmet_home, PASSWORD_HASHERS=FAST_PASSWORD_HASHERS),
        transaction.atomic(),
    ):
        agencies: dict[str, Agency] = {a.code: a for a in agency_ensure_defaults()}
        built = {
            "citizen_a": citizen_a_create(),
            "citizen_b": citizen_b_create(),
            "officer_x": officer_create(agencies[AGENCY_X], "officer.x"),
            "officer_y": officer_create(agencies[AGENCY_Y], "officer.y"),
            "operator": operator_create(),
            "anonymous": Persona("anonymous", None, Client()),
        }
        a, b = built["citizen_a"].account, built["citizen_b"].account
        assert a is not None
        assert b is not None
        world = World(a=holdings_build(a, serial=1), b=holdings_build(b, serial=2))
        # What the services left to do on commit (texts, tasks) is dropped, as it is in a
        # test's transaction, which never commits.
        connection.run_on_commit.clear()
    try:
        yield {name: _built(persona) for name, persona in built.items()}, world
    finally:
        with django_db_blocker.unblock():
            # Emptied as a transactional test leaves the database: the sequences go on, so
            # no id is given twice in a process (caches keyed by id, as cases.selectors'
            # definitions of versions, rely on that, as they may in production).
            call_command("flush", interactive=False, verbosity=0, reset_sequences=False)


@pytest.fixture
def personas(_module_world: tuple[dict[str, _Built], World], db: None) -> dict[str, Persona]:
    """Citizens A and B, officers of agencies X and Y, the operator and anonymous, each with
    a session of their own (anonymous has none)."""
    built, _ = _module_world
    return {name: persona.persona() for name, persona in built.items()}


@pytest.fixture
def world(
    _module_world: tuple[dict[str, _Built], World],
    personas: dict[str, Persona],
    request: pytest.FixtureRequest,
) -> World:
    """Registry records for citizens A and B (and every other persona logged in), and a
    published catalogue."""
    _, lasting = _module_world
    # Applications take long to build: only the tests of their endpoints get them, for
    # the subject under test (the others see NO_CASE, an id nobody has).
    callspec = getattr(request.node, "callspec", None)
    endpoint = callspec.params.get("endpoint") if callspec else None
    cases = endpoint is not None and endpoint.template.startswith("/api/v1/cases")
    programmes = endpoint is not None and endpoint.template.startswith("/api/v1/programmes")
    subject = callspec.params.get("subject", "a") if callspec else "a"
    return World(
        a=holdings_for_test(lasting.a, with_cases=cases and subject == "a",
                            with_programmes=programmes and subject == "a"),
        b=holdings_for_test(lasting.b, with_cases=cases and subject == "b",
                            with_programmes=programmes and subject == "b"),
    )  # fmt: skip
