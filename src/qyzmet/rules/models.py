"""Published rules, every version of them, and the decisions made with them.

A decision keeps the rule version and the facts it was made on, so it can be replayed
and explained again later, in any language, exactly as it was made.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField


class Rule(models.Model):
    """An eligibility rule, known by a stable code such as ``emergency-payment-2020``."""

    code = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return self.code


class RuleVersion(models.Model):
    """One published text of a rule; published versions never change."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    source = models.TextField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the source")
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.number}"


class Decision(models.Model):
    """An eligibility decision for one person: the rule version, the day it was decided
    for, and every fact it was made on."""

    public_id = PublicIdField()
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    # The IIN, not a key: the person's records may live on another node's registry.
    iin = models.CharField(max_length=12)
    on = models.DateField(help_text="the day the rule was applied for ('today' in the rule)")
    eligible = models.BooleanField()
    dossier = models.JSONField(help_text="the facts the decision was made on")
    read_through = models.CharField(
        max_length=300, help_text="registries, or the exchange client, purpose and case"
    )
    made_at = models.DateTimeField(auto_now_add=True)
    made_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")
        indexes = [models.Index(fields=["iin", "made_at"])]

    def __str__(self) -> str:
        return str(self.public_id)
