"""Procurement's reads. Fetches by public id raise 404 for what the caller may not see."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from qyzmet.core.sealing import committed_high_water_mark
from qyzmet.identity.models import Account
from qyzmet.procurement.models import (
    Award,
    Bid,
    Complaint,
    Contract,
    PlanItem,
    Release,
    Stage,
    Supplier,
    Tender,
)

EXPORT_BATCH = 5000


def tender_get(public_id: UUID, *, viewer: Account | None) -> Tender:
    """A published tender; a draft only to its buyer's officers."""
    tender = (
        Tender.objects.select_related("buyer__organisation").filter(public_id=public_id).first()
    )
    if tender is None:
        raise Http404
    if tender.published_at is None and (
        viewer is None or not viewer.memberships.filter(agency=tender.buyer_id).exists()
    ):
        raise Http404
    return tender


def plan_items(*, agency: str | None, year: int | None) -> QuerySet[PlanItem]:
    items = PlanItem.objects.select_related("buyer", "tender")
    if agency:
        items = items.filter(buyer__code=agency)
    if year:
        items = items.filter(year=year)
    return items.order_by("-year", "quarter", "pk")


def tenders_published(*, stage: Stage | None = None) -> QuerySet[Tender]:
    tenders = Tender.objects.select_related("buyer").filter(published_at__isnull=False)
    if stage is not None:
        tenders = tenders.filter(stage=stage)
    return tenders.order_by("-published_at").prefetch_related("lots")


def supplier_of(account: Account, bin_: str) -> Supplier | None:
    """The supplier ``bin_`` if ``account`` represents it."""
    return (
        Supplier.objects.select_related("organisation")
        .filter(organisation__bin=bin_, representatives__account=account)
        .first()
    )


def bid_get(public_id: UUID) -> Bid:
    bid = (
        Bid.objects.select_related("tender", "supplier__organisation")
        .filter(public_id=public_id)
        .first()
    )
    if bid is None:
        raise Http404
    return bid


def awards_of(tender: Tender) -> list[Award]:
    return list(
        tender.awards.select_related("tender", "bid__supplier__organisation").order_by(
            "lot", "rank"
        )
    )


def award_get(public_id: UUID) -> Award:
    award = (
        Award.objects.select_related("tender", "bid__supplier__organisation")
        .filter(public_id=public_id)
        .first()
    )
    if award is None:
        raise Http404
    return award


def complaint_get(public_id: UUID) -> Complaint:
    complaint = Complaint.objects.select_related("tender").filter(public_id=public_id).first()
    if complaint is None:
        raise Http404
    return complaint


def contracts_of(tender: Tender) -> list[Contract]:
    return list(
        Contract.objects.select_related("award").filter(award__tender=tender).order_by("pk")
    )


def contract_get(public_id: UUID) -> Contract:
    contract = Contract.objects.select_related("award").filter(public_id=public_id).first()
    if contract is None:
        raise Http404
    return contract


def releases_after(cursor: int, limit: int) -> list[tuple[int, str]]:
    """(id, body) of up to ``limit`` releases after ``cursor``, none beyond the committed
    high-water mark: a release still being written cannot later appear below a cursor a
    reader has passed."""
    high = committed_high_water_mark(Release)
    return list(
        Release.objects.filter(id__gt=cursor, id__lte=high)
        .order_by("id")
        .values_list("id", "body")[:limit]
    )


def release_bodies(*, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """Every release's stored body, oldest first, read in batches by key (constant memory,
    no long-held cursor)."""
    after = 0
    while True:
        rows = list(
            Release.objects.filter(id__gt=after).order_by("id").values_list("id", "body")[:batch]
        )
        if not rows:
            return
        for _id, body in rows:
            yield body
        after = rows[-1][0]
