"""Every procedure from publication to contract through the services, on the real timers,
and every release and record it publishes checked against the official OCDS 1.1.5
schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from qyzmet.core.errors import Problem
from qyzmet.procurement import ocds
from qyzmet.procurement.awarding import (
    auction_bid,
    award_qualify,
    complaint_decide,
    complaint_file,
    contract_end,
    contract_milestone,
    contract_sign,
    tenders_advance,
)
from qyzmet.procurement.models import (
    AwardStatus,
    Bid,
    BidStatus,
    ComplaintKind,
    Contract,
    ContractStatus,
    Procedure,
    Release,
    Stage,
    Tender,
)
from qyzmet.procurement.services import (
    bid_confirm,
    bid_submit,
    plan_item_add,
    share_hand_in,
    tender_amend,
)
from tests.procurement.conftest import (
    RECORD_PACKAGE,
    RELEASE_PACKAGE,
    Market,
    ocds_errors,
    sign,
    wait_until,
)


def _fresh(tender: Tender) -> Tender:
    return Tender.objects.get(pk=tender.pk)


def _advance_to(tender: Tender, stage: Stage) -> Tender:
    tenders_advance()
    tender = _fresh(tender)
    assert tender.stage == stage
    return tender


def _open(market: Market, tender: Tender) -> Tender:
    wait_until(tender.tender_end)
    tender = _advance_to(tender, Stage.OPENING)
    for member in market.committee[:2]:
        share_hand_in(tender=tender, account=member.account, share=member.share_of(tender))
    return _fresh(tender)


def _sign_contracts(market: Market, tender: Tender) -> list[Contract]:
    contracts = list(Contract.objects.filter(award__tender=tender).select_related("award__bid"))
    assert contracts
    for contract in contracts:
        bidder = next(b for b in market.bidders if b.supplier.pk == contract.award.bid.supplier_id)
        contract_sign(
            contract=contract,
            signature=sign(market.officer_signer, contract.terms),
            account=market.officer_account,
        )
        contract_sign(
            contract=contract, signature=sign(bidder.signer, contract.terms), account=bidder.account
        )
    return contracts


def _check_ocds(tender: Tender) -> list[dict[str, object]]:
    ocid = ocds.ocid_of(tender)
    releases = list(Release.objects.filter(ocid=ocid).order_by("id"))
    package = ocds.release_package(releases, uri="https://example.test/releases.json")
    assert ocds_errors(RELEASE_PACKAGE, package) == []
    records = ocds.record_package([ocid], uri="https://example.test/records.json")
    assert ocds_errors(RECORD_PACKAGE, records) == []
    return [json.loads(r.body) for r in releases]


def test_an_open_tender_runs_from_notice_to_signed_contracts(market: Market) -> None:
    tender = market.tender(Procedure.OPEN_TENDER)
    assert tender.stage == Stage.ENQUIRIES
    first, second, third = market.bidders
    with pytest.raises(Problem) as early:
        bid_submit(
            tender=tender, supplier=first.supplier, prices={1: 90_000_000}, account=first.account
        )
    assert early.value.code == "enquiries"
    wait_until(tender.enquiry_end)
    tender = _advance_to(tender, Stage.TENDERING)

    early_bid = bid_submit(
        tender=tender,
        supplier=first.supplier,
        prices={1: 95_000_000, 2: 190_000_000},
        account=first.account,
    )
    tender_amend(
        tender=tender,
        changes={"description": "Laptops only"},
        rationale="Projectors are bought elsewhere",
        actor="test",
    )
    assert Bid.objects.get(pk=early_bid.pk).status == BidStatus.NEEDS_CONFIRMATION
    bid_confirm(bid=early_bid, account=first.account)
    bid_submit(
        tender=tender, supplier=second.supplier, prices={1: 92_000_000}, account=second.account
    )
    bid_submit(
        tender=tender,
        supplier=third.supplier,
        prices={1: 99_000_000, 2: 185_000_000},
        account=third.account,
    )

    tender = _open(market, tender)
    assert tender.stage == Stage.QUALIFICATION
    assert set(tender.bids.values_list("status", flat=True)) == {BidStatus.OPENED}
    awards = {a.lot: a for a in tender.awards.select_related("bid__supplier")}
    assert awards[1].bid.supplier == second.supplier
    assert awards[1].value == 92_000_000
    assert awards[2].bid.supplier == third.supplier

    # Lot 1's best bidder fails qualification; the next one is put to it.
    award_qualify(
        award=awards[1], qualified=False, reason="No licence", account=market.officer_account
    )
    runner_up = tender.awards.get(lot=1, status=AwardStatus.PENDING)
    assert runner_up.bid.supplier == first.supplier
    assert runner_up.rank == 2
    complaint = complaint_file(
        tender=tender,
        supplier=second.supplier,
        kind=ComplaintKind.COMPLAINT,
        title="Licence was valid",
        text="The licence is in the registry.",
        award=awards[1],
        account=second.account,
    )
    award_qualify(award=runner_up, qualified=True, account=market.officer_account)
    award_qualify(award=awards[2], qualified=True, account=market.officer_account)
    tender = _fresh(tender)
    assert tender.stage == Stage.STANDSTILL
    wait_until(tender.standstill_end)
    tender = _advance_to(tender, Stage.CONTRACTING)

    contract = Contract.objects.get(award__tender=tender, award__lot=1)
    with pytest.raises(Problem) as blocked:
        contract_sign(
            contract=contract,
            signature=sign(market.officer_signer, contract.terms),
            account=market.officer_account,
        )
    assert blocked.value.code == "complaint-pending"
    complaint_decide(
        complaint=complaint,
        upheld=False,
        resolution="The licence had expired.",
        account=market.reviewer_account,
    )
    contracts = _sign_contracts(market, tender)
    assert {c.status for c in Contract.objects.filter(pk__in=[c.pk for c in contracts])} == {
        ContractStatus.ACTIVE
    }
    assert _fresh(tender).stage == Stage.COMPLETE
    contract_milestone(
        contract=contract,
        title="Delivery",
        due=tender.tender_end,
        met=True,
        account=market.officer_account,
    )
    contract_end(contract=contract, fulfilled=True, reason="", account=market.officer_account)

    releases = _check_ocds(tender)
    tags = [tag for release in releases for tag in release["tag"]]  # type: ignore[attr-defined]
    for expected in (
        "tender",
        "tenderAmendment",
        "award",
        "awardUpdate",
        "contract",
        "contractUpdate",
        "implementation",
        "contractTermination",
    ):
        assert expected in tags
    before_opening = [r for r in releases if "bids" not in r]
    assert before_opening
    assert all("tenderers" not in r["tender"] for r in before_opening)  # type: ignore[operator]
    final = releases[-1]
    assert final["tender"]["status"] == "complete"  # type: ignore[index]
    # Lot 1's contract was fulfilled (OCDS: terminated); lot 2's is in force.
    assert sorted(c["status"] for c in final["contracts"]) == ["active", "terminated"]  # type: ignore[attr-defined,index]


@pytest.mark.parametrize("procedure", [Procedure.PRICE_QUOTATION, Procedure.REVERSE_AUCTION])
def test_price_quotations_and_auctions_end_in_contracts(
    market: Market, procedure: Procedure
) -> None:
    tender = market.tender(procedure, lots=1)
    if tender.stage == Stage.ENQUIRIES:
        wait_until(tender.enquiry_end)
        tender = _advance_to(tender, Stage.TENDERING)
    bids = [
        bid_submit(tender=tender, supplier=b.supplier, prices={1: price}, account=b.account)
        for b, price in zip(market.bidders, (93_000_000, 91_000_000, 97_000_000), strict=True)
    ]
    tender = _open(market, tender)
    if procedure == Procedure.REVERSE_AUCTION:
        assert tender.stage == Stage.AUCTION
        assert tender.auction_round == 1
        auction_bid(bid=bids[2], lot=1, price=90_000_000, account=market.bidders[2].account)
        with pytest.raises(Problem):  # one price per round
            auction_bid(bid=bids[2], lot=1, price=89_000_000, account=market.bidders[2].account)
        wait_until(tender.auction_round_end)
        tender = _advance_to(tender, Stage.AUCTION)
        auction_bid(bid=bids[1], lot=1, price=89_500_000, account=market.bidders[1].account)
        wait_until(tender.auction_round_end)
        tender = _advance_to(tender, Stage.QUALIFICATION)
        expected_winner, price = bids[1], 89_500_000
    else:
        expected_winner, price = bids[1], 91_000_000
    award = tender.awards.get(status=AwardStatus.PENDING)
    assert (award.bid_id, award.value) == (expected_winner.pk, price)
    award_qualify(award=award, qualified=True, account=market.officer_account)
    tender = _fresh(tender)
    wait_until(tender.standstill_end)
    tender = _advance_to(tender, Stage.CONTRACTING)
    _sign_contracts(market, tender)
    assert _fresh(tender).stage == Stage.COMPLETE
    _check_ocds(tender)


def test_a_single_source_is_negotiated_with_its_supplier_only(market: Market) -> None:
    chosen, other = market.bidders[0], market.bidders[1]
    tender = market.tender(Procedure.SINGLE_SOURCE, lots=1, single_supplier=chosen.supplier)
    assert tender.stage == Stage.TENDERING
    assert tender.public_key is None
    with pytest.raises(Problem) as refused:
        bid_submit(tender=tender, supplier=other.supplier, prices={1: 1}, account=other.account)
    assert refused.value.status == 403
    bid_submit(
        tender=tender, supplier=chosen.supplier, prices={1: 99_000_000}, account=chosen.account
    )
    wait_until(tender.tender_end)
    tender = _advance_to(tender, Stage.QUALIFICATION)
    award = tender.awards.get()
    award_qualify(award=award, qualified=True, account=market.officer_account)
    tender = _fresh(tender)
    assert tender.stage == Stage.CONTRACTING  # no standstill: nobody competed
    _sign_contracts(market, tender)
    releases = _check_ocds(tender)
    assert releases[0]["tender"]["procurementMethod"] == "direct"  # type: ignore[index]


def test_a_tender_nobody_bid_on_is_unsuccessful(market: Market) -> None:
    tender = market.tender(Procedure.PRICE_QUOTATION, lots=1)
    wait_until(tender.tender_end)
    _advance_to(tender, Stage.UNSUCCESSFUL)
    releases = _check_ocds(tender)
    assert releases[-1]["tender"]["status"] == "unsuccessful"  # type: ignore[index]


def test_a_planned_purchase_and_its_tender_are_one_contracting_process(market: Market) -> None:
    item = plan_item_add(
        buyer=market.buyer, year=timezone.localdate().year, quarter=4, title="School computers",
        cpv="30213100-6", cpv_description="Portable computers", quantity=30, unit="piece",
        budget=3_000_000_00, procedure=Procedure.OPEN_TENDER, rationale="New rural schools",
        actor="test",
    )  # fmt: skip
    (planning,) = _check_ocds_of(item.ocid)
    assert planning["tag"] == ["planning"]
    assert planning["tender"]["status"] == "planned"
    tender = market.tender(Procedure.OPEN_TENDER, plan_item=item)
    assert tender.ocid == item.ocid
    with pytest.raises(Problem):  # one tender per plan item
        market.tender(Procedure.OPEN_TENDER, plan_item=item)
    releases = _check_ocds(tender)
    assert [r["tag"] for r in releases] == [["planning"], ["tender"]]
    record = ocds.record_package([item.ocid], uri="https://example.test/records.json")
    compiled = record["records"][0]["compiledRelease"]
    assert compiled["planning"]["budget"]["amount"]["amount"] == 3_000_000
    assert compiled["tender"]["status"] == "active"


def _check_ocds_of(ocid: str) -> list[dict[str, Any]]:
    releases = list(Release.objects.filter(ocid=ocid).order_by("id"))
    package = ocds.release_package(releases, uri="https://example.test/releases.json")
    assert ocds_errors(RELEASE_PACKAGE, package) == []
    return [json.loads(r.body) for r in releases]
