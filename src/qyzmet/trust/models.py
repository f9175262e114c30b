from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField
from qyzmet.identity.models import Account, Agency


class Purpose(models.TextChoices):
    """What a certificate's key may be used for (one key, one purpose)."""

    ROOT_CA = "root-ca", _("root certification authority")
    ISSUING_CA = "issuing-ca", _("issuing certification authority")
    TIMESTAMPING = "timestamping", _("timestamp authority")
    OCSP = "ocsp", _("revocation status responder")
    AUTH = "auth", _("authentication")
    SIGN = "sign", _("signature")
    SEAL = "seal", _("electronic seal of an agency or system")


class KeyHolder(models.TextChoices):
    """Where the private key of a certificate is."""

    PLATFORM_FILE = "platform-file", _("platform, key file outside the database")
    PLATFORM_SEALED = "platform-sealed", _("platform, sealed in the database")
    SUBJECT = "subject", _("the subject, outside the platform")


class Certificate(models.Model):
    """A certificate issued by one of this platform's CAs (including the CAs themselves)."""

    public_id = PublicIdField()
    serial = models.CharField(max_length=40, unique=True)  # hex, random 159 bits
    issuer = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="issued"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    algorithm = models.CharField(max_length=20)
    subject = models.CharField(max_length=500)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True)
    der = models.BinaryField()
    sha256 = models.CharField(max_length=64, unique=True)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    key_holder = models.CharField(max_length=20, choices=KeyHolder.choices)
    # Sealed private key (core.secretbox) when key_holder is platform-sealed; never clear.
    sealed_key = models.BinaryField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [
            models.Index(fields=["account", "purpose"], name="trust_cert_account_purpose"),
            models.Index(fields=["agency", "purpose"], name="trust_cert_agency_purpose"),
            models.Index(
                fields=["issuer", "revoked_at"],
                name="trust_cert_revoked",
                condition=Q(revoked_at__isnull=False),
            ),
        ]
        constraints = [
            # Two `trust init` at once cannot both create a root.
            models.UniqueConstraint(
                fields=["purpose"],
                condition=Q(purpose="root-ca", revoked_at__isnull=True),
                name="trust_one_active_root",
            ),
            models.CheckConstraint(
                name="trust_cert_sealed_key_only_when_held",
                condition=Q(key_holder="platform-sealed", sealed_key__isnull=False)
                | (~Q(key_holder="platform-sealed") & Q(sealed_key__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.purpose}, {self.serial[:8]})"


class AnchorKind(models.TextChoices):
    CA = "ca", _("certification authority")
    TSA = "tsa", _("timestamp authority")


class TrustAnchor(models.Model):
    """An entry of the trust list: a root whose certificates and timestamps are accepted.

    The platform's own root is one entry; a national CA's root imported with
    ``qyzmet trust import`` is another. Deactivating an entry stops trusting it.
    """

    kind = models.CharField(max_length=10, choices=AnchorKind.choices)
    name = models.CharField(max_length=200)
    der = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    imported = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("trust anchor")
        verbose_name_plural = _("trust list")
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256"], name="trust_anchor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class SignatureMethod(models.TextChoices):
    REMOTE = "remote", _("remote signature confirmed by one-time code")
    KEY_FILE = "key-file", _("key file kept by the signer")
    SYSTEM = "system", _("agency system key")
    SEAL = "seal", _("platform-held agency seal")


class Signature(models.Model):
    """One signing act: who signed which digest, when, how, and its proof."""

    public_id = PublicIdField()
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT)
    method = models.CharField(max_length=20, choices=SignatureMethod.choices)
    content_sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    # The signature is over the 32 bytes of content_sha256 (the digest is the message), made
    # with the certificate's key; the same for all methods, including a browser's WebCrypto.
    algorithm = models.CharField(max_length=10)  # JWS name: ES256, RS256, EdDSA
    value = models.BinaryField()
    timestamp_token = models.BinaryField(null=True, blank=True)  # RFC 3161 over the value
    signed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        indexes = [models.Index(fields=["content_sha256"], name="trust_signature_content")]

    def __str__(self) -> str:
        return f"{self.certificate.subject} @ {self.signed_at:%Y-%m-%d %H:%M}"


class SigningRequest(models.Model):
    """A remote signature waiting for the signer's one-time code."""

    public_id = PublicIdField()
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT)
    content_sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=300)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    signature = models.OneToOneField(Signature, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("signing request")
        verbose_name_plural = _("signing requests")
        indexes = [models.Index(fields=["account", "created_at"], name="trust_sigreq_recent")]

    def __str__(self) -> str:
        return f"{self.description} ({self.account_id})"
