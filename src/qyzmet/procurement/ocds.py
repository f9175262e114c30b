"""Open Contracting Data Standard 1.1: every public step of a tender is a release.

Each release is a snapshot of the whole contracting process at that moment (parties,
tender, bids once opened, awards, contracts, complaints), tagged with what happened, so
that a record's compiled release (the releases merged by the OCDS merge rules) is simply
the newest state. A release is serialised once, when published, and stored as text:
the feed and the bulk export copy those bytes.

Before opening a tender's bids, its releases say nothing of them: not their number, not
who bid.

Beyond the core schema (extensions the schema admits as extra fields): ``tender.lots``
and ``items[].relatedLot`` (the lots extension), ``bids.details`` (the bids extension),
``awards[].relatedLots``, ``complaints`` (claims and complaints with their outcome).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from django.conf import settings
from django.utils import timezone

from qyzmet.identity.models import Organisation
from qyzmet.procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Complaint,
    Contract,
    ContractStatus,
    PlanItem,
    Release,
    Stage,
    Supplier,
    Tender,
)
from qyzmet.procurement.procedures import rules_of

VERSION = "1.1"
PUBLISHER = {"name": "qyzmet public procurement"}
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PUBLICATION_POLICY = "/procurement/open-data/"
ORGANISATION_SCHEME = "KZ-BIN"  # org-id.guide's list for Kazakhstan's business numbers

_TENDER_STATUS = {
    Stage.DRAFT: "planning", Stage.ENQUIRIES: "active", Stage.TENDERING: "active",
    Stage.OPENING: "active", Stage.AUCTION: "active", Stage.QUALIFICATION: "active",
    Stage.STANDSTILL: "active", Stage.CONTRACTING: "complete", Stage.COMPLETE: "complete",
    Stage.CANCELLED: "cancelled", Stage.UNSUCCESSFUL: "unsuccessful",
}  # fmt: skip
_CONTRACT_STATUS = {
    ContractStatus.PENDING: "pending", ContractStatus.ACTIVE: "active",
    ContractStatus.TERMINATED: "terminated", ContractStatus.COMPLETE: "terminated",
    ContractStatus.CANCELLED: "cancelled",
}  # fmt: skip
_BID_STATUS = {
    BidStatus.SUBMITTED: "pending", BidStatus.NEEDS_CONFIRMATION: "pending",
    BidStatus.OPENED: "valid", BidStatus.WITHDRAWN: "withdrawn",
    BidStatus.INVALID: "disqualified", BidStatus.DISQUALIFIED: "disqualified",
}  # fmt: skip
# The OCDS extensions the releases use beyond the core schema.
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
]


def ocid_of(tender: Tender) -> str:
    return tender.ocid


def ocid_new(public_id: object) -> str:
    """The ocid of a contracting process that starts with the object of ``public_id``."""
    return f"{settings.QYZMET_OCID_PREFIX}-{public_id}"


def _date(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _value(minor_units: int, currency: str) -> dict[str, Any]:
    return {"amount": minor_units / 100, "currency": currency}


def _party_id(bin_: str) -> str:
    return f"{ORGANISATION_SCHEME}-{bin_}"


class _Parties:
    """The release's parties, each once, with every role it plays."""

    def __init__(self) -> None:
        self.by_bin: dict[str, dict[str, Any]] = {}

    def add(self, bin_: str, name: str, role: str) -> dict[str, str]:
        party = self.by_bin.setdefault(bin_, {
            "id": _party_id(bin_), "name": name,
            "identifier": {"scheme": ORGANISATION_SCHEME, "id": bin_, "legalName": name},
            "roles": [],
        })  # fmt: skip
        if role not in party["roles"]:
            party["roles"].append(role)
        return {"id": party["id"], "name": name}


def release_build(
    tender: Tender, tags: Sequence[str], *, release_id: str, date: datetime
) -> dict[str, Any]:
    """The release of ``tender`` as it stands, tagged ``tags``."""
    rules = rules_of(tender.procedure)
    parties = _Parties()
    buyer = parties.add(tender.buyer.organisation.bin, tender.buyer.name_en, "buyer")
    parties.add(tender.buyer.organisation.bin, tender.buyer.name_en, "procuringEntity")
    lots = list(tender.lots.all())
    currency = tender.currency
    opened = tender.opened_at is not None or not rules.sealed
    bids = (
        list(tender.bids.select_related("supplier__organisation").exclude(status=BidStatus.WITHDRAWN).order_by("received_at"))
        if opened else []
    )  # fmt: skip
    tenderers = {
        bid.pk: parties.add(bid.supplier.organisation.bin, bid.supplier.name, "tenderer")
        for bid in bids
    }
    release: dict[str, Any] = {
        "ocid": ocid_of(tender), "id": release_id, "date": date.isoformat(), "tag": list(tags),
        "initiationType": "tender", "language": "en", "buyer": buyer,
    }  # fmt: skip
    tender_block: dict[str, Any] = {
        "id": str(tender.public_id), "title": tender.title, "description": tender.description,
        "status": _TENDER_STATUS[Stage(tender.stage)], "procuringEntity": buyer,
        "items": [
            {"id": f"{lot.number}-1", "description": lot.title, "quantity": lot.quantity,
             "unit": {"name": lot.unit},
             "classification": {"scheme": "CPV", "id": lot.cpv, "description": lot.cpv_description},
             "relatedLot": str(lot.number)}
            for lot in lots
        ],
        "value": _value(sum(lot.value for lot in lots), currency),
        "procurementMethod": rules.method,
        "procurementMethodDetails": tender.get_procedure_display(),
        "mainProcurementCategory": tender.category,
        "awardCriteria": tender.award_criteria,
        "submissionMethod": [rules.submission],
        "tenderPeriod": {"startDate": _date(tender.enquiry_end or tender.published_at),
                         "endDate": _date(tender.tender_end)},
        "hasEnquiries": tender.enquiry_end is not None,
        "lots": [
            {"id": str(lot.number), "title": lot.title, "value": _value(lot.value, currency),
             "status": _lot_status(tender, lot.number)}
            for lot in lots
        ],
        "amendments": [
            {"id": str(a.number), "date": a.made_at.isoformat(), "rationale": a.rationale,
             "description": _changes_text(a.changes)}
            for a in tender.amendment_log.order_by("number")
        ],
    }  # fmt: skip
    if tender.plan_item is not None:
        release["planning"] = _planning(tender.plan_item, currency)
    if tender.enquiry_end:
        tender_block["enquiryPeriod"] = {
            "startDate": _date(tender.published_at),
            "endDate": _date(tender.enquiry_end),
        }
    if opened:
        tender_block["numberOfTenderers"] = len(tenderers)
        tender_block["tenderers"] = list(tenderers.values())
        release["bids"] = {"details": [_bid(bid, tenderers[bid.pk], currency) for bid in bids]}
    release["tender"] = tender_block
    awards = list(
        tender.awards.select_related("bid__supplier__organisation").order_by("created_at", "pk")
    )
    release["awards"] = [_award(award, tenderers, parties, currency) for award in awards]
    contracts = Contract.objects.filter(award__tender=tender).order_by("pk")
    release["contracts"] = [_contract(contract, currency) for contract in contracts]
    complaints = list(tender.complaints.select_related("author__organisation").order_by("filed_at"))
    if complaints:
        reviewer = _review_body()
        if reviewer is not None and any(c.kind == "complaint" for c in complaints):
            parties.add(reviewer.bin, reviewer.agency.name_en, "reviewBody")
        release["complaints"] = [_complaint(complaint, parties) for complaint in complaints]
    release["parties"] = list(parties.by_bin.values())
    return release


def _planning(item: PlanItem, currency: str) -> dict[str, Any]:
    return {
        "rationale": item.rationale,
        "budget": {"id": str(item.public_id), "description": item.title,
                   "amount": _value(item.budget, currency)},
    }  # fmt: skip


def planning_release_build(item: PlanItem, *, release_id: str, date: datetime) -> dict[str, Any]:
    """The release of a plan item before any tender: what the buyer plans to buy, how."""
    rules = rules_of(item.procedure)
    parties = _Parties()
    buyer = parties.add(item.buyer.organisation.bin, item.buyer.name_en, "buyer")
    return {
        "ocid": item.ocid, "id": release_id, "date": date.isoformat(), "tag": ["planning"],
        "initiationType": "tender", "language": "en", "buyer": buyer,
        "parties": list(parties.by_bin.values()),
        "planning": _planning(item, "KZT"),
        "tender": {
            "id": str(item.public_id), "title": item.title, "status": "planned",
            "items": [{"id": "1", "description": item.title, "quantity": item.quantity,
                       "unit": {"name": item.unit},
                       "classification": {"scheme": "CPV", "id": item.cpv,
                                          "description": item.cpv_description}}],
            "value": _value(item.budget, "KZT"), "procurementMethod": rules.method,
            "procurementMethodDetails": item.get_procedure_display(),
            "tenderPeriod": {"startDate": _quarter_start(item)},
        },
    }  # fmt: skip


def _quarter_start(item: PlanItem) -> str:
    return datetime(item.year, 3 * item.quarter - 2, 1, tzinfo=UTC).isoformat()


def _changes_text(changes: Mapping[str, list[Any]]) -> str:
    return "; ".join(f"{field}: {old} -> {new}" for field, (old, new) in changes.items())


def _review_body() -> Organisation | None:
    return (
        Organisation.objects.select_related("agency")
        .filter(agency__code=settings.QYZMET_PROCUREMENT_AGENCY)
        .first()
    )


def _lot_status(tender: Tender, number: int) -> str:
    status = _TENDER_STATUS[Stage(tender.stage)]
    if status == "complete" and not any(
        a.lot == number and a.status == AwardStatus.ACTIVE for a in tender.awards.all()
    ):
        return "unsuccessful"
    return status


def _bid(bid: Bid, tenderer: dict[str, str], currency: str) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "id": str(bid.public_id), "date": bid.received_at.isoformat(), "tenderers": [tenderer],
        "status": _BID_STATUS[BidStatus(bid.status)],
    }  # fmt: skip
    if bid.prices:
        detail["value"] = _value(sum(bid.prices.values()), currency)
        detail["lotValues"] = [
            {"relatedLot": number, "value": _value(price, currency)}
            for number, price in sorted(bid.prices.items())
        ]
    return detail


def _award(
    award: Award, tenderers: Mapping[int, dict[str, str]], parties: _Parties, currency: str
) -> dict[str, Any]:
    supplier = award.bid.supplier
    if award.status == AwardStatus.ACTIVE:
        parties.add(supplier.organisation.bin, supplier.name, "supplier")
    return {
        "id": str(award.public_id), "status": award.status,
        "date": _date(award.decided_at or award.created_at),
        "value": _value(award.value, currency),
        "suppliers": [tenderers.get(award.bid_id) or _reference(supplier)],
        "relatedLots": [str(award.lot)], "relatedBid": str(award.bid.public_id),
        **({"description": award.reason} if award.reason else {}),
    }  # fmt: skip


def _reference(supplier: Supplier) -> dict[str, str]:
    return {"id": _party_id(supplier.organisation.bin), "name": supplier.name}


def _contract(contract: Contract, currency: str) -> dict[str, Any]:
    block: dict[str, Any] = {
        "id": str(contract.public_id), "awardID": str(contract.award.public_id),
        "status": _CONTRACT_STATUS[ContractStatus(contract.status)],
        "value": _value(contract.value, currency), "dateSigned": _date(contract.signed_at),
        "milestones": [
            {"id": m["id"], "title": m["title"], "type": "delivery", "dueDate": m["due"],
             "status": m["status"], **({"dateMet": m["met_at"]} if m.get("met_at") else {})}
            for m in contract.milestones
        ],
        "amendments": [
            {"id": a["id"], "date": a["date"], "rationale": a["rationale"],
             "description": f"value {a['value_before'] / 100} -> {a['value_after'] / 100}"}
            for a in contract.amendments
        ],
    }  # fmt: skip
    if contract.signed_at:
        block["period"] = {"startDate": contract.signed_at.isoformat()}
        if contract.ended_at:
            block["period"]["endDate"] = contract.ended_at.isoformat()
    return block


def _complaint(complaint: Complaint, parties: _Parties) -> dict[str, Any]:
    author = complaint.author
    return {
        "id": str(complaint.public_id), "type": complaint.kind, "title": complaint.title,
        "description": complaint.text, "status": complaint.status,
        "date": complaint.filed_at.isoformat(), "dateDecision": _date(complaint.decided_at),
        "resolution": complaint.resolution,
        "author": parties.add(author.organisation.bin, author.name, "interestedParty"),
        **({"relatedAward": str(complaint.award.public_id)} if complaint.award else {}),
    }  # fmt: skip


def release_publish(tender: Tender, tags: Sequence[str]) -> Release:
    """Publish the tender's state as a new release (inside the act's transaction, so an act
    and its release are made together or not at all)."""
    return _publish(
        tender.ocid, tags, lambda release_id, now: release_build(
            tender, tags, release_id=release_id, date=now)
    )  # fmt: skip


def planning_release_publish(item: PlanItem) -> Release:
    return _publish(
        item.ocid,
        ["planning"],
        lambda release_id, now: planning_release_build(item, release_id=release_id, date=now),
    )


def _publish(
    ocid: str, tags: Sequence[str], build: Callable[[str, datetime], dict[str, Any]]
) -> Release:
    number = Release.objects.filter(ocid=ocid).count() + 1
    now = timezone.now()
    release_id = f"{ocid}-{number:04d}"
    body = build(release_id, now)
    return Release.objects.create(
        ocid=ocid, release_id=release_id, date=now, tags=list(tags),
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
    )  # fmt: skip


# --- packages -----------------------------------------------------------------------------


def _package_head(uri: str, published: datetime) -> dict[str, Any]:
    return {
        "uri": uri, "version": VERSION, "extensions": EXTENSIONS,
        "publishedDate": published.isoformat(),
        "publisher": PUBLISHER, "license": LICENSE, "publicationPolicy": PUBLICATION_POLICY,
    }  # fmt: skip


def release_package_chunks(
    bodies: Iterable[str], *, uri: str, published: datetime,
    links: Mapping[str, str] | None = None,
) -> Iterator[str]:  # fmt: skip
    """A release package as text, in pieces: the releases' stored bodies are copied, not
    parsed again (a million releases export at the speed of the disk)."""
    head_fields = _package_head(uri, published)
    if links:
        head_fields["links"] = dict(links)
    head = json.dumps(head_fields, ensure_ascii=False, separators=(",", ":"))
    yield head[:-1] + ',"releases":['
    first = True
    for body in bodies:
        yield body if first else "," + body
        first = False
    yield "]}"


def releases_export(out: TextIO, *, uri: str) -> int:
    """Write every release published so far as one release package; returns how many."""
    from qyzmet.procurement.selectors import release_bodies

    count = 0

    def counted() -> Iterator[str]:
        nonlocal count
        for body in release_bodies():
            count += 1
            yield body

    for chunk in release_package_chunks(counted(), uri=uri, published=timezone.now()):
        out.write(chunk)
    return count


def release_package(releases: Iterable[Release], *, uri: str) -> dict[str, Any]:
    chunks = release_package_chunks((r.body for r in releases), uri=uri, published=timezone.now())
    package: dict[str, Any] = json.loads("".join(chunks))
    return package


def compile_releases(releases: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The compiled release: the releases merged in date order by the OCDS merge rules
    (objects merge field by field, arrays of objects with ids merge by id, other values
    are replaced, null removes)."""
    compiled: dict[str, Any] = {}
    for release in sorted(releases, key=lambda r: r["date"]):
        compiled = _merge(compiled, {k: v for k, v in release.items() if k != "id"})
    compiled["id"] = f"{compiled['ocid']}-compiled"
    compiled["tag"] = ["compiled"]
    return compiled


def _merge(into: Any, update: Any) -> Any:
    if isinstance(into, dict) and isinstance(update, dict):
        merged = dict(into)
        for key, value in update.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = _merge(merged.get(key), value)
        return merged
    if _identified(into) and _identified(update):
        by_id = {str(item["id"]): item for item in into}
        for item in update:
            by_id[str(item["id"])] = _merge(by_id.get(str(item["id"])), item)
        return list(by_id.values())
    return update


def _identified(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "id" in item for item in value)
    )


def record_package(ocids: Sequence[str], *, uri: str) -> dict[str, Any]:
    """The records of ``ocids``: every release of each, and its compiled release."""
    releases: dict[str, list[dict[str, Any]]] = {ocid: [] for ocid in ocids}
    for release in Release.objects.filter(ocid__in=ocids).order_by("id"):
        releases[release.ocid].append(json.loads(release.body))
    package = _package_head(uri, timezone.now())
    package["records"] = [
        {"ocid": ocid, "releases": found, "compiledRelease": compile_releases(found)}
        for ocid, found in releases.items() if found
    ]  # fmt: skip
    return package
