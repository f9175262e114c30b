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


# --- payouts: money the state pays to many people ---------------------------------------


class PayoutAccountSource(models.TextChoices):
    KNOWN = "known", _("known from earlier state payments")
    PERSON = "person", _("given by the person")


class PayoutAccount(models.Model):
    """A bank account a person receives state payments into. The primary one is used;
    a person may give another, which then becomes primary."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payout_accounts")
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("bank (BIC)"), max_length=11)
    primary = models.BooleanField(_("primary"), default=True)
    source = models.CharField(_("source"), max_length=8, choices=PayoutAccountSource.choices)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        constraints = [
            models.UniqueConstraint(fields=["person", "iban"], name="payout_account_unique"),
            models.UniqueConstraint(
                fields=["person"], condition=Q(primary=True), name="payout_account_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.iban


class Disbursement(models.Model):
    """Money one purpose pays out to many people (a programme's payments), from one
    treasury account, under a cap the database holds: ``committed`` is what the payment
    orders made so far add up to, and it can never pass ``cap``."""

    code = models.CharField(_("code"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=140)
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    cap = models.BigIntegerField(_("budget cap (tiyn)"))
    committed = models.BigIntegerField(_("committed (tiyn)"), default=0)
    debtor_name = models.CharField(_("paying organisation"), max_length=140)
    debtor_bin = models.CharField(_("its BIN"), max_length=12)
    debtor_iban = models.CharField(_("its IBAN"), max_length=34)
    debtor_bic = models.CharField(_("its bank (BIC)"), max_length=11)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=models.F("cap")),
                name="disbursement_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class OrderStatus(models.TextChoices):
    CREATED = "created", _("waiting for a bank file")
    FILED = "filed", _("on its way to the bank")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected by the bank")


class BankFile(models.Model):
    """One pain.001 credit transfer file to one bank, and the bank's status report on it."""

    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, related_name="files")
    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    bic = models.CharField(_("bank (BIC)"), max_length=11)
    transfers = models.IntegerField(_("transfers"))
    control_sum = models.BigIntegerField(_("control sum (tiyn)"))
    created_at = models.DateTimeField(_("created"))
    content_sha256 = models.CharField(_("content (blob)"), max_length=64)
    transmitted_at = models.DateTimeField(_("sent"), null=True, blank=True)
    report_name = models.CharField(
        _("status report"), max_length=200, null=True, blank=True, unique=True
    )
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    group_status = models.CharField(_("bank's answer"), max_length=4, blank=True)
    rejected = models.IntegerField(_("rejected"), default=0)

    class Meta:
        verbose_name = _("bank file")
        verbose_name_plural = _("bank files")

    def __str__(self) -> str:
        return self.message_id


class PaymentOrder(models.Model):
    """One payment to one person under one disbursement: the database holds at most one,
    so nobody is paid twice. A rejected order is sent again (``attempt`` + 1) once the
    person gives another account; each attempt has its own end-to-end id."""

    # The references are checked where orders are made, not row by row by the database
    # (decisions/0011): payment_orders_make takes them from payout accounts (of persons
    # the database knows), under the disbursement's lock, into files it has just opened;
    # none of the three is ever deleted (PROTECT). The disbursement has no index of its
    # own: payment_order_once_per_person starts with it.
    disbursement = models.ForeignKey(
        Disbursement,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    amount = models.BigIntegerField(_("amount (tiyn)"))
    creditor_name = models.CharField(_("payee"), max_length=140)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("bank (BIC)"), max_length=11)
    status = models.CharField(
        _("status"), max_length=8, choices=OrderStatus.choices, default=OrderStatus.CREATED
    )
    attempt = models.SmallIntegerField(_("attempt"), default=1)
    file = models.ForeignKey(
        BankFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        db_constraint=False,
    )
    reason = models.CharField(_("bank's reason code"), max_length=4, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "person"], name="payment_order_once_per_person"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_order_positive"),
        ]
        indexes = [
            # Orders waiting for a bank file (made again). On file_id, not the status, so
            # that a status change alone leaves every index as it is.
            models.Index(
                fields=["disbursement", "bic", "id"],
                condition=Q(file__isnull=True),
                name="payment_orders_to_file",
            ),
        ]

    def __str__(self) -> str:
        return end_to_end_id(self.pk, self.attempt)


def end_to_end_id(order_id: int, attempt: int) -> str:
    """The id a transfer carries through the banks and back in their status reports."""
    return f"Q{order_id}-{attempt}"
