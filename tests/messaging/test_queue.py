"""Queueing: once per key, the task saved with the notification, the channel and the
language chosen from the account."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import Account
from qyzmet.messaging.models import Notification, Status
from qyzmet.messaging.services import notification_queue, notification_queue_for
from qyzmet.messaging.simulator import simulated_sms
from qyzmet.messaging.templates import TemplateError
from tests.conftest import Persona
from tests.tasks import tasks_run_pending

ACCEPTED = {"number": "KZ-1", "service": "Birth registration", "deadline": "01.12.2026"}


def _queue(key: str, to: str, **changes: object) -> Notification:
    arguments: dict[str, object] = {
        "key": key, "template": "case-accepted", "context": ACCEPTED, "to": to,
        "channel": "sms", "language": "en", "actor": "test",
    }  # fmt: skip
    return notification_queue(**{**arguments, **changes})  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_same_key_twice_sends_one_sms(phone: str) -> None:
    first = _queue("case:1:accepted", phone)
    second = _queue("case:1:accepted", phone, context={**ACCEPTED, "deadline": "later"})

    assert second.pk == first.pk
    assert second.text == first.text
    assert first.text.endswith("is accepted. Decision due by 01.12.2026.")
    assert Notification.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert AuditEntry.objects.filter(action="messaging.queue").count() == 1

    assert tasks_run_pending() == 1
    sent = simulated_sms(to=phone)
    assert [message.text for message in sent] == [first.text]
    first.refresh_from_db()
    assert first.status == Status.SENT
    assert first.provider_id == sent[0].id
    assert sent[0].reference == str(first.public_id)
    assert first.attempts == 1

    _queue("case:1:accepted", phone)
    assert tasks_run_pending() == 0
    assert len(simulated_sms(to=phone)) == 1


@pytest.mark.django_db
def test_the_task_lives_and_dies_with_the_notification(phone: str) -> None:
    def act_then_fail() -> None:
        with transaction.atomic():
            _queue("case:2:accepted", phone)
            assert DBTaskResult.objects.count() == 1
            raise RuntimeError("the case could not be saved")

    with pytest.raises(RuntimeError):
        act_then_fail()
    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_a_template_mistake_is_refused_at_queue_time(phone: str) -> None:
    with pytest.raises(TemplateError, match="deadline"):
        _queue("case:3:accepted", phone, context={"number": "1", "service": "s"})
    with pytest.raises(TemplateError, match="unknown notification template"):
        _queue("case:3:accepted", phone, template="case-acepted")
    with pytest.raises(ValueError, match="channel"):
        _queue("case:3:accepted", phone, channel="fax")
    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def _account(citizen: Persona, *, phone: str = "", email: str = "", language: str) -> Account:
    account = citizen.account
    assert account is not None
    account.phone, account.email, account.preferred_language = phone, email, language
    account.save(update_fields=["phone", "email", "preferred_language"])
    return account


def test_an_account_is_texted_in_its_language(citizen_a: Persona, phone: str) -> None:
    account = _account(citizen_a, phone=phone, email="a@example.kz", language="ru")
    notification = notification_queue_for(
        key="case:4:accepted", template="case-accepted", context=ACCEPTED, account=account,
        actor="test",
    )  # fmt: skip
    assert notification is not None
    assert (notification.channel, notification.to, notification.language) == ("sms", phone, "ru")
    assert notification.text.startswith("Заявление KZ-1 (Birth registration) принято.")
    assert notification.person == citizen_a.person  # so it shows on their "My notifications"


def test_a_message_to_a_number_alone_is_no_ones(phone: str, citizen_a: Persona) -> None:
    assert _queue("sms-reply:1", phone).person is None
    filed = _queue("case:7:accepted", phone, person=citizen_a.person)
    assert Notification.objects.get(pk=filed.pk).person == citizen_a.person


def test_a_staff_account_is_texted_as_no_person(officer_x: Persona, phone: str) -> None:
    account = officer_x.account
    assert account is not None
    account.phone = phone
    account.save(update_fields=["phone"])
    notification = notification_queue_for(
        key="payout-account:1", template="payout-account-changed", context={"account": "1234"},
        account=account, actor="test",
    )  # fmt: skip
    assert notification is not None
    assert notification.person is None


def test_an_account_without_a_phone_gets_an_e_mail(citizen_a: Persona) -> None:
    account = _account(citizen_a, email="nurlan@example.kz", language="kk")
    notification = notification_queue_for(
        key="case:5:completed", template="case-completed",
        context={"number": "KZ-5", "service": "Birth registration"}, account=account,
        actor="test",
    )  # fmt: skip
    assert notification is not None
    assert notification.channel == "email"

    assert tasks_run_pending() == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    [message] = mail.outbox
    assert message.to == ["nurlan@example.kz"]
    assert message.body == notification.text
    assert "KZ-5" in message.body
    assert message.extra_headers["Message-ID"] == notification.provider_id
    assert str(notification.public_id) in notification.provider_id


def test_an_account_without_phone_or_e_mail_gets_nothing(citizen_a: Persona) -> None:
    account = _account(citizen_a, language="en")
    found = notification_queue_for(
        key="case:6:completed", template="case-completed",
        context={"number": "KZ-6", "service": "s"}, account=account, actor="test",
    )  # fmt: skip
    assert found is None
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_key_queued_at_once_by_two_transactions_is_one_notification(
    phone: str,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    barrier = threading.Barrier(2)
    ids: list[int] = []

    def queue() -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                ids.append(_queue("case:7:accepted", phone).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=queue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 2
    assert ids[0] == ids[1]
    assert Notification.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
