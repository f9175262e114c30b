"""Published services and life situations, and every version of each.

A version keeps the whole checked definition as JSON, so a case opened under version 3
is processed under version 3 even after version 4 is published.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qyzmet.identity.models import Agency
from qyzmet.rules.models import RuleVersion


class PublishedVersion(models.Model):
    """What every published version keeps: its number, the checked definition as JSON,
    the definition's digest, where it was read from, and who published it when."""

    number = models.PositiveIntegerField()
    definition = models.JSONField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the definition")
    source_file = models.CharField(max_length=300)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.CharField(max_length=150)

    class Meta:
        abstract = True


class Service(models.Model):
    """A public service, known by a stable code such as ``birth-benefit``."""

    code = models.SlugField(max_length=60, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    current = models.ForeignKey(
        "ServiceVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.code


class ServiceVersion(PublishedVersion):
    """One published definition of a service; published versions never change."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    # The eligibility rule's version when this was published: decisions use that one.
    rule_version = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("service version")
        verbose_name_plural = _("service versions")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "number"], name="service_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service.code} v{self.number}"


class LifeSituation(models.Model):
    """Services of several agencies bundled around a life event: ``birth-of-a-child``."""

    code = models.SlugField(max_length=60, unique=True)
    current = models.ForeignKey(
        "LifeSituationVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("life situation")
        verbose_name_plural = _("life situations")

    def __str__(self) -> str:
        return self.code


class LifeSituationVersion(PublishedVersion):
    """One published definition of a life situation; published versions never change."""

    situation = models.ForeignKey(LifeSituation, on_delete=models.PROTECT, related_name="versions")

    class Meta:
        verbose_name = _("life situation version")
        verbose_name_plural = _("life situation versions")
        constraints = [
            models.UniqueConstraint(
                fields=["situation", "number"], name="life_situation_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.situation.code} v{self.number}"
