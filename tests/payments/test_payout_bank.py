"""The simulated payout bank: its verdicts on a credit transfer file, one report per
message, state kept in files; and the choice of bank by setting."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pytest_django import Settings

from qyzmet.payments.iso20022 import (
    Party,
    Status,
    StatusReport,
    Transfer,
    kz_iban,
    pain001_write,
    pain002_read,
)
from qyzmet.payments.payout_banks import (
    SimulatedPayoutBank,
    TransmitFailed,
    payout_bank,
    simulator_close_account,
    simulator_dir,
    simulator_unavailable,
)

TREASURY = Party(
    "Қазынашылық комитеті", kz_iban("070", "KZT0000000001"), "TRSYKZKA", "990140000123"
)
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=5)))


@pytest.fixture(autouse=True)
def _own_home(settings: Settings, tmp_path: Path) -> Path:
    """Each test has a bank of its own."""
    settings.QYZMET_HOME = tmp_path
    return tmp_path


def _account(number: int, bank: str = "101") -> str:
    return kz_iban(bank, f"{number:013d}")


def _file(ibans: list[str], *, message_id: str = "QZ1") -> bytes:
    transfers = [
        Transfer(f"Q{i}-1", 10_000_00 + i, "Әлия Сейітова", iban, "BANKKZKA", "Біржолғы төлем")
        for i, iban in enumerate(ibans, start=1)
    ]
    out = io.BytesIO()
    pain001_write(
        out, message_id=message_id, created_at=CREATED, execution_date=date(2026, 3, 3),
        debtor=TREASURY, transfers=transfers, count=len(transfers),
        control_sum=sum(t.amount for t in transfers),
    )  # fmt: skip
    return out.getvalue()


def _broken(iban: str) -> str:
    """The IBAN with one digit of its account changed: its check digits no longer fit."""
    last = iban[-1]
    return iban[:-1] + ("1" if last != "1" else "2")


def test_the_report_rejects_exactly_the_accounts_the_bank_cannot_pay() -> None:
    closed, blocked = _account(3, "202"), _account(4, "303")
    simulator_close_account(closed)
    simulator_close_account(blocked, reason="AC06")
    ibans = [_account(1), _broken(_account(2)), closed, blocked, _account(5, "202")]
    bank = SimulatedPayoutBank()
    bank.transmit(name="QZ1.xml", content=_file(ibans))
    [(name, content)] = bank.status_reports()
    assert name == "QZ1.xml.pain002.xml"
    report = pain002_read(content)
    assert report.original_message_id == "QZ1"
    assert report.group_status == "PART"
    assert report.unlisted_accepted
    assert report.transactions == (
        Status("Q2-1", accepted=False, reason="AC01"),
        Status("Q3-1", accepted=False, reason="AC04"),
        Status("Q4-1", accepted=False, reason="AC06"),
    )


def test_a_file_of_good_accounts_is_accepted_whole() -> None:
    bank = SimulatedPayoutBank()
    bank.transmit(name="QZ1.xml", content=_file([_account(n) for n in range(1, 50)]))
    [(_name, content)] = bank.status_reports()
    report = pain002_read(content)
    assert (report.group_status, report.transactions) == ("ACCP", ())


def test_a_file_of_bad_accounts_is_rejected_whole() -> None:
    simulator_close_account(_account(1))
    bank = SimulatedPayoutBank()
    bank.transmit(name="QZ1.xml", content=_file([_account(1), _broken(_account(2))]))
    report = pain002_read(bank.status_reports()[0][1])
    assert report.group_status == "RJCT"
    assert [s.reason for s in report.transactions] == ["AC04", "AC01"]


def test_a_file_whose_totals_do_not_add_up_is_rejected_whole() -> None:
    bank = SimulatedPayoutBank()
    ibans = [_account(1), _account(2)]
    bank.transmit(name="count.xml", content=_broken_totals(ibans, count=3))
    bank.transmit(name="sum.xml", content=_broken_totals(ibans, message_id="QZ2", control_sum=1))
    reports = {name: pain002_read(content) for name, content in bank.status_reports()}
    assert reports["count.xml.pain002.xml"] == StatusReport(
        reports["count.xml.pain002.xml"].message_id, "QZ1", "RJCT", (), reason="AM18"
    )
    assert reports["sum.xml.pain002.xml"].reason == "AM10"
    assert not reports["sum.xml.pain002.xml"].unlisted_accepted


def _broken_totals(
    ibans: list[str], *, message_id: str = "QZ1", count: int = 0, control_sum: int = 0
) -> bytes:
    """A file whose header does not match its transfers (the writer raises at the end,
    after writing it)."""
    out = io.BytesIO()
    transfers = [
        Transfer(f"Q{i}-1", 100, "A", iban, "BANKKZKA", "") for i, iban in enumerate(ibans)
    ]
    with pytest.raises(ValueError, match="declares"):
        pain001_write(
            out, message_id=message_id, created_at=CREATED, execution_date=date(2026, 3, 3),
            debtor=TREASURY, transfers=transfers, count=count or len(transfers),
            control_sum=control_sum or 100 * len(transfers),
        )  # fmt: skip
    return out.getvalue()


def test_a_file_sent_again_gets_no_second_report() -> None:
    bank = SimulatedPayoutBank()
    content = _file([_account(1), _broken(_account(2))])
    bank.transmit(name="QZ1.xml", content=content)
    first = bank.status_reports()
    bank.transmit(name="QZ1.xml", content=content)
    bank.transmit(name="QZ1-again.xml", content=content)  # same message id, another name
    assert bank.status_reports() == first


def test_reports_and_closed_accounts_survive_a_new_instance() -> None:
    simulator_close_account(_account(1), reason="AC06")
    SimulatedPayoutBank().transmit(name="QZ1.xml", content=_file([_account(1), _account(2)]))
    reports = SimulatedPayoutBank().status_reports()
    assert len(reports) == 1
    assert pain002_read(reports[0][1]).transactions == (Status("Q1-1", False, "AC06"),)
    SimulatedPayoutBank().transmit(name="QZ2.xml", content=_file([_account(1)], message_id="QZ2"))
    names = [name for name, _content in SimulatedPayoutBank().status_reports()]
    assert names == ["QZ1.xml.pain002.xml", "QZ2.xml.pain002.xml"]
    assert (simulator_dir() / "accounts.txt").read_text().split() == [_account(1), "AC06"]


def test_an_account_closed_later_leaves_earlier_reports_alone() -> None:
    bank = SimulatedPayoutBank()
    bank.transmit(name="QZ1.xml", content=_file([_account(1)]))
    simulator_close_account(_account(1))
    bank.transmit(name="QZ2.xml", content=_file([_account(1)], message_id="QZ2"))
    first, second = (pain002_read(content) for _name, content in bank.status_reports())
    assert first.group_status == "ACCP"
    assert second.group_status == "RJCT"


def test_an_unavailable_bank_fails_for_now() -> None:
    bank = SimulatedPayoutBank()
    simulator_unavailable()
    with pytest.raises(TransmitFailed):
        bank.transmit(name="QZ1.xml", content=_file([_account(1)]))
    assert bank.status_reports() == []
    simulator_unavailable(False)
    bank.transmit(name="QZ1.xml", content=_file([_account(1)]))
    assert len(bank.status_reports()) == 1


@pytest.mark.parametrize("name", ["../QZ1.xml", "a/b.xml", ".hidden", "", "x" * 201])
def test_a_file_name_must_be_plain(name: str) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        SimulatedPayoutBank().transmit(name=name, content=_file([_account(1)]))


def test_what_is_not_a_credit_transfer_file_is_refused() -> None:
    with pytest.raises(ValueError, match=r"pain\.001|well-formed"):
        SimulatedPayoutBank().transmit(name="junk.xml", content=b"<html/>")
    assert SimulatedPayoutBank().status_reports() == []


def test_a_reason_code_must_be_an_iso_code() -> None:
    with pytest.raises(ValueError, match="reason code"):
        simulator_close_account(_account(1), reason="closed")


class RecordingBank:
    """A bank plugged in by its dotted path."""

    def transmit(self, *, name: str, content: bytes) -> None:
        raise TransmitFailed(name)

    def status_reports(self) -> list[tuple[str, bytes]]:
        return [("r", b"")]


def test_the_setting_names_the_bank(settings: Settings) -> None:
    settings.QYZMET_PAYOUT_BANK = ""
    assert isinstance(payout_bank(), SimulatedPayoutBank)
    settings.QYZMET_PAYOUT_BANK = f"{__name__}.RecordingBank"
    assert payout_bank().status_reports() == [("r", b"")]
