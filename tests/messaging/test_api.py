"""The gateway endpoints: the shared secret or 401, well-formed bodies or 422, and the
same answers as the services."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest
from django.test import Client

from qyzmet.messaging.api import gateway_secret, gateway_secret_path
from qyzmet.messaging.models import InboundSms, Notification, Status
from qyzmet.messaging.services import notification_queue
from tests.api.problems import assert_problem
from tests.api.snapshots import Snapshot, changes, snapshot
from tests.tasks import tasks_run_pending

pytestmark = pytest.mark.django_db

RECEIPTS, INBOUND = "/api/v1/messaging/sms/receipts", "/api/v1/messaging/sms/inbound"
AT = "2026-03-02T10:00:00+05:00"
RECEIPT: dict[str, Any] = {"provider_id": "sim-1", "status": "delivered", "at": AT}
MESSAGE: dict[str, Any] = {"provider_id": "op-1", "sender": "+77010000009", "text": "HI", "at": AT}
VALID = {RECEIPTS: RECEIPT, INBOUND: MESSAGE}


def _messaging_changes(before: Snapshot) -> dict[str, int | str]:
    """What changed in the tables a gateway call could write (intake accounting aside)."""
    tables = ("messaging.", "core.AuditEntry", "django_tasks_db.")
    return {
        label: change
        for label, change in changes(before, snapshot()).items()
        if label.startswith(tables)
    }


def _post(path: str, body: Any, secret: str | None = None) -> Any:
    headers = {} if secret is None else {"X-Gateway-Secret": secret}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client().post(path, content, content_type="application/json", headers=headers)


def test_the_secret_is_made_once_and_kept_private() -> None:
    secret = gateway_secret()
    assert len(secret) >= 32
    assert stat.S_IMODE(gateway_secret_path().stat().st_mode) == 0o600
    assert gateway_secret() == secret


@pytest.mark.parametrize("secret", [None, "", "wrong", "Я" * 43])
@pytest.mark.parametrize("path", [RECEIPTS, INBOUND])
def test_without_the_secret_the_gateway_is_refused(path: str, secret: str | None) -> None:
    before = snapshot()
    assert_problem(_post(path, VALID[path], secret), 401)
    assert _messaging_changes(before) == {}


def test_a_receipt_marks_the_sms_delivered(phone: str) -> None:
    notification = notification_queue(
        key="case:1:completed", template="case-completed",
        context={"number": "KZ-1", "service": "Pension"}, to=phone, channel="sms",
        language="en", actor="test",
    )  # fmt: skip
    tasks_run_pending()
    notification.refresh_from_db()
    receipt = {"provider_id": notification.provider_id, "status": "delivered", "at": AT}

    for _ in range(2):
        response = _post(RECEIPTS, receipt, gateway_secret())
        assert response.status_code == 200, response.content
        assert response.json() == {
            "provider_id": notification.provider_id, "matched": True, "status": "delivered",
        }  # fmt: skip
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert notification.delivered_at is not None
    assert notification.delivered_at.isoformat() == "2026-03-02T05:00:00+00:00"

    unknown = _post(RECEIPTS, {**receipt, "provider_id": "sim-nobody"}, gateway_secret())
    assert unknown.json() == {"provider_id": "sim-nobody", "matched": False, "status": None}


def test_an_inbound_sms_posted_twice_is_answered_once(phone: str) -> None:
    inbound = {"provider_id": "op-77", "sender": phone, "text": "what?", "at": AT}
    for _ in range(2):
        response = _post(INBOUND, inbound, gateway_secret())
        assert response.status_code == 200, response.content
        assert response.json() == {"provider_id": "op-77", "handled_by": "help", "replied": True}
    assert InboundSms.objects.get().sender == phone
    assert Notification.objects.filter(key="sms-reply:op-77").count() == 1


BAD_BODIES: list[tuple[str, str, Any]] = [
    ("receipt status unknown", RECEIPTS, {**RECEIPT, "status": "sent"}),
    ("receipt without status", RECEIPTS, {"provider_id": "sim-1", "at": AT}),
    ("receipt id empty", RECEIPTS, {**RECEIPT, "provider_id": ""}),
    ("receipt id too long", RECEIPTS, {**RECEIPT, "provider_id": "x" * 101}),
    ("receipt id with NUL", RECEIPTS, {**RECEIPT, "provider_id": "sim\u0000"}),
    ("receipt id a number", RECEIPTS, {**RECEIPT, "provider_id": 5}),
    ("receipt time without offset", RECEIPTS, {**RECEIPT, "at": "2026-03-02T10:00:00"}),
    ("receipt time words", RECEIPTS, {**RECEIPT, "at": "yesterday"}),
    ("receipt unknown field", RECEIPTS, {**RECEIPT, "admin": True}),
    ("receipt array", RECEIPTS, [RECEIPT]),
    ("receipt empty", RECEIPTS, b""),
    ("inbound sender letters", INBOUND, {**MESSAGE, "sender": "Beeline"}),
    ("inbound sender too short", INBOUND, {**MESSAGE, "sender": "+7701"}),
    ("inbound text with NUL", INBOUND, {**MESSAGE, "text": "HI\u0000"}),
    ("inbound text too long", INBOUND, {**MESSAGE, "text": "x" * 1601}),
    ("inbound text lone surrogate", INBOUND, b'{"provider_id": "op-1", "sender": "+77010000009", '
                                            b'"text": "\\ud800", "at": "2026-03-02T10:00:00Z"}'),
    ("inbound without text", INBOUND, {k: v for k, v in MESSAGE.items() if k != "text"}),
    ("inbound null", INBOUND, b"null"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "path", "body"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_a_bad_body_is_a_problem(name: str, path: str, body: Any) -> None:
    before = snapshot()
    assert_problem(_post(path, body, gateway_secret()), 422)
    assert _messaging_changes(before) == {}


@pytest.mark.parametrize("path", [RECEIPTS, INBOUND])
def test_malformed_json_is_a_problem(path: str) -> None:
    assert_problem(_post(path, b'{"provider_id": ', gateway_secret()), 400)


def test_an_sms_with_line_breaks_is_taken(phone: str) -> None:
    body = {**MESSAGE, "sender": phone, "text": "STATUS\r\nKZ-1\tplease"}
    assert _post(INBOUND, body, gateway_secret()).status_code == 200
    assert InboundSms.objects.get().text == "STATUS\r\nKZ-1\tplease"
