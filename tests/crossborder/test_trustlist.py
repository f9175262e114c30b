"""Trust lists (ETSI TS 119 612): written and signed by a node's operator, read back with
every service's status history, and asked what they vouched for at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qyzmet.crossborder.trustlist import (
    CA,
    GRANTED,
    TSA,
    WITHDRAWN,
    Status,
    TrustedService,
    TrustList,
    TrustListError,
    anchors_at,
    trust_list_read,
    trust_list_write,
)
from tests.documents.pki import make_pki

GRANTED_ON = datetime(2026, 1, 1, tzinfo=UTC)
WITHDRAWN_ON = datetime(2026, 11, 1, tzinfo=UTC)


def _kg_list() -> TrustList:
    kg, other = make_pki("rsa"), make_pki("ec")
    return TrustList(
        territory="KG", operator="State Registration Service of the Kyrgyz Republic",
        sequence=7, issued_at=datetime(2026, 12, 1, tzinfo=UTC),
        next_update=datetime(2027, 6, 1, tzinfo=UTC),
        services=(
            TrustedService(CA, "KG Root CA", kg.root, (Status(GRANTED, GRANTED_ON),)),
            TrustedService(CA, "KG old root", other.root,
                           (Status(GRANTED, GRANTED_ON), Status(WITHDRAWN, WITHDRAWN_ON))),
            TrustedService(TSA, "KG TSA", kg.tsa_certificate, (Status(GRANTED, GRANTED_ON),)),
        ),
    )  # fmt: skip


def test_a_trust_list_reads_back_as_it_was_written_and_signed() -> None:
    operator = make_pki("rsa").signer
    written = _kg_list()
    read = trust_list_read(trust_list_write(written, operator))
    assert read.value == written
    assert read.signature.intact
    assert read.signature.signer_certificate == operator.certificate
    assert b'TSLTag="http://uri.etsi.org/19612/TSLTag"' in read.xml
    assert b"<ServiceHistoryInstance>" in read.xml


def test_what_the_list_vouched_for_depends_on_the_moment() -> None:
    trust_list = _kg_list()
    kg, other = make_pki("rsa"), make_pki("ec")
    old = trust_list.services[1]
    assert old.status_at(GRANTED_ON - timedelta(seconds=1)) is None
    assert old.status_at(GRANTED_ON) == GRANTED
    assert old.status_at(WITHDRAWN_ON - timedelta(seconds=1)) == GRANTED
    assert old.status_at(WITHDRAWN_ON) == WITHDRAWN
    assert anchors_at(trust_list, datetime(2026, 6, 1, tzinfo=UTC)) == [kg.root, other.root]
    assert anchors_at(trust_list, datetime(2026, 12, 1, tzinfo=UTC)) == [kg.root]
    assert anchors_at(trust_list, datetime(2025, 12, 1, tzinfo=UTC)) == []
    assert anchors_at(trust_list, datetime(2026, 6, 1, tzinfo=UTC), TSA) == [kg.tsa_certificate]


@pytest.mark.parametrize(
    "change",
    [
        lambda x: x.replace(b"<TSLSequenceNumber>7<", b"<TSLSequenceNumber>8<"),
        lambda x: x.replace(b"/Svcstatus/withdrawn", b"/Svcstatus/granted"),
        lambda x: x[: x.index(b"<ds:Signature")] + b"</TrustServiceStatusList>",
        lambda x: x.replace(b"TrustServiceStatusList", b"TrustList"),
    ],
    ids=["sequence", "status", "unsigned", "not-a-trust-list"],
)
def test_a_changed_or_unsigned_trust_list_is_refused(change: object) -> None:
    written = trust_list_write(_kg_list(), make_pki("rsa").signer)
    with pytest.raises(TrustListError):
        trust_list_read(change(written))  # type: ignore[operator]
