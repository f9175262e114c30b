"""Payout banks: where the treasury's credit transfer files go, and where the banks'
status reports come from.

A bank is a class with two methods (:class:`PayoutBank`): ``transmit`` sends one
pain.001 file, ``status_reports`` fetches every pain.002 report the bank has made
available. The setting ``QYZMET_PAYOUT_BANK`` names the class by its dotted path; empty
means the local simulator (:class:`SimulatedPayoutBank`), which plays the banks in the demo
and the tests.

The simulator is an outside party: its state is files under
``QYZMET_HOME/bank-simulator/``, never qyzmet's database:

* ``accounts.txt``: accounts closed or blocked, one ``IBAN REASON`` a line;
* ``received.txt``: the files answered, one ``NAME MESSAGE-ID-HASH`` a line;
* ``outbox/``: the status reports, ``<file name>.pain002.xml``;
* ``unavailable``: while this file exists the bank is down (``TransmitFailed``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from qyzmet.payments.iso20022 import (
    Pain001Header,
    Status,
    StatusReport,
    Transfer,
    group_status,
    iban_valid,
    pain001_read,
    pain002_write,
)

# A file name is a plain name: it becomes a file of the simulator's.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
REASON = re.compile(r"[A-Z0-9]{4}")
REPORT_SUFFIX = ".pain002.xml"
INCORRECT_ACCOUNT = "AC01"  # the IBAN's check digits are wrong
CLOSED_ACCOUNT = "AC04"
BLOCKED_ACCOUNT = "AC06"
WRONG_COUNT = "AM18"  # the file's NbOfTxs does not match its transfers
WRONG_CONTROL_SUM = "AM10"  # the file's CtrlSum does not match its transfers


class TransmitFailed(Exception):
    """The bank did not take the file this time (down, timed out): send it again later."""


class PayoutBank(Protocol):
    def transmit(self, *, name: str, content: bytes) -> None:
        """Send one pain.001 file. Sending a file again (after a crash, say) is harmless:
        a bank answers a message id once. Raises TransmitFailed for a failure that may
        pass."""
        ...

    def status_reports(self) -> list[tuple[str, bytes]]:
        """Every pain.002 status report the bank has made available, as (report name,
        content), including those fetched before: the caller skips names it has read."""
        ...


def simulator_dir() -> Path:
    return Path(settings.QYZMET_HOME) / "bank-simulator"


@contextlib.contextmanager
def _locked() -> Iterator[Path]:
    """The simulator's directory, held by this process alone (workers send at once)."""
    home = simulator_dir()
    (home / "outbox").mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield home


def _write_atomically(path: Path, content: bytes) -> None:
    """Readers see the whole report or none of it."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)


def _message_key(message_id: str) -> str:
    """A message id as one word of 32 characters (a report id is ``SIM`` and this)."""
    return hashlib.sha256(message_id.encode()).hexdigest()[:32]


def _closed_accounts(home: Path) -> dict[str, str]:
    """IBAN -> the reason code the bank rejects transfers to it with."""
    path = home / "accounts.txt"
    if not path.exists():
        return {}
    accounts: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        iban, _sep, reason = line.partition(" ")
        if iban:
            accounts[iban] = reason or CLOSED_ACCOUNT
    return accounts


def simulator_close_account(iban: str, reason: str = CLOSED_ACCOUNT) -> None:
    """From now on the simulated banks reject transfers to ``iban`` with ``reason``
    (AC04 closed, AC06 blocked, or any other ISO reason code)."""
    if not REASON.fullmatch(reason):
        raise ValueError(f"{reason!r} is not a 4-character ISO reason code")
    iban = iban.replace(" ", "").upper()
    with _locked() as home, (home / "accounts.txt").open("a", encoding="utf-8") as accounts:
        accounts.write(f"{iban} {reason}\n")


def simulator_unavailable(down: bool = True) -> None:
    """Make the simulated banks refuse files (``TransmitFailed``) until called with
    False: for trying out what happens when a bank is down."""
    marker = simulator_dir() / "unavailable"
    if down:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    else:
        marker.unlink(missing_ok=True)


def _decide(
    header: Pain001Header,
    transfers: Iterable[Transfer],
    closed: Mapping[str, str],
    *,
    report_id: str,
) -> StatusReport:
    """The simulated bank's verdict on a file: each transfer to an account it cannot pay
    into is rejected; a file whose count or control sum does not add up, wholly."""
    rejected: list[Status] = []
    count = total = 0
    for transfer in transfers:
        count += 1
        total += transfer.amount
        iban = transfer.creditor_iban
        reason = closed.get(iban, "") if iban_valid(iban) else INCORRECT_ACCOUNT
        if reason:
            rejected.append(Status(transfer.end_to_end_id, accepted=False, reason=reason))
    if count != header.count or total != header.control_sum:
        return StatusReport(
            message_id=report_id,
            original_message_id=header.message_id,
            group_status="RJCT",
            transactions=(),
            reason=WRONG_COUNT if count != header.count else WRONG_CONTROL_SUM,
        )
    block = header.payment_info_id
    return StatusReport(
        message_id=report_id,
        original_message_id=header.message_id,
        group_status=group_status(accepted=count - len(rejected), rejected=len(rejected)),
        transactions=tuple(rejected),
        original_payment_info_id="" if block == header.message_id else block,
    )


class SimulatedPayoutBank:
    """The banks of the demo and the tests: every file is answered at once with a
    pain.002 that rejects transfers to malformed (AC01), closed (AC04) and blocked
    (AC06) accounts and accepts the rest. It reads files as a stream and lists only
    the rejections, so a million-transfer file costs little memory."""

    def transmit(self, *, name: str, content: bytes) -> None:
        """Answer the file with a status report in the outbox, unless a file of this name
        or message id was answered before. Content that is not a pain.001 as qyzmet
        writes it raises ValueError: a bank refuses such a file at the door."""
        if not FILE_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a plain file name")
        if (simulator_dir() / "unavailable").exists():
            raise TransmitFailed("the simulated bank is unavailable")
        with _locked() as home:
            received = home / "received.txt"
            seen = received.read_text().split() if received.exists() else []
            answered = home / "outbox" / f"{name}{REPORT_SUFFIX}"
            if name in seen[0::2] or answered.exists():
                return
            header, transfers = pain001_read(content)
            key = _message_key(header.message_id)
            if key in seen[1::2]:
                return  # the same message under another name: answered already
            report = _decide(header, transfers, _closed_accounts(home), report_id=f"SIM{key}")
            answer = pain002_write(report, created_at=timezone.now())
            _write_atomically(answered, answer)
            with received.open("a") as index:
                index.write(f"{name} {key}\n")

    def status_reports(self) -> list[tuple[str, bytes]]:
        outbox = simulator_dir() / "outbox"
        if not outbox.exists():
            return []
        return [
            (path.name, path.read_bytes())
            for path in sorted(outbox.iterdir())
            if path.name.endswith(REPORT_SUFFIX) and not path.name.startswith(".")
        ]


def payout_bank() -> PayoutBank:
    """The bank ``QYZMET_PAYOUT_BANK`` names, or the simulator."""
    path: str = getattr(settings, "QYZMET_PAYOUT_BANK", "")
    bank: PayoutBank = import_string(path)() if path else SimulatedPayoutBank()
    return bank
