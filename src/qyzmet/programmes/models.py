from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qyzmet.cases.models import Case
from qyzmet.identity.models import Person
from qyzmet.payments.models import Disbursement
from qyzmet.registries.models import RegistryEvent
from qyzmet.rules.models import RuleVersion


class Programme(models.Model):
    """A programme as loaded from its definition (``definitions.ProgrammeDefinition``)."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    definition = models.JSONField(_("definition"))
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    disbursement = models.OneToOneField(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded"), auto_now=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.code


class Stage(models.TextChoices):
    ELIGIBILITY = "eligibility", _("finding who is eligible")
    OFFERS = "offers", _("offering")
    ORDERS = "orders", _("making payment orders")
    FILES = "files", _("writing bank files")
    TRANSMIT = "transmit", _("sending bank files")
    STATUSES = "statuses", _("reading the banks' answers")
    DONE = "done", _("done")


class ProgrammeRun(models.Model):
    """One run of a mass programme over the population: it moves through the stages in
    order, and ``cursor`` says how far the current stage has come (the next person id it
    takes), so a run stopped anywhere goes on from there."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="runs")
    on = models.DateField(_("decided on"))
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    cursor = models.BigIntegerField(_("cursor"), default=0)
    counts = models.JSONField(_("counts"), default=dict)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme run")
        verbose_name_plural = _("programme runs")
        constraints = [
            models.UniqueConstraint(
                fields=["programme"], condition=Q(finished_at=None), name="one_open_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.started_at:%Y-%m-%d %H:%M} ({self.stage})"


class OfferStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("eligible, not asked yet")
    OFFERED = "offered", _("offered, waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    REFUSED = "refused", _("not eligible")
    EXPIRED = "expired", _("not answered in time")


# Offers whose person has not been told yet: those waiting for an answer, and those
# accepted without one (a programme that pays without asking), who learn they are paid.
TO_TELL = Q(offered_at__isnull=True) & (
    Q(status=OfferStatus.ELIGIBLE) | Q(status=OfferStatus.ACCEPTED, channel="")
)


class Offer(models.Model):
    """One person's place in a programme: found eligible (or refused, with the rule's
    explanation, when they applied themselves), asked, and what they answered. The database
    holds at most one per person and programme."""

    # No index of its own: one_offer_per_person starts with it.
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=OfferStatus.choices)
    channel = models.CharField(_("answered through"), max_length=8, blank=True)
    explanation = models.JSONField(_("explanation"), null=True, blank=True)
    # Most offers of a mass programme have none of these: indexed where set (Meta).
    event = models.ForeignKey(
        RegistryEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )  # the registry event a proactive offer was made on
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    appeal = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created"))
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="one_offer_per_person")
        ]
        indexes = [
            # The next people to text.
            models.Index(fields=["programme", "id"], condition=TO_TELL, name="offers_to_send"),
            *(
                models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}),
                             name=f"offers_with_{field}")
                for field in ("event", "case", "appeal")
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.person_id} {self.status}"


class EventCursor(models.Model):
    """How far the proactive programmes have read the registry events (one row)."""

    name = models.CharField(max_length=30, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"
