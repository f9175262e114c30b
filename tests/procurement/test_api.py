"""Procurement through /api/v1 as its callers use it: a buyer's officer, the committee,
three suppliers and the review body, each with their own token; the worker's timer is
``tenders_advance``, called as the worker's loop calls it."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.test import Client
from django.utils import timezone

from qyzmet.procurement.awarding import tenders_advance
from qyzmet.procurement.models import Bid, Contract, Procedure, Tender
from qyzmet.procurement.sealed_bids import public_key_bytes
from qyzmet.procurement.services import bid_submit
from qyzmet.trust.jws import jws_verify
from qyzmet.trust.timestamps import timestamp_inspect
from tests.conftest import officer_create
from tests.procurement.conftest import (
    PERIODS,
    RECORD_PACKAGE,
    RELEASE_PACKAGE,
    Market,
    ocds_errors,
    sign,
    wait_until,
)

API = "/api/v1/procurement"


class Caller:
    def __init__(self, token: str) -> None:
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str) -> Any:
        return self.client.get(API + path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(API + path, json.dumps(body or {}), content_type="application/json")

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(API + path, json.dumps(body), content_type="application/json")


def _callers(market: Market) -> dict[str, Any]:
    return {
        "buyer": Caller(market.officer.token("procurement:buy")),
        "reviewer": Caller(market.reviewer.token("procurement:buy")),
        "committee": [Caller(m.persona.token("procurement:buy")) for m in market.committee],
        "suppliers": [Caller(b.persona.token("procurement:bid")) for b in market.bidders],
    }


def _tender_body(market: Market, *, seconds: float) -> dict[str, Any]:
    return {
        "procedure": "open-tender", "title": "Desks for schools", "category": "goods",
        "description": "Pupils' desks\nwith chairs",
        "lots": [{"title": "Desks", "cpv": "39160000-1", "cpv_description": "School furniture",
                  "quantity": 300, "unit": "piece", "value": 30_000_000_00}],
        "tender_end": (timezone.now() + timedelta(seconds=seconds)).isoformat(),
        "committee": [str(m.account.public_id) for m in market.committee],
        "threshold": 2,
    }  # fmt: skip


def _published(market: Market, buyer: Caller, *, seconds: float = 2.5) -> dict[str, Any]:
    created = buyer.post("/tenders", _tender_body(market, seconds=seconds))
    assert created.status_code == 201, created.content
    published = buyer.post(f"/tenders/{created.json()['id']}/publish")
    assert published.status_code == 200, published.content
    tender: dict[str, Any] = published.json()
    assert tender["stage"] == "enquiries"
    wait_until_iso(tender["enquiry_end"])
    tenders_advance()
    return tender


def wait_until_iso(moment: str) -> None:
    wait_until(datetime.fromisoformat(moment))


def _bid(supplier: Caller, market: Market, index: int, tender: dict[str, Any], price: int) -> Any:
    return supplier.post(f"/tenders/{tender['id']}/bids", {
        "supplier": market.bidders[index].supplier.organisation.bin,
        "prices": {"1": price},
        "documents": [{"name": "offer.txt", "media_type": "text/plain",
                       "content": base64.b64encode(b"our offer").decode()}],
    })  # fmt: skip


def _hand_in_shares(market: Market, callers: dict[str, Any], tender: dict[str, Any]) -> Any:
    model = Tender.objects.get(public_id=tender["id"])
    answer = None
    for member, caller in list(zip(market.committee, callers["committee"], strict=True))[:2]:
        sealed = caller.get(f"/tenders/{tender['id']}/share")
        assert sealed.status_code == 200
        share = member.share_of(model)  # opened on the member's own device
        answer = caller.post(f"/tenders/{tender['id']}/share",
                             {"share": base64.b64encode(share).decode()})  # fmt: skip
        assert answer.status_code == 200, answer.content
    return answer


def test_an_open_tender_with_three_suppliers_a_complaint_an_award_and_a_contract(
    market: Market,
) -> None:
    callers = _callers(market)
    buyer, suppliers = callers["buyer"], callers["suppliers"]
    # A member makes a new pair on their device and registers its public half.
    fresh = X25519PrivateKey.generate()
    public = public_key_bytes(fresh.public_key())
    registered = callers["committee"][0].put(
        "/opening-key", {"public_key": base64.b64encode(public).decode()}
    )
    assert registered.status_code == 200, registered.content
    assert registered.json()["sha256"] == hashlib.sha256(public).hexdigest()
    market.committee[0].opening_key = fresh
    assert (
        suppliers[0]
        .put("/opening-key", {"public_key": base64.b64encode(public).decode()})
        .status_code
        == 404
    )
    tender = _published(market, buyer)

    prices = (29_500_000_00, 28_700_000_00, 29_900_000_00)
    bids = [_bid(s, market, i, tender, prices[i]) for i, s in enumerate(suppliers)]
    for bid in bids:
        assert bid.status_code == 201, bid.content
        receipt = bid.json()["receipt"]
        payload = base64.b64decode(receipt["payload"])
        assert jws_verify(receipt["signature"], payload).valid
        stamp = timestamp_inspect(base64.b64decode(receipt["timestamp"]), payload)
        assert stamp.intact
        assert json.loads(payload)["sealedSha256"] == bid.json()["sealed_sha256"]
        assert "prices" not in bid.json()

    wait_until_iso(tender["tender_end"])
    late = _bid(suppliers[0], market, 0, tender, 1)
    assert late.status_code == 409
    assert late["Content-Type"] == "application/problem+json"
    tenders_advance()
    opened = _hand_in_shares(market, callers, tender).json()
    assert opened["stage"] == "qualification"

    awards = Client().get(f"{API}/tenders/{tender['id']}/awards").json()
    assert [(a["supplier"], a["status"]) for a in awards] == [
        (market.bidders[1].supplier.organisation.bin, "pending")
    ]
    assert jws_verify(awards[0]["report_signature"], json.dumps(
        awards[0]["report"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()).valid  # fmt: skip
    complaint = suppliers[2].post(f"/tenders/{tender['id']}/complaints", {
        "supplier": market.bidders[2].supplier.organisation.bin, "kind": "complaint",
        "title": "Winner lacks experience", "text": "They have never delivered furniture.",
        "award": awards[0]["id"],
    })  # fmt: skip
    assert complaint.status_code == 201, complaint.content
    qualified = buyer.post(f"/awards/{awards[0]['id']}/qualify", {"qualified": True})
    assert qualified.json()["status"] == "active"
    tender = Client().get(f"{API}/tenders/{tender['id']}").json()
    assert tender["stage"] == "standstill"
    wait_until_iso(tender["standstill_end"])
    tenders_advance()

    (contract,) = Client().get(f"{API}/tenders/{tender['id']}/contracts").json()
    early = buyer.post(f"/contracts/{contract['id']}/sign",
                       {"signature": sign(market.officer_signer, contract["terms"])})  # fmt: skip
    assert early.status_code == 409
    assert early.json()["type"] == "urn:qyzmet:problem:complaint-pending"
    not_reviewer = buyer.post(f"/complaints/{complaint.json()['id']}/decide",
                              {"resolution": "Dismissed"})  # fmt: skip
    assert not_reviewer.status_code == 403
    decision = {"resolution": "Experience is not a criterion here."}
    decided = callers["reviewer"].post(f"/complaints/{complaint.json()['id']}/decide", decision)
    assert decided.json()["status"] == "dismissed"
    for caller, signer in (
        (buyer, market.officer_signer),
        (suppliers[1], market.bidders[1].signer),
    ):
        signed = caller.post(f"/contracts/{contract['id']}/sign",
                             {"signature": sign(signer, contract["terms"])})  # fmt: skip
        assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "active"
    assert Client().get(f"{API}/tenders/{tender['id']}").json()["stage"] == "complete"

    # The open data: the feed page by page, the record, and the bulk export.
    releases, cursor = [], 0
    while True:
        answer = Client().get(f"{API}/releases?cursor={cursor}&limit=3")
        if answer.status_code == 204:  # nothing after the cursor yet
            break
        page = answer.json()
        assert ocds_errors(RELEASE_PACKAGE, page) == []
        releases += page["releases"]
        cursor = int(page["links"]["next"].split("cursor=")[1].split("&")[0])
    assert [r["id"] for r in releases] == sorted({r["id"] for r in releases})
    assert releases[-1]["tender"]["status"] == "complete"
    record = Client().get(f"{API}/records/{tender['ocid']}").json()
    assert ocds_errors(RECORD_PACKAGE, record) == []
    assert record["records"][0]["compiledRelease"]["contracts"][0]["status"] == "active"
    export = Client().get(f"{API}/export")
    package = json.loads(b"".join(export.streaming_content))
    assert ocds_errors(RELEASE_PACKAGE, package) == []
    assert len(package["releases"]) == len(releases)


def test_bad_input_gets_problems_not_errors(market: Market) -> None:
    callers = _callers(market)
    buyer = callers["buyer"]
    body = _tender_body(market, seconds=PERIODS["open-tender"]["tendering"] / 4)
    created = buyer.post("/tenders", body).json()
    too_soon = buyer.post(f"/tenders/{created['id']}/publish")
    assert too_soon.status_code == 422
    assert too_soon.json()["type"] == "urn:qyzmet:problem:period"
    keyless = officer_create(market.buyer, "committee.keyless").account
    assert keyless is not None
    body["committee"][0] = str(keyless.public_id)  # has registered no opening key
    assert buyer.post("/tenders", body).status_code == 422
    body = _tender_body(market, seconds=5)
    body["title"] = "nul\x00"
    assert buyer.post("/tenders", body).status_code == 422
    assert (
        callers["suppliers"][0].post("/tenders", _tender_body(market, seconds=5)).status_code == 404
    )
    assert Client().get(f"{API}/tenders/{created['id']}").status_code == 404  # a draft
    assert Client().get(f"{API}/releases?limit=0").status_code == 422
    assert Client().get(f"{API}/records/nothing").status_code == 404


def test_bad_bids_shares_and_signatures_get_problems(market: Market) -> None:
    callers = _callers(market)
    tender = market.tender(Procedure.PRICE_QUOTATION, lots=1)
    supplier, bin_ = callers["suppliers"][0], market.bidders[0].supplier.organisation.bin
    path = f"/tenders/{tender.public_id}/bids"
    for prices in ({"9": 100}, {"1": 0}, {"1": 10**18}, {}):
        answer = supplier.post(path, {"supplier": bin_, "prices": prices})
        assert answer.status_code == 422, (prices, answer.content)
    bad_document = {"name": "a.txt", "media_type": "text/plain", "content": "%%%"}
    answer = supplier.post(
        path, {"supplier": bin_, "prices": {"1": 5}, "documents": [bad_document]}
    )
    assert answer.status_code == 422
    assert supplier.post(path, {"supplier": "000000000000", "prices": {"1": 5}}).status_code == 404
    assert supplier.post("/tenders/00000000-0000-0000-0000-000000000000/bids",
                         {"supplier": bin_, "prices": {"1": 5}}).status_code == 404  # fmt: skip
    assert Bid.objects.count() == 0  # nothing was kept of any of them

    member = callers["committee"][0]
    low_order = base64.b64encode(bytes(32)).decode()
    assert member.put("/opening-key", {"public_key": low_order}).status_code == 422
    assert member.put("/opening-key", {"public_key": "short"}).status_code == 422
    good = market.bidders[1]
    bid_submit(tender=tender, supplier=good.supplier, prices={1: 5}, account=good.account)
    wait_until(tender.tender_end)
    tenders_advance()
    not_a_share = base64.b64encode(b"\x01" * 67).decode()
    answer = member.post(f"/tenders/{tender.public_id}/share", {"share": not_a_share})
    assert answer.status_code == 422  # not the member's own share: refused by its digest
    assert Tender.objects.get(pk=tender.pk).opened_at is None


def test_a_contract_signature_that_does_not_verify_is_refused(market: Market) -> None:
    callers = _callers(market)
    tender = market.tender(
        Procedure.SINGLE_SOURCE, lots=1, single_supplier=market.bidders[0].supplier
    )
    bid_submit(tender=tender, supplier=market.bidders[0].supplier, prices={1: 100_00},
               account=market.bidders[0].account)  # fmt: skip
    wait_until(tender.tender_end)
    tenders_advance()
    award = Tender.objects.get(pk=tender.pk).awards.get()
    assert (
        callers["buyer"].post(f"/awards/{award.public_id}/qualify", {"qualified": True}).status_code
        == 200
    )
    contract = Contract.objects.get(award=award)
    for signature in ("garbage.that.is-long", sign(market.bidders[0].signer, "other terms")):
        answer = callers["buyer"].post(
            f"/contracts/{contract.public_id}/sign", {"signature": signature}
        )
        assert answer.status_code == 422, answer.content
    assert Contract.objects.get(pk=contract.pk).buyer_signature == ""
