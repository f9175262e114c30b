"""Read-only admin over notifications and inbound SMS: services write them (queued once
per key, sent by the worker, audited), never the admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qyzmet.core.admin import ReadOnlyAdmin
from qyzmet.messaging.models import InboundSms, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("key", "channel", "template", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("key", "public_id", "provider_id")
    search_help_text = _("Exact key, public id or gateway's message id.")
    fields = (
        "public_id", "key", "channel", "to", "person", "language", "template", "context", "text",
        "status", "attempts", "next_attempt_at", "last_attempt_at", "provider_id",
        "last_error", "created_at", "sent_at", "delivered_at",
    )  # fmt: skip


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    list_display = ("provider_id", "sender", "received_at", "handled_by")
    search_fields = ("provider_id", "sender")
    search_help_text = _("Exact gateway's message id or sender's phone.")
    fields = ("provider_id", "sender", "text", "received_at", "handled_by", "reply_code", "reply")
