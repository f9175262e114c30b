"""The information mediator's data: who is a member, what is published, who may ask what,
what citizens consented to, and the log of every exchange.
"""

from __future__ import annotations

from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField
from qyzmet.identity.models import Agency, Person


class MemberClass(models.TextChoices):
    GOV = "GOV", _("state body")
    COM = "COM", _("commercial organisation")
    NGO = "NGO", _("non-profit organisation")


class Member(models.Model):
    """An organisation that takes part in the exchange, known by class and BIN."""

    member_class = models.CharField(max_length=8, choices=MemberClass.choices)
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    agency = models.OneToOneField(Agency, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member_class", "code"], name="member_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.member_class}/{self.code}"


class Subsystem(models.Model):
    """One information system of a member: it calls services, publishes them, or both."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="subsystems")
    code = models.CharField(max_length=64)
    # Where its published services answer; empty: on this node.
    address = models.CharField(
        max_length=200, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    # A mediator forwards for other clients and has checked their consent already.
    is_mediator = models.BooleanField(default=False)
    # Set in one place from the member's identifiers, so lookups need no join.
    identifier = models.CharField(max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "code"], name="subsystem_unique_code")
        ]

    def __str__(self) -> str:
        return self.identifier


class SubsystemCertificate(models.Model):
    """A certificate whose key may sign the subsystem's client assertions."""

    subsystem = models.ForeignKey(Subsystem, on_delete=models.PROTECT, related_name="certificates")
    sha256 = models.CharField(max_length=64, unique=True)
    pem = models.TextField()
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.sha256


class Purpose(models.Model):
    """A purpose (legal basis) a personal-data service may be used for."""

    code = models.SlugField(max_length=64, unique=True)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.code

    def name(self, language: str) -> str:
        return str(getattr(self, f"name_{language}", "") or self.name_en)


class EvidenceMode(models.TextChoices):
    FULL = "full", _("full bodies")
    METADATA = "metadata", _("metadata only")


class Service(models.Model):
    """A service a subsystem publishes, e.g. ``population/person``."""

    provider = models.ForeignKey(Subsystem, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(max_length=64)
    identifier = models.CharField(max_length=270, unique=True, editable=False)
    title_kk = models.CharField(max_length=200)
    title_ru = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    # Calls name the person in the first path segment and need a purpose and a case reference.
    personal_data = models.BooleanField(default=True)
    consent_required = models.BooleanField(default=False)
    evidence_mode = models.CharField(
        max_length=10, choices=EvidenceMode.choices, default=EvidenceMode.METADATA
    )
    openapi = models.JSONField(default=dict, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "code"], name="service_unique_code")
        ]

    def __str__(self) -> str:
        return self.identifier

    def title(self, language: str) -> str:
        return str(getattr(self, f"title_{language}", "") or self.title_en)


class Grant(models.Model):
    """A client subsystem may call a service for these purposes. Nothing else is allowed."""

    client = models.ForeignKey(Subsystem, on_delete=models.PROTECT, related_name="grants")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="grants")
    purposes = models.ManyToManyField(Purpose, blank=True)
    granted_at = models.DateTimeField()
    granted_by = models.CharField(max_length=120)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "service"],
                condition=Q(revoked_at__isnull=True),
                name="grant_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.service_id}"


class ConfigVersion(models.Model):
    """One row, bumped by every change to members, services or grants.

    Mediators keep the directory in memory and reload it when this stamp changes, so a
    revoked grant stops working on every process at the next request. A random stamp, not a
    counter: a rolled-back change must not leave a stale copy that looks current.
    """

    stamp = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.stamp


class Consent(models.Model):
    """A person lets a party use some services about them, for a purpose, for a period."""

    public_id = PublicIdField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    party = models.ForeignKey(Subsystem, on_delete=models.PROTECT, related_name="consents")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT)
    services = models.ManyToManyField(Service)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    granted_at = models.DateTimeField()
    granted_via = models.CharField(max_length=20)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "party"], name="consent_person_party")]

    def __str__(self) -> str:
        return str(self.public_id)


class ExchangeRecord(models.Model):
    """One request and its answer (or refusal), as the mediator saw them.

    The row's digest covers every column but the bodies, which are bound by their hashes;
    batches of digests are sealed (signed and time-stamped) by :class:`ExchangeSeal`.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    message_id = models.CharField(max_length=100)
    channel = models.CharField(max_length=10)  # "http" or "local"
    client = models.CharField(max_length=200)
    service = models.CharField(max_length=270)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=1000)
    user_id = models.CharField(max_length=100, blank=True)
    purpose = models.CharField(max_length=64, blank=True)
    issue = models.CharField(max_length=200, blank=True)
    subject_iin = models.CharField(max_length=12, blank=True)
    own_action = models.BooleanField(default=False)
    fields = models.JSONField(default=list, blank=True)
    consent = models.CharField(max_length=40, blank=True)
    status = models.PositiveSmallIntegerField()
    error = models.CharField(max_length=100, blank=True)
    request_hash = models.CharField(max_length=64)
    response_hash = models.CharField(max_length=64)
    mode = models.CharField(max_length=10, choices=EvidenceMode.choices)
    request_body = models.BinaryField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    # The client assertion's id: a second use is a replay (unique across the log).
    assertion_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["subject_iin", "at"], name="exchange_record_subject"),
            models.Index(fields=["message_id"], name="exchange_record_message"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.message_id}"


class ExchangeSeal(models.Model):
    """Closes a run of exchange records under a Merkle root, signed and time-stamped."""

    number = models.PositiveIntegerField(unique=True)
    after_record_id = models.BigIntegerField()
    last_record_id = models.BigIntegerField()
    record_count = models.PositiveIntegerField()
    leaves = models.BinaryField()
    merkle_root = models.CharField(max_length=64)
    previous_digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    jws = models.TextField()  # platform evidence seal over the statement
    timestamp_token = models.BinaryField()  # RFC 3161, over the JWS
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"seal {self.number}"
