"""The command line: a member's own key and share, the bulk export, the debarment."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from qyzmet.core.errors import Problem
from qyzmet.procurement.models import Procedure
from qyzmet.procurement.sealed_bids import Share, public_key_load, seal_to, share_context
from qyzmet.procurement.services import bid_submit
from tests.procurement.conftest import RELEASE_PACKAGE, Market, ocds_errors


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_a_member_makes_their_key_and_opens_their_share_offline(tmp_path: Path) -> None:
    key_file = tmp_path / "opening.pem"
    public = public_key_load(
        base64.b64decode(_run("procurement_opening_key", "--out", str(key_file)))
    )
    assert oct(key_file.stat().st_mode)[-3:] == "600"
    share = Share(3, 12345).to_bytes()
    context = share_context("tender", "member")
    sealed = base64.b64encode(seal_to(public, share, context=context)).decode()
    opened = _run("procurement_share_open", "--key", str(key_file), "--share", sealed,
                  "--context", context.decode())  # fmt: skip
    assert base64.b64decode(opened) == share
    with pytest.raises(CommandError):
        _run("procurement_share_open", "--key", str(key_file), "--share", sealed,
             "--context", "another")  # fmt: skip
    with pytest.raises(CommandError):
        _run("procurement_opening_key", "--out", str(key_file))  # never overwrites a key


def test_the_export_is_one_valid_release_package(market: Market, tmp_path: Path) -> None:
    market.tender(Procedure.OPEN_TENDER)
    market.tender(Procedure.PRICE_QUOTATION)
    out = tmp_path / "releases.json"
    call_command("procurement_export", "--out", str(out), stderr=io.StringIO())
    package = json.loads(out.read_text())
    assert ocds_errors(RELEASE_PACKAGE, package) == []
    assert len(package["releases"]) == 2


def test_a_debarred_supplier_cannot_bid(market: Market) -> None:
    tender = market.tender(Procedure.PRICE_QUOTATION, lots=1)
    bidder = market.bidders[0]
    _run("procurement_unreliable", bidder.supplier.organisation.bin, "--until", "2099-12-31",
         "--reason", "Court decision 2-123/2026")  # fmt: skip
    with pytest.raises(Problem) as refused:
        bid_submit(tender=tender, supplier=bidder.supplier, prices={1: 100}, account=bidder.account)
    assert refused.value.code == "unreliable"
