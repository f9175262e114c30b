"""Operators browse the exchange in the admin, read-only, without a query per row."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.evidence import exchange_seal_pending
from qyzmet.exchange.models import ExchangeRecord, ExchangeSeal, Grant, Member, Service, Subsystem
from tests.conftest import Persona
from tests.exchange.world import BENEFITS, PERSON, ExchangeWorld

MODELS: list[type[Model]] = [Member, Subsystem, Service, Grant, ExchangeRecord, ExchangeSeal]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_exchange_admin_is_read_only_and_lists_cheaply(
    world: ExchangeWorld, operator: Persona, citizen_a: Persona, model: type[Model]
) -> None:
    assert citizen_a.person is not None
    client = ExchangeClient.local(BENEFITS)
    for issue in ("a", "b", "c"):
        client.get(PERSON, citizen_a.person.iin, purpose="benefit-assignment", issue=issue)
    exchange_seal_pending()
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    with CaptureQueriesContext(connection) as captured:
        assert operator.client.get(reverse(f"{name}_changelist")).status_code == 200
    assert len(captured.captured_queries) <= 12
    row = model._default_manager.order_by("pk").first()
    assert row is not None
    page = operator.client.get(reverse(f"{name}_change", args=[row.pk]))
    assert page.status_code == 200
    assert b"response_body" not in page.content
    model_admin = admin.site.get_model_admin(model)
    assert not model_admin.has_add_permission(page.wsgi_request)
    assert not model_admin.has_change_permission(page.wsgi_request, row)
    assert not model_admin.has_delete_permission(page.wsgi_request, row)


def test_citizens_do_not_reach_the_exchange_admin(world: ExchangeWorld, citizen_a: Persona) -> None:
    response = citizen_a.client.get(reverse("admin:exchange_exchangerecord_changelist"))
    assert response.status_code == 302
