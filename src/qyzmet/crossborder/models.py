"""What a national node keeps: its partner states, and a journal of every envelope it sent,
received or refused, with the signed receipts and error signals as evidence."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Partner(models.Model):
    """Another state's node: where to send, and whose roots vouch for its signatures."""

    country = models.CharField(max_length=2, unique=True)  # ISO 3166-1 alpha-2
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=32)  # the partner node's, the default receiver
    endpoint = models.URLField()  # base URL; envelopes go to ENDPOINT/crossborder/v1/envelopes
    # The partner's TS 119 612 trust list as imported (signed XML), and what it said.
    trust_list = models.BinaryField()
    trust_list_sequence = models.PositiveIntegerField()
    trust_list_issued_at = models.DateTimeField()
    # Document types this node sends the partner (routing): a list of strings.
    document_types = models.JSONField(default=list)
    # The exchange subsystem that stands for the partner when its requests read this
    # node's registries (grants, consents and the data tracker name it).
    exchange_client = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.country} {self.name}"


class OutgoingStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to be sent")  # stored; waits for (another) attempt
    SENDING = "sending", _("being sent")
    DELIVERED = "delivered", _("delivered")  # the partner's receipt matched what was sent
    REFUSED = "refused", _("refused by the partner")  # with a signed error signal
    FAILED = "failed", _("not delivered in time")  # undeliverable within the replay window


class OutgoingMessage(models.Model):
    message_id = models.UUIDField(unique=True, default=uuid.uuid4)
    conversation_id = models.UUIDField()
    sequence = models.PositiveIntegerField()
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="outgoing")
    document_type = models.CharField(max_length=100)
    envelope = models.BinaryField()  # sealed before the first attempt
    envelope_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=OutgoingStatus.choices, default=OutgoingStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    receipt = models.BinaryField(null=True, blank=True)
    error_signal = models.BinaryField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The application the message was sent for, when there is one (a certificate request).
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "conversation_id", "sequence"], name="outgoing_in_order"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.partner_id}"


class IncomingStatus(models.TextChoices):
    RECEIVED = "received", _("received, waiting for its turn")
    PROCESSED = "processed", _("processed")
    FAILED = "failed", _("could not be processed")  # the reason is in ``outcome``


class IncomingMessage(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="incoming")
    message_id = models.UUIDField()
    conversation_id = models.UUIDField()
    sequence = models.PositiveIntegerField()
    document_type = models.CharField(max_length=100)
    envelope = models.BinaryField()
    envelope_sha256 = models.CharField(max_length=64)
    receipt = models.BinaryField()
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=IncomingStatus.choices, default=IncomingStatus.RECEIVED
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    duplicates = models.PositiveIntegerField(default=0)  # the same envelope received again

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "message_id"], name="incoming_once"),
            models.UniqueConstraint(
                fields=["partner", "conversation_id", "sequence"], name="incoming_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ← {self.partner_id}"


class RefusedEnvelope(models.Model):
    """An envelope this node refused, with the signed error signal it answered."""

    at = models.DateTimeField()
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    sender_country = models.CharField(max_length=2, blank=True)  # as claimed, when readable
    message_id = models.UUIDField(null=True, blank=True)  # as claimed, when readable
    code = models.CharField(max_length=40)
    detail = models.TextField()
    envelope = models.BinaryField()  # its first REFUSED_KEPT_BYTES (crossborder.delivery)
    envelope_sha256 = models.CharField(max_length=64)  # of all of it
    error_signal = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.envelope_sha256[:12]}"
