"""Reads of the messaging app."""

from __future__ import annotations

from qyzmet.core.paging import Page, page_of
from qyzmet.identity.models import Account
from qyzmet.messaging.models import Notification

NOTIFICATIONS_PAGE = 50  # rows a page of "My notifications", as many as the officers' queue


def sms_sender_account(phone: str) -> Account | None:
    """The active account whose phone is ``phone`` (the first one, if several share it)."""
    return Account.objects.filter(phone=phone, is_active=True).order_by("pk").first()


def notifications_of(person_id: int, *, page: int = 1) -> Page[Notification]:
    """What was sent to the person, newest first, ``NOTIFICATIONS_PAGE`` a page. Only the
    notifications filed under them: others sent to the same phone or address (a shared
    family phone) are not theirs to read."""
    notifications = (
        Notification.objects.filter(person_id=person_id)
        .order_by("-created_at", "-id")  # the index messaging_of_person, read in order
        .only("public_id", "channel", "to", "text", "status", "created_at")
    )
    return page_of(notifications, number=page, size=NOTIFICATIONS_PAGE)
