"""Procurement's writes: suppliers, tenders, sealed bids, opening.

Each service runs in one transaction, checks before it writes, records the act in the
audit trail with its actor, and publishes the OCDS release the act makes public
(``ocds.release_publish``). Awards, complaints and contracts are in ``awarding.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from qyzmet.core.audit import SYSTEM_ACTOR, audit_record
from qyzmet.core.errors import Problem
from qyzmet.identity.models import Account, AccountKind, Agency, Organisation
from qyzmet.identity.services import actor_of, agency_ensure_defaults
from qyzmet.procurement import ocds
from qyzmet.procurement.models import (
    AwardCriteria,
    Bid,
    BidStatus,
    CommitteeMember,
    Lot,
    OpeningKey,
    PlanItem,
    Procedure,
    Stage,
    Supplier,
    SupplierRepresentative,
    SupplierRole,
    Tender,
    TenderAmendment,
    UnreliableSupplier,
)
from qyzmet.procurement.procedures import rules_of
from qyzmet.procurement.sealed_bids import (
    SealError,
    Share,
    bid_context,
    public_key_load,
    seal_open,
    seal_to,
    tender_key_make,
    tender_key_rebuild,
)
from qyzmet.registries.models import LegalEntityStatus
from qyzmet.registries.selectors import legal_entity_of
from qyzmet.trust.authority import seal_certificate_ensure, signing_identity_kept
from qyzmet.trust.jws import canonical_json, jws_sign
from qyzmet.trust.signer import SigningIdentity
from qyzmet.trust.timestamps import timestamp_token

MAX_BID_BYTES = 10 * 1024 * 1024
MAX_AMOUNT = 10**17  # minor units: far above any budget, far below the columns' limit
CATEGORIES = ("goods", "works", "services")


# --- the platform's seal ------------------------------------------------------------------


def operator_agency() -> Agency:
    """The agency that runs the procurement platform: it seals bid receipts and its review
    body decides complaints."""
    code = settings.QYZMET_PROCUREMENT_AGENCY
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        agency = next(a for a in agency_ensure_defaults() if a.code == code)
    return agency


def agency_signer(agency: Agency) -> SigningIdentity:
    """The agency's seal, with its unsealed key kept in this process."""
    return signing_identity_kept(seal_certificate_ensure(agency=agency).sha256)


def signed(payload: Mapping[str, object], agency: Agency) -> tuple[bytes, str]:
    """The canonical bytes of ``payload`` and the agency seal's detached JWS over them."""
    data = canonical_json(payload)
    return data, jws_sign(data, signer=agency_signer(agency))


# --- suppliers ----------------------------------------------------------------------------


@transaction.atomic
def supplier_register(*, account: Account, bin_: str) -> Supplier:
    """Register the organisation ``bin_`` as a supplier, with ``account`` as its signatory.

    The legal-entity registry decides: the entity must be active and ``account``'s person
    must be its head.
    """
    record = legal_entity_of(bin_)
    if record is None or record.status != LegalEntityStatus.ACTIVE:
        raise Problem(422, f"{bin_} is not an active legal entity in the registry.")
    if account.person_id is None or record.head_id != account.person_id:
        raise Problem(403, "Only the head of the entity, as the registry names them, registers it.")
    supplier, created = Supplier.objects.get_or_create(
        organisation=record.organisation, defaults={"name": record.name_en}
    )
    if not created:
        raise Problem(409, f"{bin_} is registered already.", code="registered")
    SupplierRepresentative.objects.create(
        supplier=supplier, account=account, role=SupplierRole.SIGNATORY
    )
    audit_record(
        actor=actor_of(account), action="procurement.supplier_register", object_type="supplier",
        object_id=bin_,
    )  # fmt: skip
    return supplier


@transaction.atomic
def supplier_representative_add(
    *, supplier: Supplier, account: Account, role: SupplierRole, by: Account
) -> SupplierRepresentative:
    """A signatory of ``supplier`` names another person to act for it: a bidder (bids and
    complaints) or another signatory (who also signs contracts and names people)."""
    if not SupplierRepresentative.objects.filter(
        supplier=supplier, account=by, role=SupplierRole.SIGNATORY
    ).exists():
        raise Problem(403, "Only a signatory of the supplier names its representatives.")
    if account.kind != AccountKind.CITIZEN or not account.is_active:
        raise Problem(422, "Representatives are people with a citizen's account.")
    representative, _ = SupplierRepresentative.objects.update_or_create(
        supplier=supplier, account=account, defaults={"role": role}
    )
    audit_record(
        actor=actor_of(by), action="procurement.representative_add", object_type="supplier",
        object_id=supplier.organisation.bin, data={"account": str(account.public_id), "role": role},
    )  # fmt: skip
    return representative


@transaction.atomic
def unreliable_supplier_list(
    *, bin_: str, reason: str, until: datetime, actor: str
) -> UnreliableSupplier:
    """Put an organisation on the registry of unreliable suppliers until ``until``."""
    organisation, _ = Organisation.objects.get_or_create(bin=bin_)
    entry = UnreliableSupplier.objects.create(
        organisation=organisation, reason=reason, listed_on=timezone.localdate(),
        until=until.date(), listed_by=actor,
    )  # fmt: skip
    audit_record(
        actor=actor, action="procurement.unreliable_list", object_type="organisation",
        object_id=bin_, data={"until": entry.until.isoformat(), "reason": reason},
    )  # fmt: skip
    return entry


def unreliable_entry(organisation_id: int) -> UnreliableSupplier | None:
    today = timezone.localdate()
    return UnreliableSupplier.objects.filter(
        organisation_id=organisation_id, listed_on__lte=today, until__gte=today
    ).first()


# --- plans ----------------------------------------------------------------------------


@transaction.atomic
def plan_item_add(
    *, buyer: Agency, year: int, quarter: int, title: str, cpv: str, cpv_description: str,
    quantity: int, unit: str, budget: int, procedure: Procedure, rationale: str, actor: str,
) -> PlanItem:  # fmt: skip
    """Add a line to the agency's annual procurement plan and publish it (OCDS planning)."""
    if not 1 <= quarter <= 4 or budget <= 0 or quantity <= 0:
        raise Problem(422, "The quarter is 1 to 4; the budget and quantity are above zero.")
    if year < timezone.localdate().year:
        raise Problem(422, "A plan is for this year or a later one.")
    item = PlanItem(
        buyer=buyer, year=year, quarter=quarter, title=title, cpv=cpv,
        cpv_description=cpv_description, quantity=quantity, unit=unit, budget=budget,
        procedure=procedure, rationale=rationale,
    )  # fmt: skip
    item.ocid = ocds.ocid_new(item.public_id)
    item.save(force_insert=True)
    audit_record(
        actor=actor, action="procurement.plan_item_add", object_type="plan-item",
        object_id=str(item.public_id), data={"year": year, "budget": budget},
    )  # fmt: skip
    ocds.planning_release_publish(item)
    return item


# --- tenders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotDraft:
    title: str
    cpv: str
    cpv_description: str
    quantity: int
    unit: str
    value: int


def _usable_key(public_key: bytes) -> None:
    try:  # a trial encryption: a malformed or low-order key fails here, not at publication
        seal_to(public_key_load(public_key), b"", context=b"trial")
    except (SealError, ValueError) as error:
        raise Problem(422, f"This opening key is not usable: {error}") from error


@transaction.atomic
def opening_key_register(*, account: Account, public_key: bytes) -> OpeningKey:
    """An officer registers the opening key they made on their own device: tenders that
    seat them from now on seal their share to it."""
    if account.kind != AccountKind.OFFICER:
        raise Problem(403, "Only officers sit on evaluation committees.")
    _usable_key(public_key)
    key, _ = OpeningKey.objects.update_or_create(
        account=account, defaults={"public_key": public_key, "registered_at": timezone.now()}
    )
    audit_record(
        actor=actor_of(account), action="procurement.opening_key_register",
        object_type="account", object_id=str(account.public_id),
        data={"sha256": hashlib.sha256(public_key).hexdigest()},
    )  # fmt: skip
    return key


@transaction.atomic
def tender_create(
    *,
    buyer: Agency,
    procedure: Procedure,
    title: str,
    description: str = "",
    category: str,
    lots: Sequence[LotDraft],
    tender_end: datetime,
    committee: Sequence[Account] = (),
    threshold: int = 1,
    award_criteria: AwardCriteria = AwardCriteria.LOWEST_PRICE,
    price_weight: int = 100,
    single_supplier: Supplier | None = None,
    plan_item: PlanItem | None = None,
    actor: str,
) -> Tender:
    """A tender in draft: its lots, deadline and evaluation committee, carrying out a plan
    item if given (its contracting process goes on). Nothing more is public until
    :func:`tender_publish`."""
    rules = rules_of(procedure)
    if category not in CATEGORIES:
        raise Problem(422, f"The category is one of {', '.join(CATEGORIES)}.")
    if not lots:
        raise Problem(422, "A tender has at least one lot.")
    if any(lot.value <= 0 or lot.quantity <= 0 for lot in lots):
        raise Problem(422, "Each lot has a positive budget and quantity.")
    if rules.sealed and not 1 <= threshold <= len(committee):
        raise Problem(
            422, "The committee has at least as many members as the shares that open the bids."
        )
    if len({member.pk for member in committee}) != len(committee):
        raise Problem(422, "A member sits on the committee once.")
    if any(not member.memberships.filter(agency=buyer).exists() for member in committee):
        raise Problem(422, "The committee's members are officers of the buying agency.")
    keys = dict(
        OpeningKey.objects.filter(account__in=committee).values_list("account_id", "public_key")
    )
    missing = [str(member.public_id) for member in committee if member.pk not in keys]
    if missing:
        raise Problem(422, f"These members have registered no opening key: {', '.join(missing)}.")
    if award_criteria == AwardCriteria.BEST_VALUE and Stage.AUCTION in rules.stages:
        raise Problem(422, "An auction ranks by price alone: choose lowest price.")
    if rules.multiple_bidders == (single_supplier is not None):
        raise Problem(422, "A single-source procedure names its supplier; the others do not.")
    if not 0 <= price_weight <= 100 or (
        award_criteria == AwardCriteria.LOWEST_PRICE and price_weight != 100
    ):
        raise Problem(422, "The price weight is a percentage; lowest price weighs price only.")
    if plan_item is not None:
        plan_item = PlanItem.objects.select_for_update().get(pk=plan_item.pk)
        if plan_item.buyer_id != buyer.pk or plan_item.procedure != procedure:
            raise Problem(422, "The plan item is another agency's, or plans another procedure.")
        if Tender.objects.filter(plan_item=plan_item).exists():
            raise Problem(409, "A tender carries out this plan item already.", code="planned")
    tender = Tender(
        buyer=buyer, procedure=procedure, title=title, description=description,
        category=category, tender_end=tender_end, threshold=threshold if rules.sealed else 0,
        award_criteria=award_criteria, price_weight=price_weight, single_supplier=single_supplier,
        plan_item=plan_item,
    )  # fmt: skip
    tender.ocid = plan_item.ocid if plan_item is not None else ocds.ocid_new(tender.public_id)
    tender.save(force_insert=True)
    Lot.objects.bulk_create(
        Lot(tender=tender, number=number, title=lot.title, cpv=lot.cpv,
            cpv_description=lot.cpv_description, quantity=lot.quantity, unit=lot.unit,
            value=lot.value)
        for number, lot in enumerate(lots, start=1)
    )  # fmt: skip
    CommitteeMember.objects.bulk_create(
        CommitteeMember(tender=tender, account=member, opening_key=bytes(keys[member.pk]))
        for member in committee
    )
    audit_record(
        actor=actor, action="procurement.tender_create", object_type="tender",
        object_id=str(tender.public_id), data={"procedure": procedure, "lots": len(lots)},
    )  # fmt: skip
    return tender


def _locked(tender: Tender) -> Tender:
    return Tender.objects.select_for_update().get(pk=tender.pk)


@transaction.atomic
def tender_publish(*, tender: Tender, actor: str) -> Tender:
    """Publish a draft: its periods start, the tender key is made and split among the
    committee (the private key is not kept), and the OCDS ``tender`` release goes out."""
    tender = _locked(tender)
    if tender.stage != Stage.DRAFT:
        raise Problem(409, "Only a draft is published.", code="stage")
    rules = rules_of(tender.procedure)
    now = timezone.now()
    assert tender.tender_end is not None  # noqa: S101 - set at creation
    if tender.tender_end < now + rules.period("tendering"):
        raise Problem(
            422,
            f"Bids must be open for at least {rules.period('tendering')} after publication.",
            code="period",
        )
    enquiries = rules.period("enquiries") if Stage.ENQUIRIES in rules.stages else timedelta(0)
    if now + enquiries >= tender.tender_end:
        raise Problem(422, "The enquiry period must end before the deadline.", code="period")
    tender.published_at = now
    tender.enquiry_end = now + enquiries if enquiries else None
    tender.stage = Stage.ENQUIRIES if enquiries else Stage.TENDERING
    fields = ["published_at", "enquiry_end", "stage"]
    if rules.sealed:
        members = list(tender.committee.order_by("pk"))
        key = tender_key_make(
            tender=str(tender.public_id),
            members=[
                (str(m.account.public_id), public_key_load(bytes(m.opening_key)))
                for m in members
            ],
            threshold=tender.threshold,
        )  # fmt: skip
        tender.public_key = key.public_key
        for member, sealed_share, digest in zip(
            members, key.sealed_shares, key.share_digests, strict=True
        ):
            member.sealed_share, member.share_sha256 = sealed_share, digest
        CommitteeMember.objects.bulk_update(members, ["sealed_share", "share_sha256"])
        fields.append("public_key")
    tender.save(update_fields=fields)
    audit_record(
        actor=actor, action="procurement.tender_publish", object_type="tender",
        object_id=str(tender.public_id), data={"deadline": tender.tender_end.isoformat()},
    )  # fmt: skip
    ocds.release_publish(tender, ["tender"])
    return tender


AMENDABLE = {"title", "description", "tender_end"}


@transaction.atomic
def tender_amend(
    *, tender: Tender, changes: Mapping[str, object], lot_values: Mapping[int, int] | None = None,
    rationale: str, actor: str,
) -> Tender:  # fmt: skip
    """Change a published tender before its deadline. Every bid already placed must then
    be confirmed by its bidder, or it is not opened."""
    tender = _locked(tender)
    assert tender.tender_end is not None  # noqa: S101 - published
    if (
        tender.stage not in {Stage.ENQUIRIES, Stage.TENDERING}
        or timezone.now() >= tender.tender_end
    ):
        raise Problem(409, "A tender is amended only before its deadline.", code="stage")
    unknown = set(changes) - AMENDABLE
    if unknown:
        raise Problem(422, f"These cannot be amended: {', '.join(sorted(unknown))}.")
    if not rationale.strip():
        raise Problem(422, "An amendment gives its rationale.")
    rules = rules_of(tender.procedure)
    before_after: dict[str, list[object]] = {}
    for field, value in changes.items():
        if field == "tender_end":
            assert isinstance(value, datetime)  # noqa: S101 - the API parses it
            if value < timezone.now() + rules.period("tendering") / 2:
                raise Problem(422, "An amended deadline leaves bidders at least half the "
                                   "tendering period.", code="period")  # fmt: skip
        before_after[field] = [_plain(getattr(tender, field)), _plain(value)]
        setattr(tender, field, value)
    lots = {lot.number: lot for lot in tender.lots.all()}
    for number, value in (lot_values or {}).items():
        if number not in lots or not 0 < value <= MAX_AMOUNT:
            raise Problem(
                422, f"Lot {number} is not in this tender, or its budget is not positive."
            )
        before_after[f"lot {number} value"] = [lots[number].value, value]
        Lot.objects.filter(pk=lots[number].pk).update(value=value)
    if not before_after:
        raise Problem(422, "The amendment changes nothing.")
    tender.amendments += 1
    tender.save(update_fields=[*changes, "amendments"])
    TenderAmendment.objects.create(
        tender=tender, number=tender.amendments, rationale=rationale, changes=before_after
    )
    # Not counted in the audit entry: until opening, nobody learns how many bid.
    tender.bids.filter(status=BidStatus.SUBMITTED).update(status=BidStatus.NEEDS_CONFIRMATION)
    audit_record(
        actor=actor, action="procurement.tender_amend", object_type="tender",
        object_id=str(tender.public_id),
        data={"amendment": tender.amendments, "changes": before_after},
    )  # fmt: skip
    ocds.release_publish(tender, ["tenderAmendment"])
    return tender


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def tender_cancel(*, tender: Tender, reason: str, actor: str) -> Tender:
    tender = _locked(tender)
    if tender.stage in {Stage.CONTRACTING, Stage.COMPLETE, Stage.CANCELLED, Stage.UNSUCCESSFUL}:
        raise Problem(409, "This tender can no longer be cancelled.", code="stage")
    _finish(tender, Stage.CANCELLED)
    audit_record(
        actor=actor, action="procurement.tender_cancel", object_type="tender",
        object_id=str(tender.public_id), data={"reason": reason},
    )  # fmt: skip
    ocds.release_publish(tender, ["tenderCancellation"])
    return tender


def _finish(tender: Tender, stage: Stage) -> None:
    tender.stage, tender.finished_at = stage, timezone.now()
    tender.save(update_fields=["stage", "finished_at"])


# --- bids ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidDocument:
    name: str
    media_type: str
    content: bytes


def _tender_for_bidding(tender: Tender) -> Tender:
    """The tender, read under a share lock: opening (which takes the row for update) waits
    for bids in flight, and a bid sees the stage opening left."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {Tender._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [tender.pk],
            )
    return Tender.objects.get(pk=tender.pk)


def _bidding_open(tender: Tender, now: datetime) -> None:
    assert tender.tender_end is not None  # noqa: S101 - every published tender has one
    if tender.stage != Stage.TENDERING or now >= tender.tender_end:
        if tender.stage == Stage.ENQUIRIES and now < tender.tender_end:
            raise Problem(409, "Bids are taken once the enquiry period ends.", code="enquiries")
        raise Problem(409, "The deadline for bids has passed.", code="deadline")


def _bidder(supplier: Supplier, account: Account) -> None:
    """Only the supplier's representatives act for it; to anyone else its bids do not
    exist (a 404, as for a bid id nobody has)."""
    if not SupplierRepresentative.objects.filter(supplier=supplier, account=account).exists():
        raise Problem(404, "No such bid of a supplier you represent.", code="not-found")


@transaction.atomic
def bid_submit(
    *,
    tender: Tender,
    supplier: Supplier,
    prices: Mapping[int, int],
    documents: Sequence[BidDocument] = (),
    account: Account,
) -> Bid:
    """Accept a bid before the deadline: encrypt it to the tender key at once (only the
    ciphertext is stored), and give the bidder a receipt sealed by the platform and time
    stamped, which binds the exact receipt time to the ciphertext's digest."""
    now = timezone.now()
    tender = _tender_for_bidding(tender)
    _bidding_open(tender, now)
    _bidder(supplier, account)
    if tender.single_supplier_id not in (None, supplier.pk):
        raise Problem(403, "This single-source procedure is negotiated with another supplier.")
    listed = unreliable_entry(supplier.organisation_id)
    if listed is not None:
        raise Problem(
            403, f"The supplier is on the registry of unreliable suppliers until {listed.until}.",
            code="unreliable",
        )  # fmt: skip
    lots = dict(tender.lots.values_list("number", "value"))
    if not prices or any(
        number not in lots or not 0 < price <= MAX_AMOUNT for number, price in prices.items()
    ):
        raise Problem(422, "A bid prices one or more of the tender's lots, each above zero.")
    bid = Bid(tender=tender, supplier=supplier, received_at=now, amendment=tender.amendments)
    content = json.dumps({
        "prices": {str(number): price for number, price in sorted(prices.items())},
        "documents": [
            {"name": d.name, "media_type": d.media_type,
             "content": base64.b64encode(d.content).decode()}
            for d in documents
        ],
    }).encode()  # fmt: skip
    if len(content) > MAX_BID_BYTES:
        raise Problem(413, "A bid with its documents is at most 10 MiB.")
    rules = rules_of(tender.procedure)
    if rules.sealed:
        assert tender.public_key is not None  # noqa: S101 - made at publication
        bid.sealed = seal_to(
            public_key_load(bytes(tender.public_key)), content,
            context=bid_context(str(tender.public_id), str(bid.public_id)),
        )  # fmt: skip
    else:  # a single source's offer: nobody competes with it, so it is not sealed
        bid.sealed = content
    bid.sealed_sha256 = hashlib.sha256(bid.sealed).hexdigest()
    bid.receipt_payload, bid.receipt_signature = signed(
        {"ocid": ocds.ocid_of(tender), "bid": str(bid.public_id),
         "supplier": supplier.organisation.bin, "receivedAt": now.isoformat(),
         "sealedSha256": bid.sealed_sha256, "amendment": tender.amendments},
        operator_agency(),
    )  # fmt: skip
    bid.receipt_timestamp = timestamp_token(bid.receipt_payload)
    try:
        with transaction.atomic():
            bid.save(force_insert=True)
    except IntegrityError as error:
        raise Problem(409, "The supplier has a bid in this tender already: withdraw it first.",
                      code="bid-exists") from error  # fmt: skip
    audit_record(
        actor=actor_of(account), action="procurement.bid_submit", object_type="bid",
        object_id=str(bid.public_id),
        data={"tender": str(tender.public_id), "sealed_sha256": bid.sealed_sha256},
    )  # fmt: skip
    return bid


def _live_bid(bid: Bid, account: Account) -> tuple[Bid, Tender]:
    tender = _tender_for_bidding(bid.tender)  # the tender first, as amendment and opening
    bid = Bid.objects.select_for_update().select_related("supplier").get(pk=bid.pk)
    _bidder(bid.supplier, account)
    _bidding_open(tender, timezone.now())
    return bid, tender


@transaction.atomic
def bid_confirm(*, bid: Bid, account: Account) -> Bid:
    """After an amendment, the bidder confirms the bid stands against the amended tender."""
    bid, tender = _live_bid(bid, account)
    if bid.status != BidStatus.NEEDS_CONFIRMATION:
        raise Problem(409, "Only a bid placed before an amendment needs confirming.", code="status")
    bid.status, bid.amendment = BidStatus.SUBMITTED, tender.amendments
    bid.save(update_fields=["status", "amendment"])
    audit_record(
        actor=actor_of(account), action="procurement.bid_confirm", object_type="bid",
        object_id=str(bid.public_id), data={"amendment": tender.amendments},
    )  # fmt: skip
    return bid


@transaction.atomic
def bid_withdraw(*, bid: Bid, account: Account) -> Bid:
    bid, _tender = _live_bid(bid, account)
    if bid.status not in {BidStatus.SUBMITTED, BidStatus.NEEDS_CONFIRMATION}:
        raise Problem(409, "This bid cannot be withdrawn.", code="status")
    bid.status = BidStatus.WITHDRAWN
    bid.save(update_fields=["status"])
    audit_record(
        actor=actor_of(account), action="procurement.bid_withdraw", object_type="bid",
        object_id=str(bid.public_id),
    )  # fmt: skip
    return bid


def bid_access(*, bid: Bid, account: Account) -> str:
    """What ``account`` may see of ``bid``: "contents" once opened (its bidder, the buyer's
    officers, the committee); "receipt" before that (its bidder only: who bid is secret
    until opening); "" otherwise. Every request is recorded with its answer. Before
    opening no path leads to the contents: only their ciphertext exists."""
    tender = bid.tender
    bidder = SupplierRepresentative.objects.filter(supplier=bid.supplier_id, account=account)
    insider = (
        bidder.exists()
        or account.memberships.filter(agency=tender.buyer_id).exists()
        or tender.committee.filter(account=account).exists()
    )
    if bid.opened_at is not None and insider:
        access = "contents"
    elif bid.opened_at is None and bidder.exists():
        access = "receipt"
    else:
        access = ""
    audit_record(
        actor=actor_of(account), action="procurement.bid_read", object_type="bid",
        object_id=str(bid.public_id),
        data={"answer": access or "refused", "opened": bid.opened_at is not None},
    )  # fmt: skip
    return access


# --- opening ------------------------------------------------------------------------------


def share_hand_in(*, tender: Tender, account: Account, share: bytes) -> Tender:
    """A committee member hands in their share of the tender key (opened on their own
    device). Refused before the deadline; every attempt is in the audit trail, refused ones
    included. Once ``threshold`` shares are in, the bids are opened."""
    with transaction.atomic():
        now = timezone.now()
        tender = _locked(tender)
        member = tender.committee.filter(account=account).first()
        assert tender.tender_end is not None  # noqa: S101 - published
        status, refusal = (
            (404, "only from the tender's committee") if member is None
            else (409, "only after the deadline") if now < tender.tender_end
            else (409, "only while the tender waits to be opened")
            if tender.stage not in {Stage.TENDERING, Stage.OPENING}
            else (409, "only until the bids are open") if tender.opened_at is not None
            else (422, "only as the member's own share, unchanged")
            if hashlib.sha256(share).hexdigest() != member.share_sha256
            else (200, "")
        )  # fmt: skip
        audit_record(
            actor=actor_of(account), action="procurement.share_hand_in", object_type="tender",
            object_id=str(tender.public_id), data={"outcome": refusal or "accepted"},
        )  # fmt: skip
        if not refusal:
            _share_take(tender, member, share, now)
    if refusal:  # raised after the commit, so the audit entry stays
        raise Problem(status, f"Shares are taken {refusal}.", code="share-refused")
    return tender


def _share_take(
    tender: Tender, member: CommitteeMember | None, share: bytes, now: datetime
) -> None:
    assert member is not None  # noqa: S101 - refused above
    member.share, member.share_at = share, now
    member.save(update_fields=["share", "share_at"])
    if tender.stage == Stage.TENDERING:  # the timer has not moved it on yet
        tender.stage = Stage.OPENING
        tender.save(update_fields=["stage"])
    handed_in = [bytes(m.share or b"") for m in tender.committee.exclude(share=None)]
    if len(handed_in) >= tender.threshold:
        _open(tender, [Share.from_bytes(s) for s in handed_in])


def _open(tender: Tender, shares: Sequence[Share]) -> None:
    assert tender.public_key is not None  # noqa: S101 - sealed procedures have one
    # Each share matched its digest, so the key is rebuilt (SealError here is a bug).
    key = tender_key_rebuild(shares, public_key=bytes(tender.public_key))
    now = timezone.now()
    bids = list(tender.bids.filter(status__in=[BidStatus.SUBMITTED, BidStatus.NEEDS_CONFIRMATION]))
    for bid in bids:
        if bid.status == BidStatus.NEEDS_CONFIRMATION:
            bid.status = BidStatus.INVALID
            continue
        content = json.loads(seal_open(
            key, bytes(bid.sealed), context=bid_context(str(tender.public_id), str(bid.public_id))
        ))  # fmt: skip
        bid.status, bid.opened_at = BidStatus.OPENED, now
        bid.prices = content["prices"]
        bid.documents = [document_summary(d) for d in content["documents"]]
    Bid.objects.bulk_update(bids, ["status", "opened_at", "prices", "documents"])
    tender.committee.update(share=None)
    tender.opened_at = now
    tender.save(update_fields=["opened_at"])
    audit_record(
        actor=SYSTEM_ACTOR, action="procurement.tender_open", object_type="tender",
        object_id=str(tender.public_id),
        data={"opened": sum(b.status == BidStatus.OPENED for b in bids),
              "invalid": sum(b.status == BidStatus.INVALID for b in bids)},
    )  # fmt: skip
    from qyzmet.procurement.awarding import bids_evaluate  # the next step of the same act

    bids_evaluate(tender)


def document_summary(document: Mapping[str, str]) -> dict[str, object]:
    content = base64.b64decode(document["content"])
    return {"name": document["name"], "media_type": document["media_type"],
            "sha256": hashlib.sha256(content).hexdigest(), "size": len(content),
            "content": document["content"]}  # fmt: skip
