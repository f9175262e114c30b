"""/api/v1/procurement: tenders, sealed bids, opening, awards, complaints, contracts, and
the public OCDS feed.

Who may do what: a supplier's representatives (scope ``procurement:bid``) bid, complain
and sign contracts for it; the buyer's officers (``procurement:buy``) run their agency's
tenders; committee members hand in their shares and score bids; the review body's
officers decide complaints. Everyone, signed in or not, reads published tenders and the
open data. Anything a caller may not see is a 404.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from qyzmet.core.errors import Problem
from qyzmet.core.inputs import PLAIN_TEXT, StrictIn
from qyzmet.identity.authentication import ANY_AUTH, principal_of
from qyzmet.identity.models import Account, Agency
from qyzmet.identity.services import actor_of
from qyzmet.procurement import awarding, ocds, selectors, services
from qyzmet.procurement.models import (
    Award,
    AwardCriteria,
    Bid,
    ComplaintKind,
    Contract,
    PlanItem,
    Procedure,
    Stage,
    Supplier,
    SupplierRole,
    Tender,
)

router = Router(tags=["procurement"], auth=ANY_AUTH)
BID, BUY = "procurement:bid", "procurement:buy"
PUBLIC: dict[str, Any] = {"security": [{}]}
# Free text may run over several lines; names and titles may not.
MULTILINE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Text = Field(min_length=1, max_length=4000, pattern=MULTILINE_TEXT)
Title = Field(min_length=1, max_length=300, pattern=PLAIN_TEXT)
BIN = Field(pattern=r"^\d{12}$", description="the organisation's business number")
Amount = Annotated[int, Field(gt=0, le=services.MAX_AMOUNT, description="minor units")]


def _caller(request: HttpRequest, scope: str) -> Account:
    principal = principal_of(request)
    if not principal.allows(scope):
        raise Http404
    return principal.account


def _officer_of(request: HttpRequest, agency_code: str | None = None) -> tuple[Account, Agency]:
    """The calling officer and their agency (the one named, else their only one)."""
    account = _caller(request, BUY)
    agencies = list(Agency.objects.filter(memberships__account=account).distinct())
    chosen = [a for a in agencies if agency_code in (None, a.code)]
    if len(chosen) != 1:
        raise Http404
    return account, chosen[0]


def _b64(data: bytes | memoryview | None) -> str:
    return base64.b64encode(bytes(data or b"")).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Problem(422, f"The {what} is not base64.") from error


class NothingIn(StrictIn):
    """An empty JSON object: the act needs no more than its path says."""


# --- suppliers ----------------------------------------------------------------------------


class SupplierIn(StrictIn):
    bin: str = BIN


class SupplierOut(Schema):
    id: UUID
    bin: str
    name: str
    registered_at: datetime


def _supplier_out(supplier: Supplier) -> SupplierOut:
    return SupplierOut(id=supplier.public_id, bin=supplier.organisation.bin, name=supplier.name,
                       registered_at=supplier.registered_at)  # fmt: skip


@router.post("/suppliers", response={201: SupplierOut}, summary="Register my organisation to bid")
def supplier_register(request: HttpRequest, payload: SupplierIn) -> Status[SupplierOut]:
    """The legal-entity registry must name the caller as the entity's head."""
    supplier = services.supplier_register(account=_caller(request, BID), bin_=payload.bin)
    return Status(201, _supplier_out(supplier))


class OpeningKeyIn(StrictIn):
    public_key: str = Field(description="base64 of your X25519 public key (32 bytes)")


class OpeningKeyOut(Schema):
    sha256: str = Field(description="the key's fingerprint, to compare with your device's")
    registered_at: datetime


@router.put("/opening-key", response=OpeningKeyOut,
            summary="Officers: register my opening key for evaluation committees")  # fmt: skip
def opening_key_register(request: HttpRequest, payload: OpeningKeyIn) -> OpeningKeyOut:
    """Make the pair on your own device (``qyzmet procurement opening-key``); only the
    public half comes here. Tenders that seat you from now on seal your share to it."""
    account = _caller(request, BUY)
    if account.kind != "officer":
        raise Http404
    public_key = _unb64(payload.public_key, "public key")
    key = services.opening_key_register(account=account, public_key=public_key)
    return OpeningKeyOut(sha256=hashlib.sha256(public_key).hexdigest(),
                         registered_at=key.registered_at)  # fmt: skip


class RepresentativeIn(StrictIn):
    account: UUID = Field(description="the person's account id")
    role: SupplierRole


class RepresentativeOut(Schema):
    supplier: str
    account: UUID
    role: SupplierRole


@router.post("/suppliers/{bin}/representatives", response={201: RepresentativeOut},
             summary="Signatories: name a person to bid or sign for my organisation")  # fmt: skip
def representative_add(
    request: HttpRequest, bin: str, payload: RepresentativeIn
) -> Status[RepresentativeOut]:
    """A bidder places bids and files complaints; a signatory also signs contracts and
    names representatives. Naming someone again changes their role."""
    by = _caller(request, BID)
    supplier = Supplier.objects.select_related("organisation").filter(organisation__bin=bin).first()
    person = Account.objects.filter(public_id=payload.account).first()
    if supplier is None:
        raise Http404
    if person is None:
        raise Problem(422, f"No account {payload.account}.")
    services.supplier_representative_add(supplier=supplier, account=person, role=payload.role,
                                         by=by)  # fmt: skip
    return Status(201, RepresentativeOut(supplier=bin, account=person.public_id, role=payload.role))


# --- plans -------------------------------------------------------------------------------


class PlanItemIn(StrictIn):
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4, description="when the tender is to be announced")
    title: str = Title
    cpv: str = Field(pattern=r"^\d{8}-\d$", description="CPV code, e.g. 30213100-6")
    cpv_description: str = Title
    quantity: int = Field(gt=0, le=10**9)
    unit: str = Field(min_length=1, max_length=40, pattern=PLAIN_TEXT)
    budget: Amount
    procedure: Procedure
    rationale: str = Text
    agency: str | None = Field(default=None, description="the buying agency's code, if several")


class PlanItemOut(Schema):
    id: UUID
    ocid: str
    buyer: str
    year: int
    quarter: int
    title: str
    cpv: str
    budget: int
    procedure: Procedure
    tender: UUID | None = Field(description="the tender carrying it out, once there is one")


def _plan_item_out(item: PlanItem) -> PlanItemOut:
    tender = getattr(item, "tender", None)
    return PlanItemOut(
        id=item.public_id, ocid=item.ocid, buyer=item.buyer.code, year=item.year,
        quarter=item.quarter, title=item.title, cpv=item.cpv, budget=item.budget,
        procedure=Procedure(item.procedure), tender=tender.public_id if tender else None,
    )  # fmt: skip


@router.post("/plans/items", response={201: PlanItemOut},
             summary="Buyers: add a line to my agency's procurement plan")  # fmt: skip
def plan_item_add(request: HttpRequest, payload: PlanItemIn) -> Status[PlanItemOut]:
    """Published at once (an OCDS planning release); the tender that carries it out later
    continues its contracting process."""
    account, agency = _officer_of(request, payload.agency)
    item = services.plan_item_add(
        buyer=agency, **payload.model_dump(exclude={"agency"}), actor=actor_of(account)
    )
    return Status(201, _plan_item_out(item))


@router.get("/plans/items", response=list[PlanItemOut], auth=None, openapi_extra=PUBLIC,
            summary="Agencies' procurement plans")  # fmt: skip
def plan_items_list(
    request: HttpRequest, agency: str | None = None, year: int | None = None
) -> list[PlanItemOut]:
    return [_plan_item_out(item) for item in selectors.plan_items(agency=agency, year=year)[:500]]


# --- tenders ------------------------------------------------------------------------------


class TenderLotIn(StrictIn):
    title: str = Title
    cpv: str = Field(pattern=r"^\d{8}-\d$", description="CPV code, e.g. 30213100-6")
    cpv_description: str = Title
    quantity: int = Field(gt=0, le=10**9)
    unit: str = Field(min_length=1, max_length=40, pattern=PLAIN_TEXT)
    value: int = Field(gt=0, le=10**17, description="the lot's budget in minor units (tiyn)")


class TenderIn(StrictIn):
    procedure: Procedure
    title: str = Title
    description: str = Field(default="", max_length=4000, pattern=MULTILINE_TEXT)
    category: Literal["goods", "works", "services"]
    lots: list[TenderLotIn] = Field(min_length=1, max_length=100)
    tender_end: AwareDatetime = Field(description="the deadline for bids, with its offset")
    committee: list[UUID] = Field(
        default_factory=list, max_length=25,
        description="the members' account ids: officers of the agency with an opening key",
    )  # fmt: skip
    threshold: int = Field(default=1, ge=1, le=25, description="shares that open the bids")
    award_criteria: AwardCriteria = AwardCriteria.LOWEST_PRICE
    price_weight: int = Field(default=100, ge=0, le=100)
    single_supplier: str | None = Field(default=None, pattern=r"^\d{12}$")
    plan_item: UUID | None = Field(default=None, description="the plan item it carries out")
    agency: str | None = Field(default=None, description="the buying agency's code, if several")


class TenderLotOut(Schema):
    number: int
    title: str
    cpv: str
    quantity: int
    unit: str
    value: int


class TenderOut(Schema):
    id: UUID
    ocid: str
    procedure: Procedure
    title: str
    description: str
    buyer: str
    stage: Stage
    published_at: datetime | None
    enquiry_end: datetime | None
    tender_end: datetime | None
    auction_round: int
    auction_round_end: datetime | None
    standstill_end: datetime | None
    opened_at: datetime | None
    amendments: int
    lots: list[TenderLotOut]


def _tender_out(tender: Tender) -> TenderOut:
    return TenderOut(
        id=tender.public_id, ocid=ocds.ocid_of(tender), procedure=Procedure(tender.procedure),
        title=tender.title, description=tender.description, buyer=tender.buyer.code,
        stage=Stage(tender.stage), published_at=tender.published_at,
        enquiry_end=tender.enquiry_end, tender_end=tender.tender_end,
        auction_round=tender.auction_round, auction_round_end=tender.auction_round_end,
        standstill_end=tender.standstill_end, opened_at=tender.opened_at,
        amendments=tender.amendments,
        lots=[TenderLotOut(number=lot.number, title=lot.title, cpv=lot.cpv, quantity=lot.quantity,
                     unit=lot.unit, value=lot.value) for lot in tender.lots.all()],
    )  # fmt: skip


@router.post("/tenders", response={201: TenderOut}, summary="Buyers: draft a tender")
def tender_create(request: HttpRequest, payload: TenderIn) -> Status[TenderOut]:
    account, agency = _officer_of(request, payload.agency)
    seats = []
    for member_id in payload.committee:
        member = Account.objects.filter(public_id=member_id, is_active=True).first()
        if member is None:
            raise Problem(422, f"No account {member_id} to seat on the committee.")
        seats.append(member)
    single = None
    if payload.single_supplier:
        single = Supplier.objects.filter(organisation__bin=payload.single_supplier).first()
        if single is None:
            raise Problem(422, f"{payload.single_supplier} is not a registered supplier.")
    plan_item = None
    if payload.plan_item is not None:
        plan_item = PlanItem.objects.filter(public_id=payload.plan_item).first()
        if plan_item is None:
            raise Problem(422, f"No plan item {payload.plan_item}.")
    tender = services.tender_create(
        buyer=agency, procedure=payload.procedure, title=payload.title,
        description=payload.description, category=payload.category,
        lots=[services.LotDraft(**lot.model_dump()) for lot in payload.lots],
        tender_end=payload.tender_end, committee=seats, threshold=payload.threshold,
        award_criteria=payload.award_criteria, price_weight=payload.price_weight,
        single_supplier=single, plan_item=plan_item, actor=actor_of(account),
    )  # fmt: skip
    return Status(201, _tender_out(tender))


def _own_tender(request: HttpRequest, id: UUID) -> tuple[Account, Tender]:
    account = _caller(request, BUY)
    tender = selectors.tender_get(id, viewer=account)
    if not account.memberships.filter(agency=tender.buyer_id).exists():
        raise Http404
    return account, tender


@router.post("/tenders/{id}/publish", response=TenderOut, summary="Buyers: publish a draft")
def tender_publish(request: HttpRequest, id: UUID, payload: NothingIn) -> TenderOut:
    account, tender = _own_tender(request, id)
    return _tender_out(services.tender_publish(tender=tender, actor=actor_of(account)))


class TenderAmendIn(StrictIn):
    title: str | None = Field(default=None, min_length=1, max_length=300, pattern=PLAIN_TEXT)
    description: str | None = Field(default=None, max_length=4000, pattern=MULTILINE_TEXT)
    tender_end: AwareDatetime | None = None
    lot_values: dict[int, Amount] = Field(default_factory=dict, description="lot number -> budget")
    rationale: str = Text


@router.post("/tenders/{id}/amend", response=TenderOut,
             summary="Buyers: amend a tender before its deadline")  # fmt: skip
def tender_amend(request: HttpRequest, id: UUID, payload: TenderAmendIn) -> TenderOut:
    """Every bid already placed must then be confirmed by its bidder, or it is not opened."""
    account, tender = _own_tender(request, id)
    changes = payload.model_dump(exclude={"lot_values", "rationale"}, exclude_none=True)
    tender = services.tender_amend(
        tender=tender, changes=changes, lot_values=payload.lot_values,
        rationale=payload.rationale, actor=actor_of(account),
    )  # fmt: skip
    return _tender_out(tender)


class CancelIn(StrictIn):
    reason: str = Text


@router.post("/tenders/{id}/cancel", response=TenderOut, summary="Buyers: cancel a tender")
def tender_cancel(request: HttpRequest, id: UUID, payload: CancelIn) -> TenderOut:
    account, tender = _own_tender(request, id)
    return _tender_out(
        services.tender_cancel(tender=tender, reason=payload.reason, actor=actor_of(account))
    )


@router.get("/tenders", response=list[TenderOut], auth=None, openapi_extra=PUBLIC,
            summary="Published tenders, newest first")  # fmt: skip
def tenders_list(request: HttpRequest, stage: Stage | None = None) -> list[TenderOut]:
    return [_tender_out(t) for t in selectors.tenders_published(stage=stage)[:100]]


@router.get("/tenders/{id}", response=TenderOut, auth=None, openapi_extra=PUBLIC,
            summary="A published tender (a draft to its buyer only)")  # fmt: skip
def tender_get(request: HttpRequest, id: UUID) -> TenderOut:
    viewer = request.user if isinstance(request.user, Account) else None
    return _tender_out(selectors.tender_get(id, viewer=viewer))


# --- bids ---------------------------------------------------------------------------------


class BidDocumentIn(StrictIn):
    name: str = Field(min_length=1, max_length=200, pattern=PLAIN_TEXT)
    media_type: str = Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")
    content: str = Field(description="base64")


class BidIn(StrictIn):
    supplier: str = BIN
    prices: dict[int, Amount] = Field(description="lot number -> price in minor units")
    documents: list[BidDocumentIn] = Field(default_factory=list, max_length=20)


class BidReceiptOut(Schema):
    payload: str = Field(description="base64 of the receipt's JSON (canonical)")
    signature: str = Field(description="the platform seal's detached JWS over the payload")
    timestamp: str = Field(description="base64 of an RFC 3161 time-stamp token over it")


class BidOut(Schema):
    id: UUID
    tender: UUID
    supplier: str
    status: str
    received_at: datetime
    sealed_sha256: str
    receipt: BidReceiptOut
    opened_at: datetime | None


class BidContentsOut(BidOut):
    prices: dict[str, int]
    documents: list[dict[str, Any]]


def _bid_out(bid: Bid) -> BidOut:
    return BidOut(
        id=bid.public_id, tender=bid.tender.public_id, supplier=bid.supplier.organisation.bin,
        status=bid.status, received_at=bid.received_at, sealed_sha256=bid.sealed_sha256,
        receipt=BidReceiptOut(payload=_b64(bid.receipt_payload), signature=bid.receipt_signature,
                           timestamp=_b64(bid.receipt_timestamp)),
        opened_at=bid.opened_at,
    )  # fmt: skip


def _representative(account: Account, bin_: str) -> Supplier:
    supplier = selectors.supplier_of(account, bin_)
    if supplier is None:
        raise Http404
    return supplier


@router.post("/tenders/{id}/bids", response={201: BidOut},
             summary="Suppliers: place a sealed bid before the deadline")  # fmt: skip
def bid_submit(request: HttpRequest, id: UUID, payload: BidIn) -> Status[BidOut]:
    """The bid is encrypted to the tender key on receipt; only ciphertext is stored. The
    receipt binds its exact receipt time to the ciphertext's SHA-256."""
    account = _caller(request, BID)
    supplier = _representative(account, payload.supplier)
    tender = selectors.tender_get(id, viewer=None)
    documents = [
        services.BidDocument(d.name, d.media_type, _unb64(d.content, "document"))
        for d in payload.documents
    ]
    bid = services.bid_submit(tender=tender, supplier=supplier, prices=payload.prices,
                              documents=documents, account=account)  # fmt: skip
    return Status(201, _bid_out(bid))


@router.get("/bids/{id}", response=BidContentsOut | BidOut,
            summary="A bid: its receipt, and its contents once opened")  # fmt: skip
def bid_get(request: HttpRequest, id: UUID) -> BidOut:
    """Before opening, only its bidder sees it (its receipt; who bid stays secret from the
    buyer). After opening, its bidder, the buyer's officers and the committee see its prices
    and documents. Every request is in the audit trail with its answer."""
    principal = principal_of(request)
    if not (principal.allows(BID) or principal.allows(BUY)):
        raise Http404
    bid = selectors.bid_get(id)
    access = services.bid_access(bid=bid, account=principal.account)
    if not access:
        raise Http404
    out = _bid_out(bid)
    if access == "receipt":
        return out
    return BidContentsOut(
        **out.model_dump(), prices=bid.prices or {}, documents=bid.documents or []
    )


@router.post(
    "/bids/{id}/confirm", response=BidOut, summary="Suppliers: confirm a bid after an amendment"
)
def bid_confirm(request: HttpRequest, id: UUID, payload: NothingIn) -> BidOut:
    account = _caller(request, BID)
    return _bid_out(services.bid_confirm(bid=selectors.bid_get(id), account=account))


@router.post(
    "/bids/{id}/withdraw", response=BidOut, summary="Suppliers: withdraw a bid before the deadline"
)
def bid_withdraw(request: HttpRequest, id: UUID, payload: NothingIn) -> BidOut:
    account = _caller(request, BID)
    return _bid_out(services.bid_withdraw(bid=selectors.bid_get(id), account=account))


class AuctionBidIn(StrictIn):
    lot: int = Field(ge=1)
    price: int = Field(gt=0)


class AuctionStepOut(Schema):
    lot: int
    round: int
    price: int


@router.post("/bids/{id}/auction", response={201: AuctionStepOut},
             summary="Suppliers: lower my price in the auction's round")  # fmt: skip
def auction_bid(request: HttpRequest, id: UUID, payload: AuctionBidIn) -> Status[AuctionStepOut]:
    account = _caller(request, BID)
    step = awarding.auction_bid(bid=selectors.bid_get(id), lot=payload.lot, price=payload.price,
                                account=account)  # fmt: skip
    return Status(201, AuctionStepOut(lot=step.lot, round=step.round, price=step.price))


# --- opening and evaluation ---------------------------------------------------------------


class KeyShareOut(Schema):
    sealed_share: str = Field(description="base64: the share, encrypted to the opening key")
    context: str = Field(description="what the share was sealed under (for the member's tool)")


@router.get("/tenders/{id}/share", response=KeyShareOut, summary="Committee: my sealed share")
def share_get(request: HttpRequest, id: UUID) -> KeyShareOut:
    """Open it on your own device with your opening key, and hand it in after the deadline."""
    account = _caller(request, BUY)
    tender = selectors.tender_get(id, viewer=account)
    seat = tender.committee.filter(account=account).first()
    if seat is None or seat.sealed_share is None:
        raise Http404
    if tender.tender_end is None or timezone.now() < tender.tender_end:
        raise Problem(409, "Shares are given out after the deadline.", code="not-now")
    context = f"qyzmet-share:{tender.public_id}:{account.public_id}"
    return KeyShareOut(sealed_share=_b64(seat.sealed_share), context=context)


class KeyShareIn(StrictIn):
    share: str = Field(description="base64 of the opened share (67 bytes)")


@router.post("/tenders/{id}/share", response=TenderOut,
             summary="Committee: hand in my share after the deadline")  # fmt: skip
def share_hand_in(request: HttpRequest, id: UUID, payload: KeyShareIn) -> TenderOut:
    """Refused before the deadline (and recorded). The bids open once enough members have
    handed in theirs."""
    account = _caller(request, BUY)
    tender = selectors.tender_get(id, viewer=account)
    services.share_hand_in(tender=tender, account=account, share=_unb64(payload.share, "share"))
    return _tender_out(selectors.tender_get(id, viewer=account))


class QualityScoresIn(StrictIn):
    scores: dict[UUID, int] = Field(description="bid id -> quality score, 0-100")


@router.post("/tenders/{id}/scores", response=TenderOut, summary="Committee: score quality")
def bids_score(request: HttpRequest, id: UUID, payload: QualityScoresIn) -> TenderOut:
    account = _caller(request, BUY)
    tender = selectors.tender_get(id, viewer=account)
    awarding.bids_score(tender=tender, scores={str(k): v for k, v in payload.scores.items()},
                        account=account)  # fmt: skip
    return _tender_out(selectors.tender_get(id, viewer=account))


class AwardOut(Schema):
    id: UUID
    tender: UUID
    lot: int
    bid: UUID
    supplier: str
    status: str
    rank: int
    value: int
    reason: str
    report: dict[str, Any] | None
    report_signature: str


def _award_out(award: Award) -> AwardOut:
    return AwardOut(
        id=award.public_id, tender=award.tender.public_id, lot=award.lot,
        bid=award.bid.public_id, supplier=award.bid.supplier.organisation.bin,
        status=award.status, rank=award.rank, value=award.value, reason=award.reason,
        report=award.report, report_signature=award.report_signature,
    )  # fmt: skip


@router.get("/tenders/{id}/awards", response=list[AwardOut], auth=None, openapi_extra=PUBLIC,
            summary="A tender's awards, with the signed evaluation report")  # fmt: skip
def awards_list(request: HttpRequest, id: UUID) -> list[AwardOut]:
    tender = selectors.tender_get(id, viewer=None)
    return [_award_out(a) for a in selectors.awards_of(tender)]


class AwardQualifyIn(StrictIn):
    qualified: bool
    reason: str = Field(default="", max_length=4000, pattern=MULTILINE_TEXT)


@router.post("/awards/{id}/qualify", response=AwardOut,
             summary="Buyers: qualify the winner, or reject them with a reason")  # fmt: skip
def award_qualify(request: HttpRequest, id: UUID, payload: AwardQualifyIn) -> AwardOut:
    account = _caller(request, BUY)
    award = awarding.award_qualify(award=selectors.award_get(id), qualified=payload.qualified,
                                   reason=payload.reason, account=account)  # fmt: skip
    return _award_out(selectors.award_get(award.public_id))


# --- complaints ---------------------------------------------------------------------------


class ComplaintIn(StrictIn):
    supplier: str = BIN
    kind: ComplaintKind
    title: str = Title
    text: str = Text
    award: UUID | None = None


class ComplaintOut(Schema):
    id: UUID
    tender: UUID
    kind: str
    title: str
    status: str
    resolution: str
    filed_at: datetime
    decided_at: datetime | None


def _complaint_out(complaint: Any) -> ComplaintOut:
    return ComplaintOut(
        id=complaint.public_id, tender=complaint.tender.public_id, kind=complaint.kind,
        title=complaint.title, status=complaint.status, resolution=complaint.resolution,
        filed_at=complaint.filed_at, decided_at=complaint.decided_at,
    )  # fmt: skip


@router.post("/tenders/{id}/complaints", response={201: ComplaintOut},
             summary="Suppliers: a claim to the buyer, or a complaint to review")  # fmt: skip
def complaint_file(request: HttpRequest, id: UUID, payload: ComplaintIn) -> Status[ComplaintOut]:
    """While a complaint is pending, no contract of the tender is signed."""
    account = _caller(request, BID)
    supplier = _representative(account, payload.supplier)
    tender = selectors.tender_get(id, viewer=None)
    award = selectors.award_get(payload.award) if payload.award else None
    complaint = awarding.complaint_file(
        tender=tender, supplier=supplier, kind=payload.kind, title=payload.title,
        text=payload.text, award=award, account=account,
    )  # fmt: skip
    return Status(201, _complaint_out(complaint))


class ComplaintDecisionIn(StrictIn):
    upheld: bool = False
    resolution: str = Text


@router.post("/complaints/{id}/decide", response=ComplaintOut,
             summary="Buyers answer claims; the review body decides complaints")  # fmt: skip
def complaint_decide(request: HttpRequest, id: UUID, payload: ComplaintDecisionIn) -> ComplaintOut:
    account = _caller(request, BUY)
    complaint = awarding.complaint_decide(
        complaint=selectors.complaint_get(id), upheld=payload.upheld,
        resolution=payload.resolution, account=account,
    )  # fmt: skip
    return _complaint_out(complaint)


# --- contracts ----------------------------------------------------------------------------


class ContractOut(Schema):
    id: UUID
    award: UUID
    status: str
    value: int
    terms: str = Field(description="what each party signs (a detached JWS over its UTF-8)")
    terms_sha256: str
    signed_by_buyer: bool
    signed_by_supplier: bool
    signed_at: datetime | None
    milestones: list[dict[str, Any]]
    amendments: list[dict[str, Any]]


def _contract_out(contract: Contract) -> ContractOut:
    return ContractOut(
        id=contract.public_id, award=contract.award.public_id, status=contract.status,
        value=contract.value, terms=contract.terms, terms_sha256=contract.terms_sha256,
        signed_by_buyer=bool(contract.buyer_signature),
        signed_by_supplier=bool(contract.supplier_signature), signed_at=contract.signed_at,
        milestones=contract.milestones, amendments=contract.amendments,
    )  # fmt: skip


@router.get("/tenders/{id}/contracts", response=list[ContractOut], auth=None,
            openapi_extra=PUBLIC, summary="A tender's contracts")  # fmt: skip
def contracts_list(request: HttpRequest, id: UUID) -> list[ContractOut]:
    tender = selectors.tender_get(id, viewer=None)
    return [_contract_out(c) for c in selectors.contracts_of(tender)]


class ContractSignIn(StrictIn):
    signature: str = Field(
        min_length=10, max_length=20000, description="detached JWS over the terms (your key)"
    )


@router.post("/contracts/{id}/sign", response=ContractOut,
             summary="Sign a contract for the buyer or the supplier")  # fmt: skip
def contract_sign(request: HttpRequest, id: UUID, payload: ContractSignIn) -> ContractOut:
    """Refused while a complaint about the tender is pending."""
    account = principal_of(request).account
    if not (principal_of(request).allows(BID) or principal_of(request).allows(BUY)):
        raise Http404
    contract = awarding.contract_sign(contract=selectors.contract_get(id),
                                      signature=payload.signature, account=account)  # fmt: skip
    return _contract_out(contract)


class ContractMilestoneIn(StrictIn):
    title: str = Title
    due: AwareDatetime
    met: bool = False


@router.post("/contracts/{id}/milestones", response=ContractOut,
             summary="Buyers: add a milestone, or mark one met")  # fmt: skip
def contract_milestone(request: HttpRequest, id: UUID, payload: ContractMilestoneIn) -> ContractOut:
    account = _caller(request, BUY)
    contract = awarding.contract_milestone(contract=selectors.contract_get(id),
                                           title=payload.title, due=payload.due,
                                           met=payload.met, account=account)  # fmt: skip
    return _contract_out(contract)


class ContractAmendIn(StrictIn):
    value: int = Field(gt=0)
    rationale: str = Text


@router.post("/contracts/{id}/amend", response=ContractOut, summary="Buyers: amend a contract")
def contract_amend(request: HttpRequest, id: UUID, payload: ContractAmendIn) -> ContractOut:
    account = _caller(request, BUY)
    contract = awarding.contract_amend(contract=selectors.contract_get(id), value=payload.value,
                                       rationale=payload.rationale, account=account)  # fmt: skip
    return _contract_out(contract)


class ContractEndIn(StrictIn):
    fulfilled: bool
    reason: str = Field(default="", max_length=4000, pattern=MULTILINE_TEXT)


@router.post("/contracts/{id}/end", response=ContractOut,
             summary="Buyers: the contract is fulfilled, or terminated early")  # fmt: skip
def contract_end(request: HttpRequest, id: UUID, payload: ContractEndIn) -> ContractOut:
    account = _caller(request, BUY)
    contract = awarding.contract_end(contract=selectors.contract_get(id),
                                     fulfilled=payload.fulfilled, reason=payload.reason,
                                     account=account)  # fmt: skip
    return _contract_out(contract)


# --- open data ----------------------------------------------------------------------------

JSON = "application/json"


@router.get("/releases", auth=None, openapi_extra=PUBLIC,
            response={200: dict[str, Any]},
            summary="The OCDS change feed: releases after a cursor, oldest first")  # fmt: skip
def releases_feed(request: HttpRequest, cursor: int = 0, limit: int = 100) -> HttpResponse:
    """An OCDS release package of up to ``limit`` (1-1000) releases published after
    ``cursor``; ``links.next`` continues from the last. 204 when there is nothing after the
    cursor yet (a package holds at least one release): ask again later. A release appears
    only once every earlier one has committed, so a reader following ``next`` misses none."""
    if cursor < 0 or not 1 <= limit <= 1000:
        raise Problem(422, "cursor is 0 or more; limit from 1 to 1000.")
    page = selectors.releases_after(cursor, limit)
    if not page:
        return HttpResponse(status=204)
    last = page[-1][0]
    uri = request.build_absolute_uri()
    body = "".join(ocds.release_package_chunks(
        (text for _id, text in page), uri=uri, published=timezone.now(),
        links={"next": request.build_absolute_uri(f"?cursor={last}&limit={limit}")},
    ))  # fmt: skip
    return HttpResponse(body, content_type=JSON)


@router.get("/records/{ocid}", auth=None, openapi_extra=PUBLIC, response={200: dict[str, Any]},
            summary="An OCDS record package: a process's releases, compiled")  # fmt: skip
def record_get(request: HttpRequest, ocid: str) -> dict[str, Any]:
    package = ocds.record_package([ocid], uri=request.build_absolute_uri())
    if not package["records"]:
        raise Http404
    return package


@router.get("/export", auth=None, openapi_extra=PUBLIC, response={200: dict[str, Any]},
            summary="Every release as one OCDS release package (streamed)")  # fmt: skip
def releases_export(request: HttpRequest) -> StreamingHttpResponse:
    chunks = ocds.release_package_chunks(
        selectors.release_bodies(), uri=request.build_absolute_uri(), published=timezone.now()
    )
    return StreamingHttpResponse((c.encode() for c in chunks), content_type=JSON)
