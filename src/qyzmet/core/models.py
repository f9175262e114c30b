from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    """One audited act. Rows are only ever inserted; seals make edits detectable."""

    at = models.DateTimeField()
    actor = models.CharField(max_length=120)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=120, blank=True)
    data = models.JSONField(default=dict, blank=True)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor}"


class AuditSeal(models.Model):
    """A signed Merkle root over the entries after the previous seal, chained to it.

    ``leaves`` keeps (entry id, entry digest) pairs so that verification can name the
    entry that was edited, inserted or deleted, not only say that something was.
    """

    number = models.PositiveIntegerField(unique=True)
    after_entry_id = models.BigIntegerField()
    last_entry_id = models.BigIntegerField()
    entry_count = models.PositiveIntegerField()
    leaves = models.BinaryField()
    merkle_root = models.CharField(max_length=64)
    previous_digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.BinaryField()
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"seal {self.number}: entries {self.after_entry_id + 1}..{self.last_entry_id}"


class IdempotentRequest(models.Model):
    """The stored answer to an API request sent with an Idempotency-Key.

    Inserted first in the transaction that runs the request, so it is stored exactly when the
    request's own effects are (see ``core/idempotency.py``).
    """

    scope = models.CharField(max_length=64)  # sha256 of the credential
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.TextField()
    request_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    response_headers = models.JSONField(default=dict)
    response_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="core_idempotent_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class AdmissionWindow(models.Model):
    """How many unsafe API requests one credential sent in one minute, for all web processes."""

    scope = models.CharField(max_length=64)  # sha256 of the credential
    minute = models.BigIntegerField(db_index=True)  # minutes since the Unix epoch
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "minute"], name="core_admission_scope_minute")
        ]

    def __str__(self) -> str:
        return f"{self.scope[:8]}… minute {self.minute}: {self.requests}"
