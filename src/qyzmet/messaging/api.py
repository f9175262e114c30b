"""/api/v1/messaging: where the SMS operator reports delivery receipts and hands over the
SMS people send to the platform's number.

These endpoints are called by the operator's gateway, not by people: the gateway proves
itself with the shared secret in ``X-Gateway-Secret``, kept in
``QYZMET_HOME/keys/sms-gateway.secret`` (made on first use; give it to the operator).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import APIKeyHeader
from pydantic import AwareDatetime, Field

from qyzmet.core.inputs import PLAIN_TEXT, StrictIn
from qyzmet.messaging.services import sms_inbound_receive, sms_receipt_record

logger = logging.getLogger("qyzmet.messaging")

# An SMS may hold line breaks and tabs, but no other control character (PostgreSQL
# refuses NUL in text, and nobody types the rest on a phone).
SMS_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
MIN_SECRET_LENGTH = 32


def gateway_secret_path() -> Path:
    return Path(settings.QYZMET_HOME) / "keys" / "sms-gateway.secret"


def gateway_secret() -> str:
    """The secret the SMS gateway sends, created (mode 0600) the first time it is asked for."""
    path = gateway_secret_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: two processes starting at once never see
        # a half-written file, and the first one's secret is the one kept.
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


class GatewaySecret(APIKeyHeader):
    """``X-Gateway-Secret: <the secret>``, as the SMS operator's gateway sends it."""

    param_name = "X-Gateway-Secret"

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        expected = gateway_secret()
        if len(expected) < MIN_SECRET_LENGTH:
            logger.error(
                "%s is shorter than %d characters", gateway_secret_path(), MIN_SECRET_LENGTH
            )
            return None
        if key and hmac.compare_digest(key.encode(), expected.encode()):
            return "sms-gateway"
        return None


router = Router(tags=["messaging"], auth=GatewaySecret())


class ReceiptIn(StrictIn):
    provider_id: str = Field(
        min_length=1, max_length=100, pattern=PLAIN_TEXT, description="the gateway's message id"
    )
    status: Literal["delivered", "failed"]
    at: AwareDatetime = Field(description="when the phone got it, or the operator gave up")


class ReceiptOut(Schema):
    provider_id: str
    matched: bool = Field(description="whether the platform sent an SMS with this id")
    status: str | None = Field(description="that SMS's status now")


@router.post("/sms/receipts", response=ReceiptOut, summary="Delivery receipt (SMS gateway)")
def sms_receipt(request: HttpRequest, payload: ReceiptIn) -> ReceiptOut:
    notification = sms_receipt_record(
        provider_id=payload.provider_id, status=payload.status, at=payload.at
    )
    return ReceiptOut(
        provider_id=payload.provider_id,
        matched=notification is not None,
        status=notification.status if notification else None,
    )


class InboundIn(StrictIn):
    provider_id: str = Field(
        min_length=1, max_length=100, pattern=PLAIN_TEXT, description="the gateway's message id"
    )
    sender: str = Field(pattern=r"^\+?[0-9]{7,15}$", description="international format")
    text: str = Field(max_length=1600, pattern=SMS_TEXT)
    at: AwareDatetime = Field(description="when the operator received it")


class InboundOut(Schema):
    provider_id: str
    handled_by: str = Field(description="the keyword whose handler took it, or 'help'")
    replied: bool = Field(description="whether a reply is being sent back")


@router.post(
    "/sms/inbound", response=InboundOut, summary="An SMS sent to the platform (SMS gateway)"
)
def sms_inbound(request: HttpRequest, payload: InboundIn) -> InboundOut:
    inbound = sms_inbound_receive(
        provider_id=payload.provider_id, sender=payload.sender, text=payload.text, at=payload.at
    )
    return InboundOut(
        provider_id=inbound.provider_id, handled_by=inbound.handled_by, replied=bool(inbound.reply)
    )
