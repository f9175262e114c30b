"""From opened bids to signed contracts: the auction, evaluation, qualification,
complaints, contracts, and the timer that moves tenders on when a period ends."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from qyzmet.core.audit import SYSTEM_ACTOR, audit_record
from qyzmet.core.errors import Problem
from qyzmet.identity.models import Account
from qyzmet.identity.services import actor_of
from qyzmet.procurement import ocds
from qyzmet.procurement.models import (
    AuctionStep,
    Award,
    AwardCriteria,
    AwardStatus,
    Bid,
    BidStatus,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    Contract,
    ContractStatus,
    Stage,
    Supplier,
    SupplierRepresentative,
    SupplierRole,
    Tender,
)
from qyzmet.procurement.procedures import rules_of
from qyzmet.procurement.services import document_summary, operator_agency, signed
from qyzmet.trust.authority import sha256_of
from qyzmet.trust.jws import JwsError, jws_verify
from qyzmet.trust.models import Certificate

FINISHED = {Stage.COMPLETE, Stage.CANCELLED, Stage.UNSUCCESSFUL}
logger = logging.getLogger(__name__)


def _move(tender: Tender, stage: Stage, **fields: Any) -> None:
    tender.stage = stage
    for name, value in fields.items():
        setattr(tender, name, value)
    if stage in FINISHED:
        tender.finished_at = timezone.now()
        fields["finished_at"] = tender.finished_at
    tender.save(update_fields=["stage", *fields])


def _buyer_officer(tender: Tender, account: Account) -> None:
    if not account.memberships.filter(agency=tender.buyer_id).exists():
        raise Problem(403, "Only the buyer's officers do this.")


# --- evaluation ---------------------------------------------------------------------------


def bids_evaluate(tender: Tender) -> None:
    """After opening: start the auction, or wait for the committee's quality scores (best
    value), or rank the bids at once (lowest price). ``tender`` is locked by the caller."""
    rules = rules_of(tender.procedure)
    opened = list(tender.bids.filter(status=BidStatus.OPENED))
    if not opened:
        _move(tender, Stage.UNSUCCESSFUL)
        ocds.release_publish(tender, ["tenderUpdate"])
        return
    if Stage.AUCTION in rules.stages and tender.auction_round == 0:
        AuctionStep.objects.bulk_create(
            AuctionStep(bid=bid, lot=int(lot), round=0, price=price)
            for bid in opened for lot, price in (bid.prices or {}).items()
        )  # fmt: skip
        _move(tender, Stage.AUCTION, auction_round=1,
              auction_round_end=timezone.now() + rules.period("auction_round"))  # fmt: skip
        ocds.release_publish(tender, ["tenderUpdate"])
        return
    _move(tender, Stage.QUALIFICATION)
    if tender.award_criteria == AwardCriteria.BEST_VALUE and any(
        bid.quality_score is None for bid in opened
    ):
        ocds.release_publish(tender, ["tenderUpdate"])  # the committee scores quality next
        return
    _rank(tender, opened)


def _final_prices(tender: Tender, bids: list[Bid]) -> dict[tuple[int, int], int]:
    """(bid id, lot) -> the price it stands at: the sealed one, or its last auction step."""
    prices = {
        (bid.pk, int(lot)): price for bid in bids for lot, price in (bid.prices or {}).items()
    }
    for step in AuctionStep.objects.filter(bid__tender=tender).order_by("round"):
        prices[(step.bid_id, step.lot)] = step.price
    return prices


def _rank(tender: Tender, bids: list[Bid]) -> None:
    """Rank each lot's bids, sign the evaluation report with the buyer's seal, and put the
    best bid of each lot to qualification."""
    prices = _final_prices(tender, bids)
    lots: list[dict[str, Any]] = []
    for number in tender.lots.values_list("number", flat=True):
        offers = [(bid, prices[(bid.pk, number)]) for bid in bids if (bid.pk, number) in prices]
        if not offers:
            lots.append({"lot": number, "ranking": []})
            continue
        lowest = min(price for _, price in offers)
        # Best score first; at equal scores the lower price, then the earlier bid.
        scored = sorted(
            (-_score(tender, price, lowest, bid.quality_score), price, bid.received_at, bid.pk, bid)
            for bid, price in offers
        )
        ranking = [
            {"bid": str(bid.public_id), "supplier": bid.supplier.organisation.bin,
             "price": price, "quality": bid.quality_score, "score": -negative_score,
             "receivedAt": received_at.isoformat()}
            for negative_score, price, received_at, _pk, bid in scored
        ]  # fmt: skip
        lots.append({"lot": number, "ranking": ranking})
    report = {"ocid": ocds.ocid_of(tender), "criteria": tender.award_criteria,
              "priceWeight": tender.price_weight, "lots": lots,
              "at": timezone.now().isoformat()}  # fmt: skip
    _payload, signature = signed(report, tender.buyer)
    by_public_id = {str(bid.public_id): bid for bid in bids}
    for lot in lots:
        if lot["ranking"]:
            _award_next(tender, lot["lot"], 1, report, signature, by_public_id)
    audit_record(
        actor=SYSTEM_ACTOR, action="procurement.bids_rank", object_type="tender",
        object_id=str(tender.public_id), data={"lots": len(lots)},
    )  # fmt: skip
    _after_qualification(tender, ["award"])


def _score(tender: Tender, price: int, lowest: int, quality: int | None) -> float:
    """Lowest price: the lower the better. Best value: the price's share of the weight in
    proportion to the lowest price, plus the quality score's share (out of 100)."""
    if tender.award_criteria == AwardCriteria.LOWEST_PRICE:
        return -float(price)
    price_part = tender.price_weight * lowest / price
    return round(price_part + (100 - tender.price_weight) * (quality or 0) / 100, 4)


def _award_next(
    tender: Tender, lot: int, rank: int, report: dict[str, Any], signature: str,
    bids: Mapping[str, Bid] | None = None,
) -> Award | None:  # fmt: skip
    """Put the lot's bid of this rank to qualification; None when the ranking runs out."""
    ranking = next(entry["ranking"] for entry in report["lots"] if entry["lot"] == lot)
    if rank > len(ranking):
        return None
    row = ranking[rank - 1]
    bid = (bids or {}).get(row["bid"]) or Bid.objects.get(public_id=row["bid"])
    return Award.objects.create(
        tender=tender, lot=lot, bid=bid, value=row["price"], rank=rank, report=report,
        report_signature=signature,
    )  # fmt: skip


@transaction.atomic
def bids_score(*, tender: Tender, scores: Mapping[str, int], account: Account) -> Tender:
    """Best value: the committee's quality scores (0-100) for every opened bid; then the
    bids are ranked."""
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not tender.committee.filter(account=account).exists():
        raise Problem(403, "Only the committee scores bids.")
    if tender.award_criteria != AwardCriteria.BEST_VALUE or tender.stage != Stage.QUALIFICATION:
        raise Problem(409, "Bids are scored only in a best-value tender, after opening.",
                      code="stage")  # fmt: skip
    if tender.awards.exists():
        raise Problem(409, "The bids are ranked already.", code="ranked")
    opened = list(
        tender.bids.filter(status=BidStatus.OPENED).select_related("supplier__organisation")
    )
    if set(scores) != {str(bid.public_id) for bid in opened} or any(
        not 0 <= score <= 100 for score in scores.values()
    ):
        raise Problem(422, "Score every opened bid, each from 0 to 100.")
    for bid in opened:
        bid.quality_score = scores[str(bid.public_id)]
    Bid.objects.bulk_update(opened, ["quality_score"])
    audit_record(
        actor=actor_of(account), action="procurement.bids_score", object_type="tender",
        object_id=str(tender.public_id), data={"scores": dict(scores)},
    )  # fmt: skip
    _rank(tender, opened)
    return tender


# --- the reverse auction ------------------------------------------------------------------


@transaction.atomic
def auction_bid(*, bid: Bid, lot: int, price: int, account: Account) -> AuctionStep:
    """A bidder lowers their price for a lot in the current round (once per round; the new
    price must be below their standing one)."""
    bid = Bid.objects.select_related("tender", "supplier").get(pk=bid.pk)
    tender = Tender.objects.select_for_update().get(pk=bid.tender_id)
    if not SupplierRepresentative.objects.filter(supplier=bid.supplier, account=account).exists():
        raise Problem(404, "No such bid of a supplier you represent.", code="not-found")
    now = timezone.now()
    if (
        tender.stage != Stage.AUCTION
        or tender.auction_round_end is None
        or now >= tender.auction_round_end
    ):
        raise Problem(409, "No auction round is running.", code="stage")
    standing = AuctionStep.objects.filter(bid=bid, lot=lot).order_by("-round").first()
    if standing is None or bid.status != BidStatus.OPENED:
        raise Problem(409, "This bid has no price for that lot in the auction.")
    if standing.round == tender.auction_round:
        raise Problem(409, "One price per round.", code="once-per-round")
    if not 0 < price < standing.price:
        raise Problem(422, "A new price is above zero and below the standing one.")
    step = AuctionStep.objects.create(bid=bid, lot=lot, round=tender.auction_round, price=price)
    audit_record(
        actor=actor_of(account), action="procurement.auction_bid", object_type="bid",
        object_id=str(bid.public_id),
        data={"lot": lot, "round": tender.auction_round, "price": price},
    )  # fmt: skip
    return step


def _auction_round_end(tender: Tender) -> None:
    rules = rules_of(tender.procedure)
    if tender.auction_round < rules.auction_rounds:
        _move(tender, Stage.AUCTION, auction_round=tender.auction_round + 1,
              auction_round_end=timezone.now() + rules.period("auction_round"))  # fmt: skip
        return
    _move(tender, Stage.QUALIFICATION, auction_round_end=None)
    bids = list(
        tender.bids.filter(status=BidStatus.OPENED).select_related("supplier__organisation")
    )
    _rank(tender, bids)


# --- qualification ------------------------------------------------------------------------


@transaction.atomic
def award_qualify(*, award: Award, qualified: bool, reason: str = "", account: Account) -> Award:
    """The buyer qualifies the winner, or rejects them with a reason and the next bid of
    the lot is put to qualification."""
    tender = Tender.objects.select_for_update().get(pk=award.tender_id)  # the tender first
    award = Award.objects.select_for_update().select_related("tender").get(pk=award.pk)
    _buyer_officer(tender, account)
    if award.status != AwardStatus.PENDING or tender.stage != Stage.QUALIFICATION:
        raise Problem(409, "This award is not being qualified.", code="status")
    if not qualified and not reason.strip():
        raise Problem(422, "A rejection gives its reason.")
    award.status = AwardStatus.ACTIVE if qualified else AwardStatus.UNSUCCESSFUL
    award.decided_at, award.reason = timezone.now(), reason
    award.save(update_fields=["status", "decided_at", "reason"])
    if not qualified:  # rejected for this lot only: its award says so
        assert award.report is not None  # noqa: S101 - every award carries its ranking
        _award_next(tender, award.lot, award.rank + 1, award.report, award.report_signature)
    audit_record(
        actor=actor_of(account), action="procurement.award_qualify", object_type="award",
        object_id=str(award.public_id), data={"qualified": qualified, "reason": reason},
    )  # fmt: skip
    _after_qualification(tender, ["awardUpdate"])
    return award


def _after_qualification(tender: Tender, tags: list[str]) -> None:
    """Once no award is pending: the standstill (or the contract, where there is none)
    when a lot was awarded, else the tender is unsuccessful."""
    awards = tender.awards.all()
    if awards.filter(status=AwardStatus.PENDING).exists():
        ocds.release_publish(tender, tags)
        return
    if not awards.filter(status=AwardStatus.ACTIVE).exists():
        _move(tender, Stage.UNSUCCESSFUL)
        ocds.release_publish(tender, [*tags, "tenderUpdate"])
        return
    rules = rules_of(tender.procedure)
    if Stage.STANDSTILL in rules.stages:
        _move(tender, Stage.STANDSTILL, standstill_end=timezone.now() + rules.period("standstill"))
        ocds.release_publish(tender, tags)
    else:
        _contracts_draft(tender, tags)


def _contracts_draft(tender: Tender, tags: list[str]) -> None:
    for award in tender.awards.filter(
        status=AwardStatus.ACTIVE, contract__isnull=True
    ).select_related("bid__supplier__organisation"):
        terms = (
            f"Contract for lot {award.lot} of tender {ocds.ocid_of(tender)} ({tender.title}).\n"
            f"Buyer: {tender.buyer.name_en}, BIN {tender.buyer.organisation.bin}.\n"
            f"Supplier: {award.bid.supplier.name}, BIN {award.bid.supplier.organisation.bin}.\n"
            f"Price: {award.value / 100:.2f} {tender.currency}, as awarded on "
            f"{award.decided_at.date().isoformat() if award.decided_at else ''}.\n"
        )  # fmt: skip
        Contract.objects.create(
            award=award, value=award.value, terms=terms,
            terms_sha256=hashlib.sha256(terms.encode()).hexdigest(),
        )  # fmt: skip
    _move(tender, Stage.CONTRACTING)
    ocds.release_publish(tender, [*tags, "contract"])


# --- complaints ---------------------------------------------------------------------------


def _pending_complaints(tender: Tender) -> bool:
    return tender.complaints.filter(status=ComplaintStatus.PENDING).exists()


@transaction.atomic
def complaint_file(
    *, tender: Tender, supplier: Supplier, kind: ComplaintKind, title: str, text: str,
    award: Award | None = None, account: Account,
) -> Complaint:  # fmt: skip
    """A claim to the buyer or a complaint to the review body, from publication until the
    contracts are signed. While one is pending, no contract of the tender is signed."""
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not SupplierRepresentative.objects.filter(supplier=supplier, account=account).exists():
        raise Problem(403, "Only the supplier's representatives act for it.")
    if tender.stage in FINISHED or tender.stage == Stage.DRAFT:
        raise Problem(409, "Complaints are filed while the tender runs.", code="stage")
    if award is not None and award.tender_id != tender.pk:
        raise Problem(422, "The award is not this tender's.")
    if not title.strip() or not text.strip():
        raise Problem(422, "A complaint has a title and a text.")
    complaint = Complaint.objects.create(
        tender=tender, award=award, author=supplier, kind=kind, title=title, text=text
    )
    audit_record(
        actor=actor_of(account), action="procurement.complaint_file", object_type="complaint",
        object_id=str(complaint.public_id), data={"tender": str(tender.public_id), "kind": kind},
    )  # fmt: skip
    ocds.release_publish(tender, ["tenderUpdate"])
    return complaint


@transaction.atomic
def complaint_decide(
    *, complaint: Complaint, upheld: bool, resolution: str, account: Account
) -> Complaint:
    """A claim is answered by the buyer; a complaint decided by the review body. An upheld
    complaint about an award cancels it and the lot's next bid is qualified."""
    tender = Tender.objects.select_for_update().get(pk=complaint.tender_id)  # the tender first
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    decider = tender.buyer if complaint.kind == ComplaintKind.CLAIM else operator_agency()
    if not account.memberships.filter(agency=decider).exists():
        raise Problem(403, "A claim is answered by the buyer, a complaint by the review body.")
    if complaint.status != ComplaintStatus.PENDING:
        raise Problem(409, "This complaint is decided already.", code="status")
    if not resolution.strip():
        raise Problem(422, "A decision gives its reasons.")
    complaint.status = (
        ComplaintStatus.ANSWERED if complaint.kind == ComplaintKind.CLAIM
        else ComplaintStatus.SATISFIED if upheld else ComplaintStatus.DISMISSED
    )  # fmt: skip
    complaint.resolution, complaint.decided_at = resolution, timezone.now()
    complaint.save(update_fields=["status", "resolution", "decided_at"])
    tags = ["tenderUpdate"]
    award = complaint.award
    # An upheld complaint reopens qualification only while the tender runs and the award's
    # contract is not yet in force; otherwise it is a finding on the record.
    if (
        complaint.status == ComplaintStatus.SATISFIED
        and award is not None
        and tender.stage not in FINISHED
        and award.status in {AwardStatus.PENDING, AwardStatus.ACTIVE}
        and not Contract.objects.filter(award=award, status=ContractStatus.ACTIVE).exists()
    ):
        Award.objects.filter(pk=award.pk).update(
            status=AwardStatus.CANCELLED, decided_at=timezone.now()
        )
        Contract.objects.filter(award=award).update(status=ContractStatus.CANCELLED)
        assert award.report is not None  # noqa: S101
        _award_next(tender, award.lot, award.rank + 1, award.report, award.report_signature)
        _move(tender, Stage.QUALIFICATION, standstill_end=None)
        tags.append("awardCancellation")
    audit_record(
        actor=actor_of(account), action="procurement.complaint_decide", object_type="complaint",
        object_id=str(complaint.public_id), data={"status": complaint.status},
    )  # fmt: skip
    if tender.stage == Stage.QUALIFICATION:
        _after_qualification(tender, tags)
    else:
        ocds.release_publish(tender, tags)
    return complaint


# --- contracts ----------------------------------------------------------------------------


def _signature_of(account: Account, signature: str, terms: bytes) -> None:
    try:
        verdict = jws_verify(signature, terms)
    except JwsError as error:
        raise Problem(422, f"The signature cannot be read: {error}", code="signature") from error
    if not verdict.valid:
        raise Problem(422, "The signature does not verify over the contract's terms.",
                      code="signature")  # fmt: skip
    sha256 = sha256_of(verdict.facts.header.certificate)
    if not Certificate.objects.filter(sha256=sha256, account=account).exists():
        raise Problem(422, "The signature is not made with the signer's own certificate.",
                      code="signature")  # fmt: skip


@transaction.atomic
def contract_sign(*, contract: Contract, signature: str, account: Account) -> Contract:
    """One party signs the contract's terms (a detached JWS made with their own signing
    key). Refused while a complaint about the tender is pending. Signed by both, the
    contract is in force; all signed, the tender is complete."""
    tender = Tender.objects.select_for_update().get(pk=contract.award.tender_id)  # first
    contract = (
        Contract.objects.select_for_update()
        .select_related("award__bid__supplier")
        .get(pk=contract.pk)
    )
    if tender.stage != Stage.CONTRACTING or contract.status != ContractStatus.PENDING:
        raise Problem(409, "This contract is not awaiting signatures.", code="status")
    if _pending_complaints(tender):
        raise Problem(409, "A complaint about this tender is pending: contracts wait for its "
                           "decision.", code="complaint-pending")  # fmt: skip
    supplier = contract.award.bid.supplier
    if account.memberships.filter(agency=tender.buyer_id).exists():
        side = "buyer_signature"
    elif SupplierRepresentative.objects.filter(
        supplier=supplier, account=account, role=SupplierRole.SIGNATORY
    ).exists():
        side = "supplier_signature"
    else:
        raise Problem(403, "Only the buyer's officers and the supplier's signatories sign.")
    _signature_of(account, signature, contract.terms.encode())
    setattr(contract, side, signature)
    fields = [side]
    if contract.buyer_signature and contract.supplier_signature:
        contract.status, contract.signed_at = ContractStatus.ACTIVE, timezone.now()
        fields += ["status", "signed_at"]
    contract.save(update_fields=fields)
    audit_record(
        actor=actor_of(account), action="procurement.contract_sign", object_type="contract",
        object_id=str(contract.public_id), data={"side": side.removesuffix("_signature")},
    )  # fmt: skip
    if (
        not Contract.objects.filter(award__tender=tender)
        .exclude(status=ContractStatus.ACTIVE)
        .exists()
    ):
        _move(tender, Stage.COMPLETE)
    ocds.release_publish(tender, ["contractUpdate"])
    return contract


def _contract_for_buyer(contract: Contract, account: Account) -> tuple[Contract, Tender]:
    tender = Tender.objects.select_for_update().get(pk=contract.award.tender_id)  # first
    contract = Contract.objects.select_for_update().select_related("award").get(pk=contract.pk)
    _buyer_officer(tender, account)
    if contract.status != ContractStatus.ACTIVE:
        raise Problem(409, "Only a contract in force changes.", code="status")
    return contract, tender


@transaction.atomic
def contract_amend(*, contract: Contract, value: int, rationale: str, account: Account) -> Contract:
    contract, tender = _contract_for_buyer(contract, account)
    if value <= 0 or not rationale.strip():
        raise Problem(422, "An amendment gives a positive value and its rationale.")
    contract.amendments = [*contract.amendments, {
        "id": str(len(contract.amendments) + 1), "date": timezone.now().isoformat(),
        "rationale": rationale, "value_before": contract.value, "value_after": value,
    }]  # fmt: skip
    contract.value = value
    contract.save(update_fields=["amendments", "value"])
    audit_record(
        actor=actor_of(account), action="procurement.contract_amend", object_type="contract",
        object_id=str(contract.public_id), data=contract.amendments[-1],
    )  # fmt: skip
    ocds.release_publish(tender, ["contractAmendment"])
    return contract


@transaction.atomic
def contract_milestone(
    *, contract: Contract, title: str, due: datetime, met: bool = False, account: Account
) -> Contract:
    """Add an implementation milestone, or (``met``) mark the one of that title met."""
    contract, tender = _contract_for_buyer(contract, account)
    milestones = list(contract.milestones)
    found = next((m for m in milestones if m["title"] == title), None)
    if found is None:
        found = {"id": str(len(milestones) + 1), "title": title, "due": due.isoformat(),
                 "status": "scheduled"}  # fmt: skip
        milestones.append(found)
    if met:
        found.update(status="met", met_at=timezone.now().isoformat())
    contract.milestones = milestones
    contract.save(update_fields=["milestones"])
    audit_record(
        actor=actor_of(account), action="procurement.contract_milestone", object_type="contract",
        object_id=str(contract.public_id), data=found,
    )  # fmt: skip
    ocds.release_publish(tender, ["implementation"])
    return contract


@transaction.atomic
def contract_end(*, contract: Contract, fulfilled: bool, reason: str, account: Account) -> Contract:
    """The contract ends: fulfilled, or terminated early with a reason."""
    contract, tender = _contract_for_buyer(contract, account)
    if not fulfilled and not reason.strip():
        raise Problem(422, "A termination gives its reason.")
    contract.status = ContractStatus.COMPLETE if fulfilled else ContractStatus.TERMINATED
    contract.ended_at, contract.end_reason = timezone.now(), reason
    contract.save(update_fields=["status", "ended_at", "end_reason"])
    audit_record(
        actor=actor_of(account), action="procurement.contract_end", object_type="contract",
        object_id=str(contract.public_id), data={"fulfilled": fulfilled, "reason": reason},
    )  # fmt: skip
    ocds.release_publish(tender, ["contractTermination"])
    return contract


# --- the timer ----------------------------------------------------------------------------


def tenders_advance(*, now: datetime | None = None, limit: int = 500) -> int | None:
    """For the worker's periodic loop: move on every tender whose period has ended. Each
    tender moves in its own transaction, under its lock; returns how many moved, None when
    none did (the loop then stops). A tender that fails is logged and left for the next
    round; the others still move."""
    now = now or timezone.now()
    due = Tender.objects.filter(
        Q(stage=Stage.ENQUIRIES, enquiry_end__lte=now)
        | Q(stage=Stage.TENDERING, tender_end__lte=now)
        | Q(stage=Stage.AUCTION, auction_round_end__lte=now)
        | Q(stage=Stage.STANDSTILL, standstill_end__lte=now)
    ).values_list("pk", flat=True)[:limit]
    moved = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                tender = Tender.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if tender is not None and _advance(tender, now):
                    moved += 1
        except (Problem, DatabaseError):
            logger.exception("tender %s could not move on; it is tried again next round", pk)
    return moved or None


def _advance(tender: Tender, now: datetime) -> bool:
    rules = rules_of(tender.procedure)
    if tender.stage == Stage.ENQUIRIES and tender.enquiry_end and tender.enquiry_end <= now:
        _move(tender, Stage.TENDERING)
        ocds.release_publish(tender, ["tenderUpdate"])
    elif tender.stage == Stage.TENDERING and tender.tender_end and tender.tender_end <= now:
        live = tender.bids.filter(status__in=[BidStatus.SUBMITTED, BidStatus.NEEDS_CONFIRMATION])
        if not live.exists():
            _move(tender, Stage.UNSUCCESSFUL)
            ocds.release_publish(tender, ["tenderUpdate"])
        elif rules.sealed:
            _move(tender, Stage.OPENING)  # the committee hands in its shares next
        else:
            _offer_open(tender)
    elif (
        tender.stage == Stage.AUCTION
        and tender.auction_round_end
        and tender.auction_round_end <= now
    ):
        _auction_round_end(tender)
        ocds.release_publish(tender, ["tenderUpdate"])
    elif (
        tender.stage == Stage.STANDSTILL and tender.standstill_end and tender.standstill_end <= now
    ):
        _contracts_draft(tender, [])
    else:
        return False
    return True


def _offer_open(tender: Tender) -> None:
    """A single source's offer is not sealed: it is read at the deadline."""
    now = timezone.now()
    for bid in tender.bids.filter(status=BidStatus.SUBMITTED):
        content = json.loads(bytes(bid.sealed))
        bid.prices = content["prices"]
        bid.documents = [document_summary(d) for d in content["documents"]]
        bid.status, bid.opened_at = BidStatus.OPENED, now
        bid.save(update_fields=["prices", "documents", "status", "opened_at"])
    tender.opened_at = now
    tender.save(update_fields=["opened_at"])
    bids_evaluate(tender)
