"""pain.001 credit transfer files checked against the official schema, pain.002 status
reports written and read back, the readers' refusals, and Kazakhstan IBANs."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources

import pytest
from lxml import etree  # type: ignore[import-untyped]

from qyzmet.payments.iso20022 import (
    PAIN001_NS,
    WRITE_BATCH,
    Party,
    Status,
    StatusReport,
    Transfer,
    group_status,
    iban_valid,
    kz_iban,
    pain001_read,
    pain001_write,
    pain002_read,
    pain002_write,
)

ALMATY = timezone(timedelta(hours=5))
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=ALMATY)
TREASURY = Party(
    name="Қазынашылық комитеті (синтетикалық)",
    iban=kz_iban("070", "KZT0000000001"),
    bic="TRSYKZKA",
    bin="990140000123",
)
BANKS = {"101": "BANKKZKA", "202": "BANKKZKB", "303": "BANKKZKC"}
NAMES = [
    "Әлия Нұрланқызы Сейітова",
    "Иванов Пётр Сергеевич",
    'Tom & Jerry "Cat" <Mouse>',
    "O'Brien & Sons < > &amp;",
    "Ғалым Ұлан Өмірзақұлы",
]
NS = {"p": PAIN001_NS}


def _transfers(count: int, *, amount: int = 4_250_000) -> list[Transfer]:
    codes = sorted(BANKS)
    found = []
    for i in range(count):
        code = codes[i % len(codes)]
        found.append(
            Transfer(
                end_to_end_id=f"Q{i + 1}-1",
                amount=amount + i,
                creditor_name=NAMES[i % len(NAMES)],
                creditor_iban=kz_iban(code, f"{i:013d}"),
                creditor_bic=BANKS[code],
                remittance="Төтенше жағдай бойынша біржолғы төлем & <аванс>",
            )
        )
    return found


def _file(transfers: list[Transfer], **overrides: object) -> bytes:
    out = io.BytesIO()
    arguments: dict[str, object] = {
        "message_id": "QZ20260302ABCDEF",
        "created_at": CREATED,
        "execution_date": date(2026, 3, 3),
        "debtor": TREASURY,
        "transfers": transfers,
        "count": len(transfers),
        "control_sum": sum(t.amount for t in transfers),
    } | overrides
    pain001_write(out, **arguments)  # type: ignore[arg-type]
    return out.getvalue()


def pain001_xsd() -> etree.XMLSchema:
    """The official ISO 20022 XSD for pain.001.001.09, as the sepaxml package ships it."""
    path = resources.files("sepaxml") / "schemas" / "pain.001.001.09.xsd"
    with resources.as_file(path) as xsd:
        return etree.XMLSchema(etree.parse(str(xsd)))


@pytest.fixture(scope="module")
def pain001_schema() -> etree.XMLSchema:
    return pain001_xsd()


def _assert_valid(schema: etree.XMLSchema, content: bytes) -> etree._Element:
    document = etree.fromstring(content)
    assert schema.validate(document), schema.error_log
    return document


# --- IBAN ------------------------------------------------------------------------------


def test_kz_iban_matches_the_registry_example() -> None:
    # The example IBAN of the ISO 13616 registry entry for Kazakhstan.
    assert kz_iban("125", "KZT5004100100") == "KZ86125KZT5004100100"
    assert iban_valid("KZ86125KZT5004100100")


@pytest.mark.parametrize("code", ["101", "202", "303", "070", "999"])
def test_computed_ibans_are_valid(code: str) -> None:
    for account in ("0000000000000", "1234567890123", "KZT0000000001", "abcdefghijklm"):
        iban = kz_iban(code, account)
        assert len(iban) == 20
        assert iban == iban.upper()
        assert iban_valid(iban), iban


def test_a_changed_character_fails_the_check() -> None:
    iban = kz_iban("202", "1234567890123")
    for position in range(2, len(iban)):
        char = iban[position]
        other = "7" if char != "7" else "3"
        assert not iban_valid(iban[:position] + other + iban[position + 1 :]), position
    swapped = iban[:10] + iban[11] + iban[10] + iban[12:]  # "45" -> "54"
    assert not iban_valid(swapped)


@pytest.mark.parametrize(
    "iban",
    [
        "KZ86125KZT500410010",  # 19 characters
        "KZ86125KZT50041001000",  # 21
        "KZ86A25KZT5004100100",  # bank code not numeric
        "kz86125kzt5004100100",  # not in electronic form
        "KZ86 125K ZT50 0410 0100",
        "",
        "KZ",
    ],
)
def test_malformed_ibans_are_not_valid(iban: str) -> None:
    assert not iban_valid(iban)


def test_other_countries_ibans_are_checked_by_mod_97() -> None:
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("GB82WEST12345698765433")


@pytest.mark.parametrize(("code", "account"), [("12", "KZT5004100100"), ("125", "KZT50041001")])
def test_kz_iban_refuses_malformed_parts(code: str, account: str) -> None:
    with pytest.raises(ValueError, match="Kazakhstan"):
        kz_iban(code, account)


# --- pain.001 --------------------------------------------------------------------------


def test_file_validates_against_the_official_schema(pain001_schema: etree.XMLSchema) -> None:
    transfers = _transfers(25)
    document = _assert_valid(pain001_schema, _file(transfers))
    block = document.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert block.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert block.findtext("p:ChrgBr", namespaces=NS) == "SLEV"
    assert block.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS) == "2026-03-03"
    assert block.findtext("p:Dbtr/p:Id/p:OrgId/p:Othr/p:Id", namespaces=NS) == "990140000123"
    assert block.findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "TRSYKZKA"
    assert block.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == TREASURY.iban
    header = document.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "25"
    expected = sum(t.amount for t in transfers)
    assert header.findtext("p:CtrlSum", namespaces=NS) == f"{expected // 100}.{expected % 100:02d}"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2026-03-02T09:30:00+05:00"
    first = block.find("p:CdtTrfTxInf", NS)
    amount = first.find("p:Amt/p:InstdAmt", NS)
    assert (amount.text, amount.get("Ccy")) == ("42500.00", "KZT")
    names = [n.text for n in block.iterfind("p:CdtTrfTxInf/p:Cdtr/p:Nm", NS)]
    assert names[:5] == NAMES  # Cyrillic, ampersands, brackets and quotes survive
    bics = {b.text for b in block.iterfind("p:CdtTrfTxInf/p:CdtrAgt/p:FinInstnId/p:BICFI", NS)}
    assert bics == set(BANKS.values())


def test_file_reads_back_as_written(pain001_schema: etree.XMLSchema) -> None:
    transfers = _transfers(2 * WRITE_BATCH + 7)
    content = _file(transfers, payment_info_id="BLOCK-1")
    _assert_valid(pain001_schema, content)
    header, read = pain001_read(content)
    assert header.message_id == "QZ20260302ABCDEF"
    assert header.payment_info_id == "BLOCK-1"
    assert header.debtor == TREASURY
    assert header.execution_date == date(2026, 3, 3)
    assert (header.count, header.control_sum) == (len(transfers), sum(t.amount for t in transfers))
    assert list(read) == transfers


def test_text_is_cut_and_cleaned_to_what_the_schema_allows(
    pain001_schema: etree.XMLSchema,
) -> None:
    odd = Transfer(
        end_to_end_id="Q1-1",
        amount=1,
        creditor_name="Ә" * 150,
        creditor_iban=kz_iban("101", "0000000000001"),
        creditor_bic="",  # no agent given: the element is left out
        remittance="tab\there\x00nul\x1bescape\ud800",
    )
    plain = Transfer("Q2-1", 99, "", kz_iban("202", "0000000000002"), "BANKKZKB", "")
    content = _file([odd, plain], debtor=Party("Treasury", TREASURY.iban, TREASURY.bic))
    _assert_valid(pain001_schema, content)
    _header, read = pain001_read(content)
    first, second = list(read)
    assert first.creditor_name == "Ә" * 140
    assert first.remittance == "tab\there nul escape "
    assert first.creditor_bic == ""
    assert second == plain


def test_the_writer_writes_as_it_goes() -> None:
    """Transfers are turned into bytes in batches while they are produced: nothing keeps
    the whole file's transfers."""
    out = io.BytesIO()
    sizes: list[int] = []
    transfers = _transfers(3 * WRITE_BATCH)

    def produce() -> Iterator[Transfer]:
        for number, transfer in enumerate(transfers):
            if number % WRITE_BATCH == 0:
                sizes.append(out.tell())
            yield transfer

    pain001_write(
        out, message_id="M1", created_at=CREATED, execution_date=date(2026, 3, 3),
        debtor=TREASURY, transfers=produce(), count=len(transfers),
        control_sum=sum(t.amount for t in transfers),
    )  # fmt: skip
    assert sizes[0] < sizes[1] < sizes[2] < out.tell()


def test_a_count_that_does_not_match_raises() -> None:
    transfers = _transfers(3)
    with pytest.raises(ValueError, match="declares 4 transfers"):
        _file(transfers, count=4)
    with pytest.raises(ValueError, match="but 3 of"):
        _file(transfers, count=2)


def test_a_control_sum_that_does_not_match_raises() -> None:
    transfers = _transfers(3)
    total = sum(t.amount for t in transfers)
    with pytest.raises(ValueError, match="declares 3 transfers"):
        _file(transfers, control_sum=total + 1)


@pytest.mark.parametrize(
    ("transfer", "message"),
    [
        (Transfer("Q1-1", 0, "A", kz_iban("101", "0000000000001"), "BANKKZKA", ""), "positive"),
        (Transfer("Q" * 36, 1, "A", kz_iban("101", "0000000000001"), "BANKKZKA", ""), "1 to 35"),
        (Transfer("", 1, "A", kz_iban("101", "0000000000001"), "BANKKZKA", ""), "1 to 35"),
        (Transfer("Q1-1", 1, "A", "KZ12 <script>", "BANKKZKA", ""), "not an IBAN"),
        (Transfer("Q1-1", 1, "A", kz_iban("101", "0000000000001"), "bank", ""), "not a BIC"),
    ],
)
def test_transfers_the_schema_would_refuse_raise(transfer: Transfer, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _file([transfer])


def test_an_empty_file_or_a_naive_time_raises() -> None:
    with pytest.raises(ValueError, match="at least one"):
        _file([])
    with pytest.raises(ValueError, match="time zone"):
        _file(_transfers(1), created_at=datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001
    with pytest.raises(ValueError, match="BIN"):
        _file(_transfers(1), debtor=Party("T", TREASURY.iban, TREASURY.bic, bin="12345"))


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not xml",
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><x/></Document>',
        b"<Document><CstmrCdtTrfInitn/></Document>",
    ],
)
def test_pain001_read_refuses_what_is_not_our_file(content: bytes) -> None:
    with pytest.raises(ValueError, match=r"not a pain\.001|not well-formed"):
        pain001_read(content)


# --- pain.002 --------------------------------------------------------------------------


REPORTS = {
    "all accepted": StatusReport("SIM1", "QZ1", "ACCP", ()),
    "partial": StatusReport(
        "SIM2",
        "QZ2",
        "PART",
        (
            Status("Q1-1", accepted=False, reason="AC04"),
            Status("Q7-2", accepted=False, reason="AC01"),
            Status("Q9-1", accepted=False, reason="AC06"),
            Status("Q10-1", accepted=True),
        ),
    ),
    "all rejected": StatusReport(
        "SIM3",
        "QZ3",
        "RJCT",
        (Status("Q1-1", accepted=False, reason="AC04"), Status("Q2-1", False, "AC01")),
        original_payment_info_id="BLOCK-3",
    ),
    "file rejected": StatusReport("SIM4", "QZ4", "RJCT", (), reason="AM18"),
    "awkward ids": StatusReport("S&<5>", 'Q"Z&5', "PART", (Status("Q<1>&'", False, "AC04"),)),
}


@pytest.mark.parametrize("report", REPORTS.values(), ids=REPORTS.keys())
def test_a_status_report_reads_back_as_written(report: StatusReport) -> None:
    content = pain002_write(report, created_at=CREATED)
    assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert pain002_read(content) == report


def test_unlisted_transfers_take_the_group_status() -> None:
    assert REPORTS["all accepted"].unlisted_accepted
    assert REPORTS["partial"].unlisted_accepted
    assert not REPORTS["all rejected"].unlisted_accepted
    assert not REPORTS["file rejected"].unlisted_accepted


def test_group_status_of_decided_transfers() -> None:
    assert group_status(accepted=5, rejected=0) == "ACCP"
    assert group_status(accepted=5, rejected=1) == "PART"
    assert group_status(accepted=0, rejected=3) == "RJCT"


@pytest.mark.parametrize(
    "report",
    [
        StatusReport("S", "Q", "ACCP", (Status("Q1-1", False, "AC04"),)),
        StatusReport("S", "Q", "RJCT", (Status("Q1-1", True),)),
        StatusReport("S", "Q", "PART", (Status("Q1-1", True),)),
        StatusReport("S", "Q", "PDNG", ()),
        StatusReport("S", "Q", "PART", (Status("Q1-1", False, ""),)),
        StatusReport("S", "Q", "PART", (Status("Q1-1", False, "closed"),)),
        StatusReport("S", "Q", "ACCP", (), reason="AM18"),
        StatusReport("S" * 36, "Q", "ACCP", ()),
    ],
)
def test_a_report_that_contradicts_itself_is_not_written(report: StatusReport) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each has its own message
        pain002_write(report, created_at=CREATED)


def test_a_report_of_another_version_listing_accepted_transfers_is_read() -> None:
    content = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
 <GrpHdr><MsgId>BANK-77</MsgId><CreDtTm>2026-03-03T10:00:00</CreDtTm></GrpHdr>
 <OrgnlGrpInfAndSts><OrgnlMsgId>QZ9</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
 </OrgnlGrpInfAndSts>
 <OrgnlPmtInfAndSts><OrgnlPmtInfId>QZ9</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>
  <TxInfAndSts><OrgnlEndToEndId>Q1-1</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
  <TxInfAndSts><OrgnlEndToEndId>Q2-1</OrgnlEndToEndId><TxSts>RJCT</TxSts>
   <StsRsnInf><Rsn><Cd>AC06</Cd></Rsn><AddtlInf>blocked</AddtlInf></StsRsnInf></TxInfAndSts>
 </OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""
    assert pain002_read(content) == StatusReport(
        "BANK-77", "QZ9", "PART", (Status("Q1-1", True), Status("Q2-1", False, "AC06"))
    )


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
 <GrpHdr><MsgId>&g;</MsgId><CreDtTm>2026-03-03T10:00:00</CreDtTm></GrpHdr>
 <OrgnlGrpInfAndSts><OrgnlMsgId>QZ1</OrgnlMsgId><GrpSts>ACCP</GrpSts></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
 <GrpHdr><MsgId>&secret;</MsgId><CreDtTm>2026-03-03T10:00:00</CreDtTm></GrpHdr>
 <OrgnlGrpInfAndSts><OrgnlMsgId>QZ1</OrgnlMsgId><GrpSts>ACCP</GrpSts></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>"""


@pytest.mark.parametrize("content", [BOMB, EXTERNAL], ids=["entity bomb", "external entity"])
def test_pain002_read_refuses_entities(content: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"DOCTYPE|entity"):
        pain002_read(content)
    assert time.monotonic() - started < 5  # nothing was expanded


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not well-formed"),
        (b"\x00\x01garbage", "not well-formed"),
        (b"<html><body>Service unavailable</body></html>", "not a pain.002"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>', "not a pain.002"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
            b"<GrpHdr><MsgId>B</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>QZ1</OrgnlMsgId>"
            b"<GrpSts>ACTC</GrpSts></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>",
            "not final",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
            b"<GrpHdr><MsgId>B</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>QZ1</OrgnlMsgId>"
            b"<GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>QZ1"
            b"</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>Q1-1</OrgnlEndToEndId>"
            b"<TxSts>PDNG</TxSts></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>",
            "not final",
        ),
    ],
)
def test_pain002_read_refuses_what_is_not_a_final_report(content: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pain002_read(content)


def test_pain002_read_refuses_a_credit_transfer_file() -> None:
    with pytest.raises(ValueError, match=r"not a pain\.002"):
        pain002_read(_file(_transfers(2)))


def test_times_may_be_in_any_zone() -> None:
    content = pain002_write(REPORTS["all accepted"], created_at=CREATED.astimezone(UTC))
    assert b"<CreDtTm>2026-03-02T04:30:00+00:00</CreDtTm>" in content
