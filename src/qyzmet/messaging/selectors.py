"""Reads of the messaging app."""

from __future__ import annotations

from qyzmet.identity.models import Account


def sms_sender_account(phone: str) -> Account | None:
    """The active account whose phone is ``phone`` (the first one, if several share it)."""
    return Account.objects.filter(phone=phone, is_active=True).order_by("pk").first()
