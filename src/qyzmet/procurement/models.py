"""Public procurement: suppliers, tenders with lots, sealed bids, awards, complaints,
contracts, and the OCDS releases that publish every step.

Amounts are integer minor units (tiyn) with a currency, as everywhere in qyzmet. A bid's
price and documents are never stored in clear before opening: only the ciphertext
(``Bid.sealed``), which opens with the tender key the committee rebuilds after the deadline.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField
from qyzmet.identity.models import Account, Agency, Organisation


class Supplier(models.Model):
    """An organisation registered to bid, from the legal-entity registry."""

    public_id = PublicIdField()
    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="supplier"
    )
    name = models.CharField(max_length=200)  # as the registry names it at registration
    registered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.bin})"


class SupplierRole(models.TextChoices):
    BIDDER = "bidder", _("bidder")  # places, confirms and withdraws bids, files complaints
    SIGNATORY = "signatory", _("signatory")  # also signs contracts


class SupplierRepresentative(models.Model):
    """A person who acts for a supplier (the registry's head of the entity, or whom the
    head names)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="representatives")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="suppliers")
    role = models.CharField(max_length=10, choices=SupplierRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "account"], name="one_role_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.account} - {self.role} of {self.supplier}"


class UnreliableSupplier(models.Model):
    """The registry of unreliable suppliers: a listed organisation cannot bid until
    ``until`` (inclusive)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    listed_on = models.DateField()
    until = models.DateField()
    listed_by = models.CharField(max_length=100)  # the actor, as the audit trail names them

    def __str__(self) -> str:
        return f"{self.organisation} until {self.until}"


class Procedure(models.TextChoices):
    OPEN_TENDER = "open-tender", _("open tender")
    PRICE_QUOTATION = "price-quotation", _("request for price quotations")
    SINGLE_SOURCE = "single-source", _("single source")
    REVERSE_AUCTION = "reverse-auction", _("reverse e-auction")


class Stage(models.TextChoices):
    DRAFT = "draft", _("draft")
    ENQUIRIES = "enquiries", _("questions to the buyer")
    TENDERING = "tendering", _("accepting bids")
    OPENING = "opening", _("waiting for the committee to open the bids")
    AUCTION = "auction", _("auction")
    QUALIFICATION = "qualification", _("qualification of the winner")
    STANDSTILL = "standstill", _("standstill")
    CONTRACTING = "contracting", _("contract signing")
    COMPLETE = "complete", _("complete")
    CANCELLED = "cancelled", _("cancelled")
    UNSUCCESSFUL = "unsuccessful", _("unsuccessful")


class AwardCriteria(models.TextChoices):
    LOWEST_PRICE = "priceOnly", _("lowest price")
    BEST_VALUE = "ratedCriteria", _("best value")


class PlanItem(models.Model):
    """A line of an agency's annual procurement plan: what it means to buy, by when, how,
    for how much. Published as an OCDS planning release; the tender that carries it out
    continues that contracting process (the same ocid)."""

    public_id = PublicIdField()
    buyer = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="plan_items")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()  # 1-4: when the tender is to be announced
    title = models.CharField(max_length=300)
    cpv = models.CharField(max_length=10)
    cpv_description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit = models.CharField(max_length=40)
    budget = models.BigIntegerField()  # minor units
    procedure = models.CharField(max_length=20, choices=Procedure.choices)
    rationale = models.TextField()
    ocid = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["buyer", "year"])]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class Tender(models.Model):
    public_id = PublicIdField()
    # The OCDS contracting process: its plan item's, or its own when it had none.
    ocid = models.CharField(max_length=80, unique=True)
    plan_item = models.OneToOneField(
        PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="tender"
    )
    buyer = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="tenders")
    procedure = models.CharField(max_length=20, choices=Procedure.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=10)  # OCDS procurementCategory: goods|works|services
    award_criteria = models.CharField(
        max_length=20, choices=AwardCriteria.choices, default=AwardCriteria.LOWEST_PRICE
    )
    # Best value: the price's weight in percent; the rest is the committee's quality score.
    price_weight = models.PositiveSmallIntegerField(default=100)
    currency = models.CharField(max_length=3, default="KZT")
    stage = models.CharField(max_length=14, choices=Stage.choices, default=Stage.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    enquiry_end = models.DateTimeField(null=True, blank=True)
    tender_end = models.DateTimeField(null=True, blank=True)  # the deadline for bids
    auction_round_end = models.DateTimeField(null=True, blank=True)
    auction_round = models.PositiveSmallIntegerField(default=0)
    standstill_end = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The tender key bids are sealed to (raw X25519) and how many committee shares open it.
    public_key = models.BinaryField(null=True, blank=True)
    threshold = models.PositiveSmallIntegerField(default=1)
    opened_at = models.DateTimeField(null=True, blank=True)
    amendments = models.PositiveSmallIntegerField(default=0)  # how many times amended
    # The supplier a single-source procedure is negotiated with.
    single_supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["stage", "tender_end"])]

    def __str__(self) -> str:
        return self.title


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField()  # 1, 2, ... within the tender
    title = models.CharField(max_length=300)
    cpv = models.CharField(max_length=10)  # Common Procurement Vocabulary code, e.g. 30213100-6
    cpv_description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit = models.CharField(max_length=40)
    value = models.BigIntegerField()  # the budget, minor units

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_number")]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"lot {self.number}: {self.title}"


class TenderAmendment(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="amendment_log")
    number = models.PositiveSmallIntegerField()
    rationale = models.TextField()
    changes = models.JSONField()  # field: [before, after]
    made_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"amendment {self.number} of {self.tender}"


class OpeningKey(models.Model):
    """An officer's opening key: the public half of an X25519 key pair they made on their
    own device (``qyzmet procurement opening-key``) and registered themselves. Tenders
    seal their committee's shares to these; the private half never reaches the platform."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="opening_key")
    public_key = models.BinaryField()
    registered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"opening key of {self.account}"


class CommitteeMember(models.Model):
    """An evaluation committee member: one share of the tender key, sealed to their
    opening key, and the share as they hand it in after the deadline."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="committee")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    # The member's opening key when they were seated (a later one does not change it).
    opening_key = models.BinaryField()
    sealed_share = models.BinaryField(null=True, blank=True)
    share_sha256 = models.CharField(max_length=64, blank=True)  # to check the share handed in
    share = models.BinaryField(null=True, blank=True)  # handed in; deleted at opening
    share_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tender", "account"], name="one_seat_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.account} on {self.tender}"


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    NEEDS_CONFIRMATION = "needs-confirmation", _("to be confirmed after an amendment")
    WITHDRAWN = "withdrawn", _("withdrawn")
    OPENED = "opened", _("opened")
    INVALID = "invalid", _("not confirmed after an amendment")
    DISQUALIFIED = "disqualified", _("disqualified")


class Bid(models.Model):
    public_id = PublicIdField()
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="bids")
    status = models.CharField(max_length=20, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    # The bid as received, encrypted to the tender key (prices and documents inside).
    sealed = models.BinaryField()
    sealed_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    # The platform's signed receipt (detached JWS over receipt_payload) and an RFC 3161 time
    # stamp over the same bytes: the exact receipt time, provable to the bidder.
    receipt_payload = models.BinaryField()
    receipt_signature = models.TextField()
    receipt_timestamp = models.BinaryField()
    amendment = models.PositiveSmallIntegerField(default=0)  # the tender version it answers
    # Filled at opening from the decrypted bid: lot number -> price (minor units).
    prices = models.JSONField(null=True, blank=True)
    documents = models.JSONField(null=True, blank=True)  # [{name, media_type, sha256, size}]
    opened_at = models.DateTimeField(null=True, blank=True)
    quality_score = models.PositiveSmallIntegerField(null=True, blank=True)  # best value, 0-100

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "supplier"],
                condition=~models.Q(status="withdrawn"),
                name="one_live_bid_per_supplier",
            )
        ]

    def __str__(self) -> str:
        return f"bid {self.public_id}"


class AuctionStep(models.Model):
    """A price a bidder gave in a round of a reverse auction (round 0: the sealed bid)."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="auction_steps")
    lot = models.PositiveSmallIntegerField()
    round = models.PositiveSmallIntegerField()
    price = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bid", "lot", "round"], name="one_step_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.bid} lot {self.lot} round {self.round}: {self.price}"


class AwardStatus(models.TextChoices):
    PENDING = "pending", _("being qualified")
    ACTIVE = "active", _("awarded")
    UNSUCCESSFUL = "unsuccessful", _("rejected at qualification")
    CANCELLED = "cancelled", _("cancelled")


class Award(models.Model):
    public_id = PublicIdField()
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="awards")
    lot = models.PositiveSmallIntegerField()
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="awards")
    status = models.CharField(
        max_length=12, choices=AwardStatus.choices, default=AwardStatus.PENDING
    )
    value = models.BigIntegerField()
    rank = models.PositiveSmallIntegerField()  # 1: the best bid for the lot
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)  # why rejected
    # The signed evaluation report (detached JWS over report).
    report = models.JSONField(null=True, blank=True)
    report_signature = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"award {self.public_id} ({self.status})"


class ComplaintKind(models.TextChoices):
    CLAIM = "claim", _("claim to the buyer")
    COMPLAINT = "complaint", _("complaint to the review body")


class ComplaintStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ANSWERED = "answered", _("answered by the buyer")
    SATISFIED = "satisfied", _("upheld")
    DISMISSED = "dismissed", _("dismissed")


class Complaint(models.Model):
    public_id = PublicIdField()
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="complaints")
    award = models.ForeignKey(
        Award, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    author = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="complaints")
    kind = models.CharField(max_length=10, choices=ComplaintKind.choices)
    title = models.CharField(max_length=300)
    text = models.TextField()
    status = models.CharField(
        max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.PENDING
    )
    resolution = models.TextField(blank=True)
    filed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class ContractStatus(models.TextChoices):
    PENDING = "pending", _("awaiting signatures")
    ACTIVE = "active", _("in force")
    TERMINATED = "terminated", _("terminated")
    COMPLETE = "complete", _("fulfilled")
    CANCELLED = "cancelled", _("cancelled before signing")  # its award was cancelled


class Contract(models.Model):
    public_id = PublicIdField()
    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    status = models.CharField(
        max_length=10, choices=ContractStatus.choices, default=ContractStatus.PENDING
    )
    value = models.BigIntegerField()
    # The contract text's digest, and each party's detached JWS over it.
    terms = models.TextField()
    terms_sha256 = models.CharField(max_length=64)
    buyer_signature = models.TextField(blank=True)
    supplier_signature = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    # [{id, title, due, status, met_at}] and [{id, date, rationale, value_before, value_after}]
    milestones = models.JSONField(default=list)
    amendments = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"contract {self.public_id} ({self.status})"


class Release(models.Model):
    """One OCDS release, as published: the open-data feed reads these by ``id`` (its
    cursor), and records compile them per ``ocid``."""

    ocid = models.CharField(max_length=80, db_index=True)
    release_id = models.CharField(max_length=100)
    date = models.DateTimeField()
    tags = models.JSONField()
    # The release serialised once, as published (exports and the feed copy these bytes).
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ocid", "release_id"], name="unique_release_id")
        ]

    def __str__(self) -> str:
        return self.release_id
