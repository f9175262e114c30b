"""Sessions: kept alive by use, written now and then rather than on every page view."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from qyzmet.core.middleware import SESSION_REFRESH_EVERY
from tests.conftest import PASSWORD, Persona


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def _expires(client: Client) -> datetime:
    return _session(client).expire_date


def _age_stamp(client: Client, seconds: int) -> None:
    """Make the session's last renewal ``seconds`` older, as if that much time had passed."""
    session = client.session
    session["qyzmet.refreshed"] = int(session["qyzmet.refreshed"]) - seconds
    session.save()


def test_an_active_session_is_renewed_now_and_then_not_on_every_page(citizen_a: Persona) -> None:
    assert citizen_a.account is not None
    client = Client()
    logged_in = client.post("/login/", {"username": citizen_a.account.username,
                                        "password": PASSWORD})  # fmt: skip
    assert logged_in.status_code == 302
    assert "qyzmet.refreshed" in client.session, "stamped when the login saved it"
    renewed = _expires(client)
    for _ in range(3):
        assert client.get("/my-data/").status_code == 200
    assert _expires(client) == renewed, "no write while the renewal is recent"

    _age_stamp(client, SESSION_REFRESH_EVERY - 30)
    before = _expires(client)
    client.get("/my-data/")
    assert _expires(client) == before, "renewed 30 seconds too early"
    _age_stamp(client, 60)  # now past SESSION_REFRESH_EVERY
    before = _expires(client)
    client.get("/my-data/")
    assert _expires(client) > before
    assert client.get("/my-data/").status_code == 200, "still logged in"


def test_a_visitor_without_a_session_gets_none(db: None, anonymous: Persona) -> None:
    before = Session.objects.count()
    assert anonymous.client.get("/services/").status_code == 200
    assert anonymous.client.get("/").status_code == 200
    assert Session.objects.count() == before
    assert settings.SESSION_COOKIE_NAME not in anonymous.client.cookies
