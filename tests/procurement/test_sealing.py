"""Before the deadline nothing reveals a bid: not the API (to the buyer, the committee or
the public), not the admin, not a dump of the whole database. After it the committee
opens the bids, and every attempt to read one or to open them early is in the audit
trail. The test commits its data (a dump sees only committed rows)."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
from django.db import connection
from django.test import Client

from qyzmet.core.models import AuditEntry
from qyzmet.procurement.awarding import tenders_advance
from qyzmet.procurement.models import Bid, Procedure
from tests.conftest import operator_create
from tests.procurement.conftest import Market, wait_until
from tests.procurement.test_api import API, Caller, _callers

pytestmark = pytest.mark.django_db(transaction=True)

PRICE = 98_765_432_10  # a price no other row holds
PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"
MARKER = b"SEALED-OFFER-7f3a9c: we deliver in 12 days"


def _dump() -> bytes:
    """Everything the database holds, as an administrator's pg_dump would give it."""
    settings = connection.settings_dict
    return subprocess.run(  # noqa: S603 - our own test database
        [PG_DUMP, "--no-owner", "--data-only", "-h", settings["HOST"] or "127.0.0.1",
         "-p", str(settings["PORT"] or 5432), "-U", settings["USER"], settings["NAME"]],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def _reveals(text: bytes) -> list[str]:
    """Which forms of the bid's contents ``text`` holds."""
    forms = {
        "price": str(PRICE).encode(), "price in major units": b"98765432.1",
        "marker": MARKER[:20], "marker in hex": MARKER[:20].hex().encode(),
        "marker in base64": base64.b64encode(MARKER)[:24],
    }  # fmt: skip
    return [name for name, form in forms.items() if form in text]


def _reads(bid: Bid) -> list[str]:
    entries = AuditEntry.objects.filter(action="procurement.bid_read", object_id=str(bid.public_id))
    return [f"{e.actor}:{e.data['answer']}" for e in entries.order_by("id")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump")
def test_before_the_deadline_no_api_admin_page_or_dump_reveals_a_bid(market: Market) -> None:
    callers = _callers(market)
    tender = market.tender(Procedure.PRICE_QUOTATION, lots=1)
    bidder = market.bidders[0]
    supplier: Caller = callers["suppliers"][0]
    placed = supplier.post(f"/tenders/{tender.public_id}/bids", {
        "supplier": bidder.supplier.organisation.bin, "prices": {"1": PRICE},
        "documents": [{"name": "offer.txt", "media_type": "text/plain",
                       "content": base64.b64encode(MARKER).decode()}],
    })  # fmt: skip
    assert placed.status_code == 201, placed.content
    bid = Bid.objects.get(public_id=placed.json()["id"])

    # The API: the bidder sees its receipt only; the buyer and the committee see nothing.
    own = supplier.get(f"/bids/{bid.public_id}")
    assert own.status_code == 200
    assert _reveals(own.content) == []
    assert callers["buyer"].get(f"/bids/{bid.public_id}").status_code == 404
    assert callers["committee"][0].get(f"/bids/{bid.public_id}").status_code == 404
    for path in (f"/tenders/{tender.public_id}", "/tenders", "/releases", "/export",
                 f"/tenders/{tender.public_id}/awards"):  # fmt: skip
        public = Client().get(API + path)
        content = b"".join(public.streaming_content) if public.streaming else public.content
        assert _reveals(content) == [], path
    # Shares are neither given out nor taken before the deadline; the attempt is recorded.
    member = market.committee[0]
    assert callers["committee"][0].get(f"/tenders/{tender.public_id}/share").status_code == 409
    early = callers["committee"][0].post(
        f"/tenders/{tender.public_id}/share",
        {"share": base64.b64encode(member.share_of(tender)).decode()},
    )
    assert early.status_code == 409
    assert AuditEntry.objects.filter(
        action="procurement.share_hand_in", data__outcome="only after the deadline"
    ).exists()

    # The admin: the operator sees the bid's receipt data, not its contents.
    operator = operator_create()
    page = operator.client.get(f"/admin/procurement/bid/{bid.pk}/change/")
    assert page.status_code == 200
    assert bid.sealed_sha256.encode() in page.content
    assert _reveals(page.content) == []

    # A dump of the whole database: the bid is there (its digest), its contents are not.
    dump = _dump()
    assert bid.sealed_sha256.encode() in dump
    assert _reveals(dump) == []

    # After the deadline: a late bid is refused; the committee opens the bids.
    wait_until(tender.tender_end)
    late = callers["suppliers"][1].post(f"/tenders/{tender.public_id}/bids", {
        "supplier": market.bidders[1].supplier.organisation.bin, "prices": {"1": 1},
    })  # fmt: skip
    assert late.status_code == 409
    assert late.json()["type"] == "urn:qyzmet:problem:deadline"
    tenders_advance()
    for member, caller in list(zip(market.committee, callers["committee"], strict=True))[:2]:
        share = base64.b64encode(member.share_of(tender)).decode()
        handed = caller.post(f"/tenders/{tender.public_id}/share", {"share": share})
        assert handed.status_code == 200, handed.content
    opened = callers["buyer"].get(f"/bids/{bid.public_id}")
    assert opened.status_code == 200
    assert opened.json()["prices"] == {"1": PRICE}
    assert base64.b64decode(opened.json()["documents"][0]["content"]) == MARKER

    buyer_actor = f"account:{market.officer_account.public_id}"
    committee_actor = f"account:{market.committee[0].account.public_id}"
    assert _reads(bid) == [
        f"account:{bidder.account.public_id}:receipt", f"{buyer_actor}:refused",
        f"{committee_actor}:refused", f"{buyer_actor}:contents",
    ]  # fmt: skip
