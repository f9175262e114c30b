"""Delivery receipts from the gateway mark what reached the phone, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qyzmet.core.models import AuditEntry
from qyzmet.messaging.models import Notification, Status
from qyzmet.messaging.services import notification_queue, sms_receipt_record
from qyzmet.messaging.simulator import simulated_sms, simulator_receipts_post
from tests.tasks import tasks_run_pending

pytestmark = pytest.mark.django_db


def _sent(to: str) -> Notification:
    notification = notification_queue(
        key=f"fee:{to}", template="fee-requested",
        context={"number": "KZ-9", "service": "Passport", "amount": "5 900 ₸"},
        to=to, channel="sms", language="ru", actor="test",
    )  # fmt: skip
    tasks_run_pending()
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    return notification


def test_the_simulator_reports_delivery_once(phone: str) -> None:
    notification = _sent(phone)
    assert simulator_receipts_post() >= 1
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert notification.delivered_at is not None
    assert simulator_receipts_post() == 0


def test_a_receipt_given_twice_is_recorded_once(phone: str) -> None:
    notification = _sent(phone)
    at = timezone.now() - timedelta(seconds=3)
    [message] = simulated_sms(to=phone)
    assert message.id == notification.provider_id

    first = sms_receipt_record(provider_id=message.id, status="delivered", at=at)
    second = sms_receipt_record(provider_id=message.id, status="delivered", at=timezone.now())
    assert first is not None
    assert second is not None
    assert first.pk == second.pk == notification.pk
    notification.refresh_from_db()
    assert (notification.status, notification.delivered_at) == (Status.DELIVERED, at)
    assert AuditEntry.objects.filter(action="messaging.receipt").count() == 1

    # A late "failed" does not undo a delivery.
    sms_receipt_record(provider_id=message.id, status="failed", at=timezone.now())
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED


def test_a_failed_receipt_marks_the_notification_failed(phone: str) -> None:
    notification = _sent(phone)
    sms_receipt_record(provider_id=notification.provider_id, status="failed", at=timezone.now())
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.last_error == "the operator could not deliver it"


def test_a_receipt_for_an_unknown_message_changes_nothing(phone: str) -> None:
    notification = _sent(phone)
    for unknown in ("sim-nobody", ""):
        assert (
            sms_receipt_record(provider_id=unknown, status="delivered", at=timezone.now()) is None
        )
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    with pytest.raises(ValueError, match="'delivered' or 'failed'"):
        sms_receipt_record(provider_id=notification.provider_id, status="sent", at=timezone.now())
