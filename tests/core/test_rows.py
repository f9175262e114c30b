"""Rows of hand-written SQL become the very instances the ORM would give."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from qyzmet.core import rows
from qyzmet.identity.models import AccessToken
from qyzmet.identity.services import token_create
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def _select(fields: tuple[str, ...] | None, token: AccessToken) -> AccessToken:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(AccessToken, 't', fields)} FROM {rows.table(AccessToken)} t "  # noqa: S608 - model names
            "WHERE t.public_id = %s",
            [rows.value(AccessToken, "public_id", token.public_id)],
        )
        row = cursor.fetchone()
    assert row is not None
    return rows.instance(AccessToken, row, fields)


def test_an_instance_from_sql_equals_the_orms(citizen_a: Persona) -> None:
    made = token_create(
        account=citizen_a.account, name="bank app", scopes=["cases:read", "cases:write"],
        expires_at=timezone.now() + timedelta(days=1),
    ).token  # fmt: skip
    orm = AccessToken.objects.get(pk=made.pk)
    mine = _select(None, made)
    for field in AccessToken._meta.concrete_fields:  # UUID, JSON, datetimes, foreign keys
        assert getattr(mine, field.attname) == getattr(orm, field.attname), field.name
    assert mine.scopes == ["cases:read", "cases:write"]


def test_some_fields_in_any_order_and_the_rest_deferred(citizen_a: Persona) -> None:
    made = token_create(
        account=citizen_a.account, name="bot", scopes=["identity:read"],
        expires_at=timezone.now() + timedelta(days=1),
    ).token  # fmt: skip
    mine = _select(("scopes", "id", "lookup"), made)  # not the model's order
    assert (mine.pk, mine.lookup, mine.scopes) == (made.pk, made.lookup, ["identity:read"])
    assert mine.get_deferred_fields() >= {"name", "secret_hash", "expires_at"}
    assert mine.name == "bot"  # read when asked, as with .only()
    with pytest.raises(ValueError, match="no columns"):
        rows.columns(AccessToken, "t", ("lookup", "secret"))
