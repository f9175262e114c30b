"""Applications for public services (cases), their timelines, and life-situation bundles.

A case is processed under the service version it was opened with. Its ``status`` and
``step`` are the workflow's state; every change of either is a :class:`CaseEvent` (the
citizen's timeline) and an audit entry, written in the same transaction.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qyzmet.catalog.models import LifeSituationVersion, ServiceVersion
from qyzmet.core.ids import PublicIdField
from qyzmet.documents.models import Document
from qyzmet.identity.models import Account, Agency, Person
from qyzmet.rules.models import Decision
from qyzmet.trust.models import Signature


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted, waiting to be processed")
    IN_PROGRESS = "in_progress", _("in progress")
    WAITING_APPLICANT = "waiting_applicant", _("waiting for the applicant")
    COMPLETED = "completed", _("completed")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_APPLICANT)
CLOSED_STATUSES = (CaseStatus.COMPLETED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN)


class SituationCase(models.Model):
    """One person's life situation ("we had a baby"): the cases of its steps, and the answers
    they share."""

    public_id = PublicIdField()
    version = models.ForeignKey(LifeSituationVersion, on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    shared_answers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("life situation case")
        verbose_name_plural = _("life situation cases")

    def __str__(self) -> str:
        return f"{self.version} for {self.applicant_id}"


class Case(models.Model):
    """An application for one service, from draft to result."""

    public_id = PublicIdField()
    number = models.CharField(_("case number"), max_length=12, unique=True)
    version = models.ForeignKey(ServiceVersion, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    situation = models.ForeignKey(
        SituationCase, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    # The life situation step this case is; "locked" until the steps it comes after are done.
    situation_step = models.CharField(max_length=60, blank=True)
    locked = models.BooleanField(default=False)

    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    step = models.PositiveSmallIntegerField(default=0)  # index into the workflow
    # Whose officers act on the current step; null while no officer step is current.
    queue_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_to = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    answers = models.JSONField(default=dict)
    # field -> {"service": exchange service, "value": what it said, "editable": bool}
    prefilled = models.JSONField(default=dict)
    signature = models.OneToOneField(
        Signature, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.TextField(blank=True)
    info_request = models.TextField(blank=True)

    # The working-day clock: due by ``deadline``; stopped since ``paused_at`` while the
    # applicant is asked for more (the deadline moves on by the working days it stood).
    deadline = models.DateField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="cases_of_applicant"),
            models.Index(fields=["queue_agency", "status", "deadline"], name="cases_queue"),
            models.Index(fields=["account", "submitted_at"], name="cases_submissions"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["situation", "situation_step"],
                condition=models.Q(situation__isnull=False),
                name="one_case_per_situation_step",
            )
        ]

    def __str__(self) -> str:
        return self.number


class EventKind(models.TextChoices):
    OPENED = "opened", _("application started")
    PREFILLED = "prefilled", _("filled in from state registers")
    FEE_REQUESTED = "fee_requested", _("fee requested")
    SUBMITTED = "submitted", _("signed and submitted")
    ACCEPTED = "accepted", _("accepted for processing")
    STEP_DONE = "step_done", _("step completed")
    ELIGIBILITY = "eligibility", _("eligibility checked")
    REGISTER_UPDATED = "register_updated", _("register updated")
    RESULT_ISSUED = "result_issued", _("result document issued")
    AGENCY_NOTIFIED = "agency_notified", _("agency notified")
    QUEUED = "queued", _("waiting for an officer")
    CLAIMED = "claimed", _("taken by an officer")
    ASSIGNED = "assigned", _("assigned to an officer")
    INFO_REQUESTED = "info_requested", _("more information requested")
    INFO_PROVIDED = "info_provided", _("more information provided")
    APPROVED = "approved", _("approved by an officer")
    ESCALATED = "escalated", _("escalated: the deadline is near")
    COMPLETED = "completed", _("completed")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")
    UNLOCKED = "unlocked", _("can now be applied for")
    FOREIGN_REQUESTED = "foreign_requested", _("document requested from a partner state")
    FOREIGN_RECEIVED = "foreign_received", _("document received from a partner state")


class CaseEvent(models.Model):
    """One entry in a case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.CharField(max_length=150)
    step = models.CharField(max_length=60, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    # An officer's approval or refusal, signed over its decision digest (services.py).
    signature = models.ForeignKey(
        Signature, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="case_timeline")]
        constraints = [
            # Processing that is run again after a crash cannot accept a case twice.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(kind="accepted"), name="accepted_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class RegisterChange(models.Model):
    """What a case's system step wrote to a register: the act, its data and where it went.
    Registers without their own model on this platform keep the act here for the owning
    agency's system to take."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="register_changes")
    register = models.CharField(max_length=60)
    step = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    record = models.CharField(max_length=100, blank=True)  # the register's own key, if any
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("register change")
        verbose_name_plural = _("register changes")
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="one_change_per_case_step")
        ]

    def __str__(self) -> str:
        return f"{self.register} by {self.case_id}"
