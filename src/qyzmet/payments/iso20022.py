"""ISO 20022 credit transfer files: the pain.001 the treasury sends a bank, the pain.002
status report the bank answers with, and Kazakhstan IBANs.

Everything here is pure: frozen dataclasses in, bytes out, and back. No model is
imported; :mod:`qyzmet.payments.payouts` keeps the orders and calls these functions.

*pain.001.001.09* (customer credit transfer initiation) is written as a stream, because a
mass payment may hold millions of transfers: the header with the count and control sum
the caller computed beforehand, then one transaction at a time as text, in batches. The
file has one payment information block (one paying treasury account, one execution
date), all amounts in KZT.

*pain.002.001.10* (customer payment status report, the version that answers
pain.001.001.09) carries the bank's verdict. The simulated bank's reports list **only the
rejected transactions** (``TxSts`` RJCT with the reason code), never the accepted ones, so
a report on a million transfers stays small. The standard allows it: a transaction that a
report does not list takes the group status. So:

* group status ACCP: every transfer of the file was accepted; none is listed;
* PART: the listed ones were rejected, every other one was accepted;
* RJCT: every transfer was rejected; the listed ones with their own reason, the others
  with the group's reason (:attr:`StatusReport.reason`), as when the file's count or
  control sum did not add up.

:attr:`StatusReport.unlisted_accepted` tells the caller which way the unlisted go.
:func:`pain002_write` writes the transactions a report holds, an accepted one as ACSC;
reports from a real bank may list accepted transactions too (ACSC and the like), which
:func:`pain002_read` returns as accepted :class:`Status` entries.

Readers never resolve entities, never load a DTD and never touch the network; a document
with a DOCTYPE is refused outright, as a defused parser would.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from lxml import etree  # type: ignore[import-untyped]

PAIN001 = "pain.001.001.09"
PAIN002 = "pain.002.001.10"
PAIN001_NS = f"urn:iso:std:iso:20022:tech:xsd:{PAIN001}"
PAIN002_NS = f"urn:iso:std:iso:20022:tech:xsd:{PAIN002}"
PAIN001_TAG = "{{" + PAIN001_NS + "}}{}"  # .format(name): the element's Clark name
# Any version of the status report is read: the elements read here have kept their names.
PAIN002_NS_PREFIX = "urn:iso:std:iso:20022:tech:xsd:pain.002."
CURRENCY = "KZT"

# Statuses that mean the bank will pay (or has paid): ISO external payment status codes.
ACCEPTED_STATUSES = frozenset({"ACCP", "ACSC", "ACSP", "ACCC", "ACWC"})
GROUP_STATUSES = ACCEPTED_STATUSES | {"PART", "RJCT"}

MAX_ID = 35  # Max35Text: message, payment information and end-to-end ids
MAX_TEXT = 140  # Max140Text: names and unstructured remittance information
WRITE_BATCH = 2_000  # transactions turned into bytes at a time

_IBAN_FORM = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_BIC_FORM = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_BIN_FORM = re.compile(r"[0-9]{12}")
_REASON_FORM = re.compile(r"[A-Z0-9]{4}")
# What XML 1.0 cannot carry at all (lone surrogates could not even be encoded).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_KZ_BANK_CODE = re.compile(r"[0-9]{3}")
_KZ_ACCOUNT = re.compile(r"[A-Z0-9]{13}")
_AMOUNT = re.compile(r"([0-9]{1,16})(?:\.([0-9]{1,2}))?")


# --- IBAN ----------------------------------------------------------------------------


# Letters as the numbers 10..35 that ISO 7064 reads them as; digits stay.
_AS_NUMBERS = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})


def _mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 of an IBAN rearranged for checking (letters as 10..35)."""
    return int(text.translate(_AS_NUMBERS)) % 97


def kz_iban(bank_code: str, account: str) -> str:
    """The Kazakhstan IBAN of a 3-digit bank code and a 13-character account number:
    ``KZ``, the two ISO 13616 check digits, the bank code, the account (20 characters)."""
    account = account.upper()
    if not _KZ_BANK_CODE.fullmatch(bank_code):
        raise ValueError(f"a Kazakhstan bank code is 3 digits, not {bank_code!r}")
    if not _KZ_ACCOUNT.fullmatch(account):
        raise ValueError(f"a Kazakhstan account number is 13 letters or digits, not {account!r}")
    bban = bank_code + account
    check = 98 - _mod97(bban + "KZ00")
    return f"KZ{check:02d}{bban}"


def iban_valid(iban: str) -> bool:
    """True when ``iban`` is an IBAN in its electronic form (capitals, no spaces) whose
    check digits are right; a Kazakhstan IBAN must also be 20 characters with a numeric
    bank code."""
    if not _IBAN_FORM.fullmatch(iban):
        return False
    if iban.startswith("KZ") and not (
        len(iban) == 20 and _KZ_BANK_CODE.fullmatch(iban[4:7]) is not None
    ):
        return False
    return _mod97(iban[4:] + iban[:4]) == 1


# --- pain.001: the credit transfer file ---------------------------------------------


@dataclass(frozen=True)
class Party:
    """The paying organisation: a treasury account. ``bin`` is its 12-digit business
    identification number (written as the organisation id when given)."""

    name: str
    iban: str
    bic: str
    bin: str = ""


@dataclass(frozen=True)
class Transfer:
    """One payment to one person; ``amount`` in tiyn (1 KZT = 100 tiyn)."""

    end_to_end_id: str
    amount: int
    creditor_name: str
    creditor_iban: str
    creditor_bic: str
    remittance: str


@dataclass(frozen=True)
class Pain001Header:
    """What a pain.001 says before its transfers (its one payment information block)."""

    message_id: str
    payment_info_id: str
    debtor: Party
    execution_date: date
    count: int  # as declared in the file: the transfers read may not add up to it
    control_sum: int  # tiyn, as declared


def _kzt(tiyn: int) -> str:
    return f"{tiyn // 100}.{tiyn % 100:02d}"


def _tiyn(text: str) -> int:
    found = _AMOUNT.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not an amount in KZT (at most 2 decimals)")
    whole, fraction = found.groups()
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))


def _escape(text: str) -> str:
    """Character data for XML: markup characters as references; characters XML cannot
    carry (control characters, stray surrogates) as a space rather than a broken file."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if _NOT_XML.search(text):
        text = _NOT_XML.sub(" ", text)
    return text


def _id(value: str, what: str) -> str:
    if not 0 < len(value) <= MAX_ID:
        raise ValueError(f"{what} must be 1 to {MAX_ID} characters, not {value!r}")
    return _escape(value)


def _text(value: str) -> str:
    """Max140Text: cut to 140 characters (banks cut longer names the same way)."""
    return _escape(value[:MAX_TEXT])


def _account(iban: str, bic: str, whose: str) -> None:
    if not _IBAN_FORM.fullmatch(iban):
        raise ValueError(f"{whose}: {iban!r} is not an IBAN in electronic form")
    if bic and not _BIC_FORM.fullmatch(bic):
        raise ValueError(f"{whose}: {bic!r} is not a BIC")


def _party(debtor: Party) -> str:
    name = f"<Nm>{_text(debtor.name)}</Nm>" if debtor.name else ""
    if not debtor.bin:
        return name
    if not _BIN_FORM.fullmatch(debtor.bin):
        raise ValueError(f"a BIN is 12 digits, not {debtor.bin!r}")
    return f"{name}<Id><OrgId><Othr><Id>{debtor.bin}</Id></Othr></OrgId></Id>"


def _timestamp(at: datetime) -> str:
    if at.utcoffset() is None:
        raise ValueError("a timestamp in a payment file needs a time zone")
    return at.isoformat(timespec="seconds")


def pain001_write(
    out: BinaryIO,
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    debtor: Party,
    transfers: Iterable[Transfer],
    count: int,
    control_sum: int,
    payment_info_id: str | None = None,
) -> None:
    """Write a pain.001.001.09 file paying ``transfers`` from ``debtor``'s account, as a
    stream: memory stays the same for ten transfers or ten million.

    ``count`` and ``control_sum`` (tiyn) go into the header before any transfer is seen,
    so the caller computes them beforehand; when the transfers written do not add up to
    them, ValueError is raised at the end, as it is for an id, IBAN or BIC that the
    schema would refuse or an amount that is not positive. After a ValueError, what was
    written to ``out`` is not a valid file: throw it away. The payment information id
    is the message id unless given."""
    if count < 1:
        raise ValueError("a credit transfer file holds at least one transfer")
    _account(debtor.iban, debtor.bic, "the debtor")
    if not debtor.bic:
        raise ValueError("the debtor's bank (BIC) is needed")
    totals = f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{_kzt(control_sum)}</CtrlSum>"
    party = _party(debtor)
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{PAIN001_NS}"><CstmrCdtTrfInitn>\n'
        f"<GrpHdr><MsgId>{_id(message_id, 'the message id')}</MsgId>"
        f"<CreDtTm>{_timestamp(created_at)}</CreDtTm>{totals}"
        f"<InitgPty>{party}</InitgPty></GrpHdr>\n"
        f"<PmtInf><PmtInfId>{_id(payment_info_id or message_id, 'the payment info id')}"
        f"</PmtInfId><PmtMtd>TRF</PmtMtd>{totals}"
        f"<ReqdExctnDt><Dt>{execution_date.isoformat()}</Dt></ReqdExctnDt>"
        f"<Dbtr>{party}</Dbtr>"
        f"<DbtrAcct><Id><IBAN>{debtor.iban}</IBAN></Id><Ccy>{CURRENCY}</Ccy></DbtrAcct>"
        f"<DbtrAgt><FinInstnId><BICFI>{debtor.bic}</BICFI></FinInstnId></DbtrAgt>"
        "<ChrgBr>SLEV</ChrgBr>\n"
    )
    out.write(head.encode())
    written = total = 0
    batch: list[str] = []
    for transfer in transfers:
        batch.append(_transaction(transfer))
        written += 1
        total += transfer.amount
        if len(batch) == WRITE_BATCH:
            out.write("".join(batch).encode())
            batch.clear()
    batch.append("</PmtInf>\n</CstmrCdtTrfInitn></Document>\n")
    out.write("".join(batch).encode())
    if written != count or total != control_sum:
        raise ValueError(
            f"the file declares {count} transfers of {_kzt(control_sum)} {CURRENCY} "
            f"but {written} of {_kzt(total)} {CURRENCY} were written"
        )


def _transaction(transfer: Transfer) -> str:
    amount = transfer.amount
    e2e = transfer.end_to_end_id
    iban = transfer.creditor_iban
    bic = transfer.creditor_bic
    if amount <= 0:
        raise ValueError(f"transfer {e2e!r}: the amount must be positive, not {amount}")
    if not _IBAN_FORM.fullmatch(iban) or (bic and not _BIC_FORM.fullmatch(bic)):
        _account(iban, bic, f"transfer {e2e!r}")
    agent = f"<CdtrAgt><FinInstnId><BICFI>{bic}</BICFI></FinInstnId></CdtrAgt>" if bic else ""
    name = f"<Nm>{_text(transfer.creditor_name)}</Nm>" if transfer.creditor_name else ""
    remittance = (
        f"<RmtInf><Ustrd>{_text(transfer.remittance)}</Ustrd></RmtInf>"
        if transfer.remittance
        else ""
    )
    return (
        f"<CdtTrfTxInf><PmtId><EndToEndId>{_id(e2e, 'an end-to-end id')}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="{CURRENCY}">{amount // 100}.{amount % 100:02d}</InstdAmt></Amt>'
        f"{agent}<Cdtr>{name}</Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>"
        f"{remittance}</CdtTrfTxInf>\n"
    )


# --- reading, safely -------------------------------------------------------------------


def _events(data: bytes | BinaryIO, tags: Iterable[str]) -> Iterator[tuple[str, etree._Element]]:
    """End events of ``tags``, parsed as a stream with no entities, DTD or network, and
    a DOCTYPE refused; every parse error as ValueError."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    parser = etree.iterparse(
        source,
        events=("end",),
        tag=tuple(tags),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    checked = False
    try:
        for event, element in parser:
            if not checked:
                if element.getroottree().docinfo.internalDTD is not None:
                    raise ValueError("a document with a DOCTYPE is refused")
                checked = True
            yield event, element
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not well-formed XML: {error}") from None


def _release(element: etree._Element) -> None:
    """Forget an element read and everything before it, so the tree does not grow."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _optional(element: etree._Element, path: str, ns: str) -> str:
    """The text at ``path`` (``p:`` standing for ``ns``) below ``element``, or ""."""
    return str(element.findtext(path, default="", namespaces={"p": ns}))


def _required(element: etree._Element, path: str, ns: str) -> str:
    found = _optional(element, path, ns)
    if not found:
        raise ValueError(f"{_local(element)} has no {path.replace('p:', '')}")
    return found


def pain001_read(data: bytes | BinaryIO) -> tuple[Pain001Header, Iterator[Transfer]]:
    """The header of a pain.001.001.09 file and an iterator over its transfers, read as
    a stream (the bank's side: the simulator reads million-transfer files with it).

    Only files as :func:`pain001_write` makes them are understood: one payment
    information block, amounts in KZT. Raises ValueError for anything else, the header's
    faults at once and a transfer's when the iterator reaches it."""
    ns = PAIN001_NS
    events = _events(data, [f"{{{ns}}}GrpHdr", f"{{{ns}}}DbtrAgt", f"{{{ns}}}CdtTrfTxInf"])
    group: etree._Element | None = None
    for _event, element in events:
        name = _local(element)
        if name == "GrpHdr" and group is None:
            group = element
            continue
        if name == "DbtrAgt" and group is not None:
            return _pain001_header(group, element.getparent(), ns), _pain001_transfers(events)
        break
    raise ValueError(f"not a {PAIN001} credit transfer file")


def _pain001_header(group: etree._Element, block: etree._Element | None, ns: str) -> Pain001Header:
    if block is None:  # for the type checker: DbtrAgt always has a parent
        raise ValueError("no payment information block")
    message_id = _required(group, "p:MsgId", ns)
    debtor = Party(
        name=_optional(block, "p:Dbtr/p:Nm", ns),
        iban=_required(block, "p:DbtrAcct/p:Id/p:IBAN", ns),
        bic=_required(block, "p:DbtrAgt/p:FinInstnId/p:BICFI", ns),
        bin=_optional(block, "p:Dbtr/p:Id/p:OrgId/p:Othr/p:Id", ns),
    )
    count = _required(group, "p:NbOfTxs", ns)
    if not count.isdigit():
        raise ValueError(f"NbOfTxs {count!r} is not a number")
    try:
        execution_date = date.fromisoformat(_required(block, "p:ReqdExctnDt/p:Dt", ns))
    except ValueError as error:
        raise ValueError(f"ReqdExctnDt: {error}") from None
    header = Pain001Header(
        message_id=message_id,
        payment_info_id=_required(block, "p:PmtInfId", ns),
        debtor=debtor,
        execution_date=execution_date,
        count=int(count),
        control_sum=_tiyn(_required(group, "p:CtrlSum", ns)),
    )
    _release(group)
    return header


def _leaf(element: etree._Element, tag: str) -> str:
    """The text of the first ``tag`` within ``element``; "" when there is none."""
    for found in element.iter(tag):
        return found.text or ""
    return ""


def _pain001_transfers(events: Iterator[tuple[str, etree._Element]]) -> Iterator[Transfer]:
    # Clark names compared by hand: lxml's path search costs several times as much, and a
    # bank reads millions of these.
    tag = PAIN001_TAG.format
    transaction, payment_id, end_to_end = tag("CdtTrfTxInf"), tag("PmtId"), tag("EndToEndId")
    amount_of, creditor, creditor_account = tag("Amt"), tag("Cdtr"), tag("CdtrAcct")
    agent, remittance_of = tag("CdtrAgt"), tag("RmtInf")
    name_of, iban_of, bic_of, text_of = tag("Nm"), tag("IBAN"), tag("BICFI"), tag("Ustrd")
    for _event, element in events:
        if element.tag != transaction:
            raise ValueError("more than one payment information block")
        e2e = name = iban = bic = remittance = ""
        amount: etree._Element | None = None
        for child in element:
            kind = child.tag
            if kind == payment_id:
                e2e = _leaf(child, end_to_end)
            elif kind == amount_of:
                amount = child[0] if len(child) else None
            elif kind == creditor:
                name = _leaf(child, name_of)
            elif kind == creditor_account:
                iban = _leaf(child, iban_of)
            elif kind == agent:
                bic = _leaf(child, bic_of)
            elif kind == remittance_of:
                remittance = _leaf(child, text_of)
        if not e2e:
            raise ValueError("a transfer without an end-to-end id")
        if amount is None or amount.text is None or amount.get("Ccy") != CURRENCY:
            raise ValueError(f"transfer {e2e!r}: no amount in {CURRENCY}")
        yield Transfer(
            end_to_end_id=e2e,
            amount=_tiyn(amount.text),
            creditor_name=name,
            creditor_iban=iban,
            creditor_bic=bic,
            remittance=remittance,
        )
        _release(element)


# --- pain.002: the status report --------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """The bank's verdict on one transfer; ``reason`` is the ISO reason code of a
    rejection (AC01 incorrect account number, AC04 closed account, AC06 blocked...)."""

    end_to_end_id: str
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class StatusReport:
    """A bank's pain.002 on one pain.001 file. ``transactions`` lists the transfers the
    report names one by one; every other transfer of the file takes the group status
    (see :attr:`unlisted_accepted`). ``reason`` is the group's reason code when the
    whole file is rejected. ``original_payment_info_id`` is the payment information
    block the listed transfers belong to; empty means the same as the message id, which
    is what :func:`pain001_write` uses unless told otherwise."""

    message_id: str
    original_message_id: str
    group_status: str
    transactions: tuple[Status, ...]
    reason: str = ""
    original_payment_info_id: str = ""

    @property
    def unlisted_accepted(self) -> bool:
        """Whether the transfers of the file that the report does not list were
        accepted: yes unless the whole file was rejected (RJCT)."""
        return self.group_status != "RJCT"


def group_status(*, accepted: int, rejected: int) -> str:
    """The group status of a file whose transfers were decided so: ACCP, PART or RJCT."""
    if rejected == 0:
        return "ACCP"
    return "RJCT" if accepted == 0 else "PART"


def _reason(code: str, whose: str) -> str:
    if not _REASON_FORM.fullmatch(code):
        raise ValueError(f"{whose}: {code!r} is not a 4-character ISO reason code")
    return f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>"


def _report_check(report: StatusReport) -> None:
    status = report.group_status
    if status not in GROUP_STATUSES:
        raise ValueError(f"{status!r} is not a final group status")
    rejected = sum(1 for item in report.transactions if not item.accepted)
    if status in ACCEPTED_STATUSES and rejected:
        raise ValueError(f"a report with group status {status} lists rejected transfers")
    if status == "RJCT" and rejected != len(report.transactions):
        raise ValueError("a report with group status RJCT lists accepted transfers")
    if status == "PART" and not rejected:
        raise ValueError("a report with group status PART lists no rejected transfer")
    if report.reason and status != "RJCT":
        raise ValueError("only a rejected file has a group reason")


def pain002_write(report: StatusReport, *, created_at: datetime) -> bytes:
    """The report as a pain.002.001.10 document (UTF-8). Every transaction in the report
    is written: a rejected one as RJCT with its reason, an accepted one as ACSC. Raises
    ValueError for a report that contradicts itself (ACCP listing a rejection...)."""
    _report_check(report)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{PAIN002_NS}"><CstmrPmtStsRpt>\n'
        f"<GrpHdr><MsgId>{_id(report.message_id, 'the message id')}</MsgId>"
        f"<CreDtTm>{_timestamp(created_at)}</CreDtTm></GrpHdr>\n"
        "<OrgnlGrpInfAndSts>"
        f"<OrgnlMsgId>{_id(report.original_message_id, 'the original message id')}</OrgnlMsgId>"
        f"<OrgnlMsgNmId>{PAIN001}</OrgnlMsgNmId><GrpSts>{report.group_status}</GrpSts>"
        f"{_reason(report.reason, 'the group') if report.reason else ''}"
        "</OrgnlGrpInfAndSts>\n"
    ]
    if report.transactions:
        block = report.original_payment_info_id or report.original_message_id
        parts.append(
            f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{_id(block, 'the payment info id')}"
            "</OrgnlPmtInfId>\n"
        )
        for item in report.transactions:
            e2e = _id(item.end_to_end_id, "an end-to-end id")
            if item.accepted:
                if item.reason:
                    raise ValueError(f"transfer {item.end_to_end_id!r}: accepted with a reason")
                verdict = "<TxSts>ACSC</TxSts>"
            else:
                verdict = "<TxSts>RJCT</TxSts>" + _reason(item.reason, repr(item.end_to_end_id))
            parts.append(f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId>{verdict}")
            parts.append("</TxInfAndSts>\n")
        parts.append("</OrgnlPmtInfAndSts>\n")
    parts.append("</CstmrPmtStsRpt></Document>\n")
    return "".join(parts).encode()


def pain002_read(data: bytes) -> StatusReport:
    """The status report in a pain.002 document (any version; ours is .001.10).

    Transactions are read with their status: RJCT is rejected (with its reason code),
    ACCP, ACSC, ACSP, ACCC and ACWC are accepted. A report that is not final (group
    status RCVD, ACTC, PDNG...) or not a pain.002 at all raises ValueError, as does XML
    that is not well-formed or declares a DOCTYPE."""
    ns = ""
    message_id = original = status = block = reason = ""
    transactions: list[Status] = []
    wanted = ("GrpHdr", "OrgnlGrpInfAndSts", "OrgnlPmtInfId", "PmtInfSts", "TxInfAndSts")
    for _event, element in _events(data, [f"{{*}}{name}" for name in wanted]):
        qname = etree.QName(element)
        if not ns:
            root = element.getroottree().getroot()
            ns = etree.QName(root).namespace or ""
            if _local(root) != "Document" or not ns.startswith(PAIN002_NS_PREFIX):
                raise ValueError("not a pain.002 payment status report")
        if qname.namespace != ns:
            continue
        name = qname.localname
        if name == "GrpHdr":
            message_id = _required(element, "p:MsgId", ns)
        elif name == "OrgnlGrpInfAndSts":
            original = _required(element, "p:OrgnlMsgId", ns)
            status = _optional(element, "p:GrpSts", ns).strip()
            reason = _status_reason(element, ns)
        elif name == "OrgnlPmtInfId":
            block = block or element.text or ""
        elif name == "PmtInfSts":  # a report on one block may give its status only there
            status = status or (element.text or "").strip()
        else:
            transactions.append(_transaction_status(element, ns))
            _release(element)
    if not ns or not message_id or not original:
        raise ValueError("not a pain.002 payment status report")
    if status not in GROUP_STATUSES:
        raise ValueError(f"group status {status or 'missing'!r} is not final: nothing to apply")
    return StatusReport(
        message_id=message_id,
        original_message_id=original,
        group_status=status,
        transactions=tuple(transactions),
        reason=reason if status == "RJCT" else "",
        original_payment_info_id="" if block == original else block,
    )


def _status_reason(element: etree._Element, ns: str) -> str:
    return _optional(element, "p:StsRsnInf/p:Rsn/p:Cd", ns).strip()


def _transaction_status(element: etree._Element, ns: str) -> Status:
    # Children compared by hand, as for pain.001 transfers: a report may list a million.
    e2e = status = reason = ""
    for child in element:
        kind = child.tag
        if kind == f"{{{ns}}}OrgnlEndToEndId":
            e2e = child.text or ""
        elif kind == f"{{{ns}}}TxSts":
            status = (child.text or "").strip()
        elif kind == f"{{{ns}}}StsRsnInf" and not reason:
            reason = _leaf(child, f"{{{ns}}}Cd").strip()
    if not e2e or not status:
        raise ValueError("a transaction status without OrgnlEndToEndId or TxSts")
    if status == "RJCT":
        return Status(end_to_end_id=e2e, accepted=False, reason=reason)
    if status in ACCEPTED_STATUSES:
        return Status(end_to_end_id=e2e, accepted=True)
    raise ValueError(f"transfer {e2e!r}: status {status!r} is not final")
