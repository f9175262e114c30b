"""Sending: retries with growing delays, permanent failures, two workers, and a worker
that dies mid-send."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from qyzmet.messaging.models import Notification, Status
from qyzmet.messaging.services import MAX_ATTEMPTS, notification_queue, notifications_resend_stuck
from qyzmet.messaging.simulator import simulated_sms
from qyzmet.messaging.tasks import notification_send
from tests.messaging.gateways import FlakyGateway, SlowGateway
from tests.tasks import tasks_run_pending

GATEWAYS = "tests.messaging.gateways"


def _queue(to: str, key: str = "case:1:completed") -> Notification:
    return notification_queue(
        key=key, template="case-completed", context={"number": "KZ-1", "service": "Pension"},
        to=to, channel="sms", language="kk", actor="test",
    )  # fmt: skip


def _waiting_until() -> datetime | None:
    """When the one task queued to run later may run."""
    [run_after] = DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list(
        "run_after", flat=True
    )
    return run_after


def _time_passes() -> None:
    """The retry's moment comes: its task becomes ready."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


@pytest.mark.django_db
def test_a_transient_failure_is_retried_later_and_sent_once(settings: Settings, phone: str) -> None:
    settings.QYZMET_SMS_GATEWAY = f"{GATEWAYS}.FlakyGateway"
    FlakyGateway.failures[phone] = 2
    notification = _queue(phone)

    delays = []
    for attempt in (1, 2):
        started = timezone.now()
        assert tasks_run_pending() == 1
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (Status.QUEUED, attempt)
        assert notification.last_error == "503 Service Unavailable"
        assert notification.next_attempt_at is not None
        assert _waiting_until() == notification.next_attempt_at
        delays.append(notification.next_attempt_at - started)
        assert tasks_run_pending() == 0  # not before its time
        assert simulated_sms(to=phone) == []
        _time_passes()

    assert timedelta(seconds=10) <= delays[0] < timedelta(seconds=11)
    assert timedelta(seconds=40) <= delays[1] < timedelta(seconds=41)
    assert tasks_run_pending() == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 3)
    assert notification.last_error == ""
    assert len(simulated_sms(to=phone)) == 1
    assert tasks_run_pending() == 0


@pytest.mark.django_db
def test_a_gateway_down_for_good_fails_after_the_last_attempt(
    settings: Settings, phone: str
) -> None:
    settings.QYZMET_SMS_GATEWAY = f"{GATEWAYS}.FlakyGateway"
    FlakyGateway.failures[phone] = 100
    notification = _queue(phone)
    for _ in range(MAX_ATTEMPTS):
        assert tasks_run_pending() == 1
        _time_passes()
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert simulated_sms(to=phone) == []


@pytest.mark.django_db
def test_a_bad_number_fails_at_once() -> None:
    notification = _queue("8 701 000", key="case:bad-number")
    assert tasks_run_pending() == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, 1)
    assert "not a phone number" in notification.last_error
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_notification_send_it_once(settings: Settings, phone: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite cannot run two writers at once; the race needs PostgreSQL")
    settings.QYZMET_SMS_GATEWAY = f"{GATEWAYS}.SlowGateway"
    notification = _queue(phone)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            outcomes.append(notification_send.call(notification.pk))
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["not queued", "sent"]
    assert SlowGateway.calls[str(notification.public_id)] == 1
    assert len(simulated_sms(to=phone)) == 1


@pytest.mark.django_db
def test_a_notification_stuck_sending_is_sent_again_without_a_duplicate(
    settings: Settings, phone: str
) -> None:
    settings.QYZMET_SMS_GATEWAY = f"{GATEWAYS}.DyingGateway"
    notification = _queue(phone)
    assert tasks_run_pending(fail_on_error=False) == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENDING  # the worker died before recording
    [first] = simulated_sms(to=phone)  # ...but the phone has the message

    settings.QYZMET_SMS_GATEWAY = ""
    assert notifications_resend_stuck(timedelta(minutes=5)) == 0  # it may still be working
    Notification.objects.filter(pk=notification.pk).update(
        last_attempt_at=timezone.now() - timedelta(minutes=6)
    )
    assert notifications_resend_stuck(timedelta(minutes=5)) == 1
    assert tasks_run_pending() == 1

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 2)
    assert notification.provider_id == first.id
    assert simulated_sms(to=phone) == [first]
    assert notifications_resend_stuck(timedelta(0)) == 0
