"""My notifications: what the state has sent a citizen, filed under them, in their
language, a page at a time; no one else's, even sent to the same phone."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qyzmet.identity.models import Account
from qyzmet.messaging.models import Notification, Status
from qyzmet.messaging.services import notification_queue, notification_queue_for
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
SHARED_PHONE = "+77010000001"  # citizen A's, given to citizen B too in some tests


def _get(client: Client, language: str = "en", **query: str) -> tuple[int, str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/my/notifications/", query)
    return response.status_code, response.content.decode()


def _text(content: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content)))


def _completed(account: Account, number: str, *, at: datetime | None = None) -> Notification:
    """The "application completed" message, as cases sends it, to ``account``."""
    notification = notification_queue_for(
        key=f"case:{number}:completed", template="case-completed",
        context={"number": number, "service": "Birth registration"}, account=account,
        actor="test",
    )  # fmt: skip
    assert notification is not None
    if at is not None:
        Notification.objects.filter(pk=notification.pk).update(created_at=at)
    return notification


def test_the_citizen_reads_what_was_sent_to_them(citizen_a: Persona) -> None:
    assert citizen_a.account is not None
    at = datetime(2026, 12, 4, 9, 30, tzinfo=ALMATY)
    sent = _completed(citizen_a.account, "KZ-2026-000001", at=at)
    Notification.objects.filter(pk=sent.pk).update(status=Status.DELIVERED)

    status, content = _get(citizen_a.client, "en")
    assert status == 200
    text = _text(content)
    assert "4 December 2026, 09:30" in text
    assert '<time datetime="2026-12-04T' in content
    assert sent.text in text
    assert "SMS" in text
    assert "+7 ••• ••• 00 01" in text  # recognisable, not copyable
    assert SHARED_PHONE not in text
    assert "Delivered" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("kk", ["Менің хабарламаларым", "2026 жылғы 4 желтоқсан, 09:30", "Электрондық пошта",
                "Жіберілмеді", "n•••@example.kz"]),
        ("ru", ["Мои уведомления", "4 декабря 2026 г., 09:30", "Электронная почта",
                "Не удалось отправить", "n•••@example.kz"]),
        ("en", ["My notifications", "4 December 2026, 09:30", "E-mail", "Failed",
                "n•••@example.kz"]),
    ],
)  # fmt: skip
def test_the_page_in_each_language(citizen_a: Persona, language: str, expected: list[str]) -> None:
    account = citizen_a.account
    assert account is not None
    account.phone, account.email = "", "nurlan@example.kz"
    account.save(update_fields=["phone", "email"])
    sent = _completed(account, "KZ-2026-000002", at=datetime(2026, 12, 4, 9, 30, tzinfo=ALMATY))
    Notification.objects.filter(pk=sent.pk).update(status=Status.FAILED)

    status, content = _get(citizen_a.client, language)
    assert status == 200
    assert f'<html lang="{language}">' in content
    text = _text(content)
    missing = [words for words in expected if words not in text]
    assert not missing, missing
    assert "nurlan@example.kz" not in text


def test_others_sent_to_the_same_phone_are_not_shown(
    citizen_a: Persona, citizen_b: Persona
) -> None:
    """A family phone: the page lists what was filed under the person, not what went to
    the number."""
    assert citizen_a.account is not None
    assert citizen_b.account is not None
    citizen_b.account.phone = SHARED_PHONE
    citizen_b.account.save(update_fields=["phone"])
    mine = _completed(citizen_a.account, "KZ-2026-000011")
    theirs = _completed(citizen_b.account, "KZ-2026-000022")
    nobodys = notification_queue(
        key="sms-reply:gateway-1", template="sms-reply", context={"text": "STATUS 33 unknown"},
        to=SHARED_PHONE, channel="sms", language="en", actor="test",
    )  # fmt: skip
    assert {mine.to, theirs.to, nobodys.to} == {SHARED_PHONE}

    text = _text(_get(citizen_a.client)[1])
    assert "KZ-2026-000011" in text
    assert "KZ-2026-000022" not in text
    assert "STATUS 33 unknown" not in text
    text_b = _text(_get(citizen_b.client)[1])
    assert "KZ-2026-000022" in text_b
    assert "KZ-2026-000011" not in text_b


def test_nothing_yet_is_said_plainly(citizen_a: Persona) -> None:
    status, content = _get(citizen_a.client)
    assert status == 200
    assert "The state has not sent you any notifications yet." in _text(content)
    assert 'class="pager"' not in content


def test_newest_first_a_page_at_a_time(citizen_a: Persona, monkeypatch: pytest.MonkeyPatch) -> None:
    from qyzmet.messaging import selectors

    monkeypatch.setattr(selectors, "NOTIFICATIONS_PAGE", 2)
    assert citizen_a.account is not None
    for day in (1, 2, 3):
        _completed(citizen_a.account, f"KZ-2026-00010{day}",
                   at=datetime(2026, 11, day, 12, 0, tzinfo=ALMATY))  # fmt: skip

    _status, first = _get(citizen_a.client)
    text = _text(first)
    assert text.index("KZ-2026-000103") < text.index("KZ-2026-000102")
    assert "KZ-2026-000101" not in text
    assert "Notifications 1 to 2" in text
    assert 'href="?page=2" rel="next"' in first
    assert 'rel="prev"' not in first

    _status, second = _get(citizen_a.client, page="2")
    text = _text(second)
    assert "KZ-2026-000101" in text
    assert "KZ-2026-000103" not in text
    assert "Notifications 3 to 3" in text
    assert 'href="?page=1" rel="prev"' in second
    assert 'rel="next"' not in second

    for page in ("0", "-1", "x", "99999999999"):
        assert "KZ-2026-000103" in _text(_get(citizen_a.client, page=page)[1])


def test_the_page_reads_the_same_statements_however_many_it_shows(citizen_a: Persona) -> None:
    assert citizen_a.account is not None
    _completed(citizen_a.account, "KZ-2026-000201")
    _get(citizen_a.client)  # caches warm
    with CaptureQueriesContext(connection) as one:
        _get(citizen_a.client)
    for n in range(2, 6):
        _completed(citizen_a.account, f"KZ-2026-00020{n}")
    with CaptureQueriesContext(connection) as five:
        _status, content = _get(citizen_a.client)
    assert len(five.captured_queries) == len(one.captured_queries)
    assert "Notifications 1 to 5" in _text(content)


@pytest.mark.parametrize("persona", ["officer_x", "operator"])
def test_staff_are_told_the_page_is_for_citizens(
    personas: dict[str, Persona], persona: str
) -> None:
    status, content = _get(personas[persona].client)
    assert status == 403
    assert "My notifications is for citizens" in _text(content)


def test_anonymous_is_sent_to_login(anonymous: Persona) -> None:
    response = anonymous.client.get("/my/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/my/notifications/"
