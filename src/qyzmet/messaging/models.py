"""Notifications to people (the outbox), SMS received from them, and reply codes.

A notification is queued once per idempotency key, rendered at queue time and sent by a
task; its status follows it to the person's phone: queued → sending → sent → delivered,
or failed.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField
from qyzmet.identity.models import Person


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")


class Language(models.TextChoices):
    KK = "kk", _("Kazakh")
    RU = "ru", _("Russian")
    EN = "en", _("English")


class Status(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """One message to one person, sent at most once per ``key``."""

    public_id = PublicIdField()
    # The caller's idempotency key, such as "case:<uuid>:accepted": a second queueing with
    # the same key returns this row and sends nothing.
    key = models.CharField(_("key"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    # Whom it is for, when the caller knows: the person can then read it on their "My
    # notifications" page. Not inferred from ``to``: one phone may serve several people.
    # The index below serves that page, so the column needs none of its own.
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    template = models.CharField(_("template"), max_length=60)
    context = models.JSONField(_("context"), default=dict)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # When the current (or last) attempt began: a "sending" one left long ago is stuck.
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    provider_id = models.CharField(_("gateway's message id"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["provider_id"], name="messaging_provider_id"),
            models.Index(fields=["status", "last_attempt_at"], name="messaging_stuck"),
            # A person's notifications, newest first (messaging.selectors.notifications_of).
            models.Index(fields=["person", "-created_at", "-id"], name="messaging_of_person"),
        ]

    def __str__(self) -> str:
        return self.key


class SmsReplyCode(models.Model):
    """A code a person may answer one SMS with (say "4821 YES"): their reply goes to the
    handler registered under ``keyword``, which reads ``subject`` to know what it is about."""

    phone = models.CharField(_("phone"), max_length=20)
    code = models.CharField(_("code"), max_length=12)
    keyword = models.CharField(_("handler keyword"), max_length=30)
    subject = models.CharField(_("subject"), max_length=200)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("SMS reply code")
        verbose_name_plural = _("SMS reply codes")
        constraints = [
            models.UniqueConstraint(fields=["phone", "code"], name="messaging_reply_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.code}"


class InboundSms(models.Model):
    """An SMS a person sent to the platform's number, received once per gateway id."""

    provider_id = models.CharField(_("gateway's message id"), max_length=100, unique=True)
    sender = models.CharField(_("sender"), max_length=20)
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received"))
    # The keyword of the handler that answered, or "help" when none matched.
    handled_by = models.CharField(_("handled by"), max_length=30, blank=True)
    reply_code = models.ForeignKey(
        SmsReplyCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reply = models.TextField(_("reply"), blank=True)

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"
