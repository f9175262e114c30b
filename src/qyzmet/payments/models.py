from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField
from qyzmet.identity.models import Person


class FeeStatus(models.TextChoices):
    REQUESTED = "requested", _("awaiting payment")
    PAID = "paid", _("paid")
    FAILED = "failed", _("payment failed")
    CANCELLED = "cancelled", _("cancelled")


class FeePayment(models.Model):
    """A state fee a person is asked to pay, for one purpose the caller names (such as
    ``case:<uuid>``). One fee per purpose: asking again finds the same row."""

    public_id = PublicIdField()
    purpose = models.CharField(_("purpose"), max_length=200, unique=True)
    payer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="fee_payments")
    amount = models.BigIntegerField(_("amount (tiyn)"))
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    description = models.CharField(_("description"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=FeeStatus.choices, default=FeeStatus.REQUESTED
    )
    # The provider's name for the payment; a new one each time a failed fee is asked again.
    provider_reference = models.CharField(
        _("provider reference"), max_length=100, blank=True, default=""
    )
    pay_url = models.CharField(_("payment page"), max_length=500, blank=True, default="")
    # Where the provider's page sends the payer back; followed only if it is a local path.
    return_url = models.CharField(_("return address"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("fee payment")
        verbose_name_plural = _("fee payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_amount_positive"),
            models.UniqueConstraint(
                fields=["provider_reference"],
                condition=~Q(provider_reference=""),
                name="fee_provider_reference_unique",
            ),
        ]
        indexes = [models.Index(fields=["payer", "-created_at"], name="payments_fees_of_payer")]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.status})"
