from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField
from qyzmet.identity.models import Account, Agency, Person
from qyzmet.trust.models import Certificate


class Blob(models.Model):
    """Bytes kept in the blob store, named by their SHA-256 (stored once however often used)."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.sha256


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF (PAdES)"
    XML = "xml", "XML (XAdES)"
    JSON = "json", "JSON (JWS)"


class Document(models.Model):
    """A signed result document issued to a person: in their wallet, verifiable by anyone."""

    public_id = PublicIdField()
    # Printed under the QR code; leads to the public verification page.
    short_code = models.CharField(_("verification code"), max_length=14, unique=True)
    kind = models.CharField(max_length=60)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(max_length=5)
    format = models.CharField(max_length=5, choices=DocumentFormat.choices)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT)
    signed_by = models.ForeignKey(Certificate, on_delete=models.PROTECT)
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["owner", "-issued_at"], name="documents_wallet")]

    def __str__(self) -> str:
        return f"{self.title} ({self.short_code})"

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.short_code}.{self.format}"


class ShareLink(models.Model):
    """A time-limited link through which anyone holding it may download one document."""

    public_id = PublicIdField()
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="shares")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(Account, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")

    def __str__(self) -> str:
        return f"{self.document} until {self.expires_at:%Y-%m-%d %H:%M}"
