"""Operators see notifications and inbound SMS in the admin, and change nothing there."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.urls import reverse

from qyzmet.messaging.models import InboundSms, Notification
from qyzmet.messaging.services import notification_queue
from qyzmet.messaging.simulator import simulator_reply
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "column"), [(Notification, "key"), (InboundSms, "provider_id")])
def test_the_admin_shows_and_does_not_edit(
    model: type[Model], column: str, operator: Persona, phone: str
) -> None:
    notification = notification_queue(
        key="case:1:completed", template="case-completed",
        context={"number": "KZ-1", "service": "Pension"}, to=phone, channel="sms",
        language="en", actor="test",
    )  # fmt: skip
    inbound = simulator_reply(sender=phone, text="hello")
    row: Model = notification if model is Notification else inbound
    name = f"admin:messaging_{model._meta.model_name}"

    listing = operator.client.get(reverse(f"{name}_changelist"))
    assert listing.status_code == 200
    assert getattr(row, column) in listing.content.decode()
    assert operator.client.get(reverse(f"{name}_change", args=[row.pk])).status_code == 200
    assert operator.client.get(reverse(f"{name}_add")).status_code == 403
    assert operator.client.post(reverse(f"{name}_delete", args=[row.pk])).status_code == 403
    assert model._default_manager.filter(pk=row.pk).exists()
