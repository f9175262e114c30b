"""Payouts: money the state pays to many people, exactly once each, never past the budget.

A caller (a programme, say) opens a :class:`Disbursement` with a cap, then hands this
module sets of payees; the module makes one payment order per person (the database refuses
a second), groups the orders per bank into pain.001 credit transfer files, sends them
through the payout bank adapter, and applies the banks' pain.002 status reports. Each step
commits in small transactions and starts from what it finds, so a run killed anywhere can
simply be run again (docs/programmes.md).

The payments app never imports its callers: a payee set is a queryset of plain values.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Sum
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.documents.blobs import blob_store
from qyzmet.identity.models import Person
from qyzmet.payments.iso20022 import (
    Party,
    StatusReport,
    Transfer,
    iban_valid,
    pain001_write,
    pain002_read,
)
from qyzmet.payments.models import (
    BankFile,
    Disbursement,
    OrderStatus,
    PaymentOrder,
    PayoutAccount,
    PayoutAccountSource,
    end_to_end_id,
)
from qyzmet.payments.payout_banks import PayoutBank, TransmitFailed, payout_bank

logger = logging.getLogger("qyzmet.payments")
# Sent in the transaction that makes a person's account primary (``person``): callers
# that pay people waiting for an account make their orders then.
payout_account_changed = Signal()
# Transfers in one bank file: a bank takes files of tens of thousands of payments.
TRANSFERS_PER_FILE = 50_000
READ_BATCH = 5_000  # orders read at a time while a file is written
PAYEE_COLUMNS = ("person_id", "amount", "creditor_name", "iban", "bic")


@dataclass(frozen=True)
class Made:
    """What one call of :func:`payment_orders_make` added."""

    orders: int
    amount: int


def disbursement_open(
    *, code: str, description: str, cap: int, debtor: Party, actor: str
) -> Disbursement:
    """The disbursement ``code``, opened with this cap and paying account if it is new.
    Opening it again returns it; the cap can be raised but never set below what is
    committed (the database holds that too)."""
    with transaction.atomic():
        found, created = Disbursement.objects.select_for_update().get_or_create(
            code=code,
            defaults={
                "description": description, "cap": cap, "debtor_name": debtor.name,
                "debtor_bin": debtor.bin, "debtor_iban": debtor.iban, "debtor_bic": debtor.bic,
            },
        )  # fmt: skip
        if created:
            audit_record(actor=actor, action="payments.disbursement.open",
                         object_type="disbursement", object_id=code, data={"cap": cap})  # fmt: skip
        elif found.cap != cap:
            if cap < found.committed:
                raise Problem(
                    409, _("The budget cannot be less than what is already committed."),
                    code="cap-below-committed",
                )  # fmt: skip
            audit_record(actor=actor, action="payments.disbursement.cap",
                         object_type="disbursement", object_id=code,
                         data={"from": found.cap, "to": cap})  # fmt: skip
            found.cap = cap
            found.save(update_fields=["cap"])
    return found


def payment_orders_make(disbursement: Disbursement, payees: QuerySet[Any]) -> Made:
    """Make a payment order for each payee who has none under ``disbursement`` yet, in
    person order, as long as the budget allows; returns what was added.

    ``payees`` is a ``values_list`` queryset of (person id, amount in tiyn, payee name,
    IBAN, BIC), one row per person. Each order goes straight into an open bank file of its
    bank (one not written yet, with room; new ones are opened as needed), so an order row
    is written once. The disbursement's row is locked meanwhile, so concurrent callers
    take turns and the cap holds. Payees past the cap are left out: call again after
    raising it."""
    select, params = payees.query.get_compiler(connection=connection).as_sql()
    table = PaymentOrder._meta.db_table
    with transaction.atomic():
        locked = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
        left = locked.cap - locked.committed
        with connection.cursor() as cursor:
            # The new orders, numbered within their bank, computed once; then filed.
            cursor.execute(f"DROP TABLE IF EXISTS {NEW_ORDERS}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {NEW_ORDERS} AS"  # noqa: S608 - model names
                f" WITH payees({', '.join(PAYEE_COLUMNS)}) AS ({select}),"
                " candidates AS ("
                "  SELECT p.*, SUM(p.amount) OVER (ORDER BY p.person_id ROWS UNBOUNDED PRECEDING)"
                "   AS running FROM payees p"
                f"  WHERE NOT EXISTS (SELECT 1 FROM {table} o"
                "   WHERE o.disbursement_id = %s AND o.person_id = p.person_id))"
                f" SELECT {', '.join(PAYEE_COLUMNS)},"
                "  ROW_NUMBER() OVER (PARTITION BY bic ORDER BY person_id) AS n"
                " FROM candidates WHERE running <= %s",
                [*params, locked.pk, left],
            )
            cursor.execute(
                f"SELECT bic, COUNT(*), SUM(amount) FROM {NEW_ORDERS} GROUP BY bic ORDER BY bic"  # noqa: S608
            )
            per_bank = [(bic, n, amount) for bic, n, amount in cursor.fetchall()]
            places = _file_places(locked, [(bic, n) for bic, n, _amount in per_bank])
            if places:
                cursor.execute(
                    f"INSERT INTO {table} (disbursement_id, person_id, amount, creditor_name,"  # noqa: S608
                    " iban, bic, status, attempt, reason, created_at, file_id)"
                    " SELECT %s, t.person_id, t.amount, t.creditor_name, t.iban, t.bic, %s, 1,"
                    f" '', %s, f.file_id FROM {NEW_ORDERS} t JOIN ({_places_values(places)}) f"
                    " ON t.bic = f.bic AND t.n BETWEEN f.lo AND f.hi",
                    [locked.pk, OrderStatus.FILED, timezone.now(), *_places_params(places)],
                )
            cursor.execute(f"DROP TABLE {NEW_ORDERS}")
        made = Made(orders=sum(n for _b, n, _a in per_bank),
                    amount=sum(amount for _b, _n, amount in per_bank))  # fmt: skip
        if made.orders:
            Disbursement.objects.filter(pk=locked.pk).update(
                committed=locked.committed + made.amount
            )
    return made


NEW_ORDERS = "payouts_new_orders"  # a temporary table, within one transaction


@dataclass(frozen=True)
class FilePlace:
    """Orders number ``lo`` to ``hi`` (within their bank, from 1) go to ``file_id``."""

    bic: str
    lo: int
    hi: int
    file_id: int


def _file_places(disbursement: Disbursement, per_bank: list[tuple[str, int]]) -> list[FilePlace]:
    """Room in open bank files for ``count`` new orders of each bank: first the bank's open
    file (not written yet), then new files of TRANSFERS_PER_FILE. The caller holds the
    disbursement's row, and each open file's row is locked here: a file being written
    meanwhile is waited for, and no longer open once it is."""
    per_file = TRANSFERS_PER_FILE
    places: list[FilePlace] = []
    for bic, count in per_bank:
        placed = 0
        open_file = (
            BankFile.objects.select_for_update()
            .filter(disbursement=disbursement, bic=bic, content_sha256="", transfers__lt=per_file)
            .order_by("-pk")
            .first()
        )
        while placed < count:
            file = open_file or _file_open(disbursement, bic)
            open_file = None
            taking = min(per_file - file.transfers, count - placed)
            places.append(FilePlace(bic, placed + 1, placed + taking, file.pk))
            BankFile.objects.filter(pk=file.pk).update(transfers=F("transfers") + taking)
            placed += taking
    return places


def _file_open(disbursement: Disbursement, bic: str) -> BankFile:
    created_at = timezone.now()
    return BankFile.objects.create(
        disbursement=disbursement, message_id=_message_id(created_at), bic=bic, transfers=0,
        control_sum=0, created_at=created_at, content_sha256="",
    )  # fmt: skip


def _places_values(places: list[FilePlace]) -> str:
    """The places as a table (bic, lo, hi, file_id), in SQL both databases read."""
    row = "SELECT %s AS bic, %s AS lo, %s AS hi, %s AS file_id"
    return " UNION ALL ".join([row] * len(places))


def _places_params(places: list[FilePlace]) -> list[Any]:
    return [value for p in places for value in (p.bic, p.lo, p.hi, p.file_id)]


def _debtor(disbursement: Disbursement) -> Party:
    return Party(name=disbursement.debtor_name, iban=disbursement.debtor_iban,
                 bic=disbursement.debtor_bic, bin=disbursement.debtor_bin)  # fmt: skip


def _waiting_orders_file(disbursement: Disbursement) -> None:
    """Orders waiting for a bank file (made again after a rejection or a new account)
    join open files, as new orders do."""
    table = PaymentOrder._meta.db_table
    with transaction.atomic():
        locked = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
        waiting = PaymentOrder.objects.filter(disbursement=locked, file__isnull=True)
        per_bank = list(waiting.order_by("bic").values_list("bic").annotate(n=Count("id")))
        places = _file_places(locked, per_bank)
        if not places:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET file_id = f.file_id, status = %s FROM ("  # noqa: S608
                f" SELECT id, bic, ROW_NUMBER() OVER (PARTITION BY bic ORDER BY id) AS n"
                f" FROM {table} WHERE disbursement_id = %s AND file_id IS NULL) t"
                f" JOIN ({_places_values(places)}) f ON t.bic = f.bic AND t.n BETWEEN f.lo AND f.hi"
                f" WHERE {table}.id = t.id",
                [OrderStatus.FILED, locked.pk, *_places_params(places)],
            )


def bank_file_next(disbursement: Disbursement) -> BankFile | None:
    """Write the oldest open bank file of ``disbursement`` (a pain.001 of its orders, kept in
    the blob store), after the orders waiting for a file have joined one; None when no
    file is open. A file another transaction is writing is skipped, so runs side by side
    never write a file twice; once written, a file takes no more orders."""
    _waiting_orders_file(disbursement)
    with transaction.atomic():
        file = (
            BankFile.objects.select_for_update(skip_locked=True)
            .filter(disbursement=disbursement, content_sha256="")
            .order_by("pk")
            .first()
        )
        if file is None:
            return None
        totals = PaymentOrder.objects.filter(file=file).aggregate(n=Count("id"), sum=Sum("amount"))
        file.transfers, file.control_sum = totals["n"], totals["sum"] or 0
        content = io.BytesIO()
        pain001_write(
            content, message_id=file.message_id, created_at=file.created_at,
            execution_date=timezone.localdate(), debtor=_debtor(disbursement),
            transfers=_transfers(file, disbursement), count=file.transfers,
            control_sum=file.control_sum,
        )  # fmt: skip
        file.content_sha256 = blob_store().put(content.getvalue())
        file.save(update_fields=["transfers", "control_sum", "content_sha256"])
    return file


def _message_id(at: datetime) -> str:
    return f"QZ{at:%Y%m%d}{uuid.uuid4().hex[:20].upper()}"


def _transfers(file: BankFile, disbursement: Disbursement) -> Iterator[Transfer]:
    remittance = disbursement.description
    last = 0
    while True:
        batch = list(
            PaymentOrder.objects.filter(file=file, pk__gt=last)
            .order_by("pk")
            .values_list("pk", "attempt", "amount", "creditor_name", "iban", "bic")[:READ_BATCH]
        )
        for pk, attempt, amount, name, iban, bic in batch:
            yield Transfer(end_to_end_id=end_to_end_id(pk, attempt), amount=amount,
                           creditor_name=name, creditor_iban=iban, creditor_bic=bic,
                           remittance=remittance)  # fmt: skip
        if len(batch) < READ_BATCH:
            return
        last = batch[-1][0]


def bank_file_content(file: BankFile) -> bytes:
    return blob_store().get(file.content_sha256)


def bank_files_transmit(
    disbursement: Disbursement, *, sent: Callable[[BankFile], None] | None = None
) -> int:
    """Send every written file not sent yet, until the bank fails to take one (it is down:
    the rest wait for the next try); how many were sent. A file sent again after a crash
    is recognised by the bank by its message id and answered once. ``sent`` is called
    after the bank took a file, before that is recorded (the crash tests use it)."""
    count = 0
    bank = payout_bank()
    for file_id in list(bank_files_unsent(disbursement).values_list("pk", flat=True)):
        try:
            if _transmit_one(bank, file_id, sent):
                count += 1
        except TransmitFailed as failed:
            logger.warning("bank file %s not taken by the bank, will retry: %s", file_id, failed)
            break
    return count


def _transmit_one(bank: PayoutBank, file_id: int, sent: Callable[[BankFile], None] | None) -> bool:
    """Send one file while holding its row: two processes never send it at once."""
    with transaction.atomic():
        file = (
            BankFile.objects.select_for_update(skip_locked=True)
            .filter(pk=file_id, transmitted_at__isnull=True)
            .first()
        )
        if file is None:  # sent meanwhile, or being sent by another process
            return False
        bank.transmit(name=f"{file.message_id}.xml", content=bank_file_content(file))
        if sent is not None:
            sent(file)
        file.transmitted_at = timezone.now()
        file.save(update_fields=["transmitted_at"])
    return True


def bank_files_unsent(disbursement: Disbursement) -> QuerySet[BankFile]:
    waiting = BankFile.objects.filter(disbursement=disbursement, transmitted_at__isnull=True)
    return waiting.exclude(content_sha256="").order_by("pk")


def bank_reports_apply() -> int:
    """Read the banks' status reports not read yet and settle the orders they report on:
    rejected ones with the bank's reason, the rest of the file paid. Each report is
    applied once, in one transaction with the record that it was; how many were."""
    applied = 0
    known = set(BankFile.objects.exclude(report_name=None).values_list("report_name", flat=True))
    for name, content in payout_bank().status_reports():
        if name in known:
            continue
        try:
            report = pain002_read(content)
        except ValueError as unreadable:  # not final yet, or not a report: read it next time
            logger.warning("status report %s not applied: %s", name, unreadable)
            continue
        if _report_apply(name, report):
            applied += 1
    return applied


# Reasons that are about the person's account: the order waits for them to give another.
# Any other refusal (a technical one, a whole file refused) is tried again by itself.
ACCOUNT_REASONS = frozenset({"AC01", "AC03", "AC04", "AC06", "AC13", "BE01", "MD07"})
DUPLICATE_MESSAGE = "DU01"  # the bank already has this file: its first answer stands
MAX_AUTOMATIC_ATTEMPTS = 3


@transaction.atomic
def _report_apply(name: str, report: StatusReport) -> bool:
    if report.group_status == "RJCT" and report.reason == DUPLICATE_MESSAGE:
        logger.info("status report %s: the bank already had that file; not applied", name)
        return False
    file = (
        BankFile.objects.select_for_update()
        .filter(message_id=report.original_message_id, report_name=None)
        .first()
    )
    if file is None:  # applied meanwhile, or about no file of ours
        return False
    for status in report.transactions:
        order = _order_of(status.end_to_end_id)
        if status.accepted or order is None:
            if order is None:
                logger.warning("status report %s names %r, no order of ours",
                               name, status.end_to_end_id)  # fmt: skip
            continue
        order_id, attempt = order
        _refused(PaymentOrder.objects.filter(pk=order_id, attempt=attempt, file=file,
                                             status=OrderStatus.FILED), status.reason)  # fmt: skip
    # The transfers a report does not list take the report's group status.
    unlisted = PaymentOrder.objects.filter(file=file, status=OrderStatus.FILED)
    if report.unlisted_accepted:
        unlisted.update(status=OrderStatus.PAID)
    else:  # the whole file refused (a wrong control sum, say): the group's reason
        _refused(unlisted, report.reason)
    file.report_name, file.reported_at = name, timezone.now()
    file.group_status = report.group_status
    file.rejected = PaymentOrder.objects.filter(file=file, status=OrderStatus.REJECTED).count()
    file.save(update_fields=["report_name", "reported_at", "group_status", "rejected"])
    audit_record(actor="system", action="payments.bank-report", object_type="bank-file",
                 object_id=file.message_id,
                 data={"report": name, "group_status": report.group_status,
                       "rejected": file.rejected})  # fmt: skip
    return True


def _refused(orders: QuerySet[PaymentOrder], reason: str) -> None:
    """Orders a bank refused: about the account, they wait for the person to give another;
    otherwise they go out again as the next attempt, a few times, then wait as well."""
    reason = reason[:4]
    if reason in ACCOUNT_REASONS:
        orders.update(status=OrderStatus.REJECTED, reason=reason)
        return
    orders.filter(attempt__gte=MAX_AUTOMATIC_ATTEMPTS).update(
        status=OrderStatus.REJECTED, reason=reason
    )
    orders.filter(attempt__lt=MAX_AUTOMATIC_ATTEMPTS).update(
        status=OrderStatus.CREATED, file=None, attempt=F("attempt") + 1, reason=""
    )


def _order_of(end_to_end: str) -> tuple[int, int] | None:
    order, _sep, attempt = end_to_end.removeprefix("Q").partition("-")
    if not (order.isdigit() and attempt.isdigit()):
        return None
    return int(order), int(attempt)


def payout_account_set(*, person: Person, iban: str, bic: str, actor: str) -> PayoutAccount:
    """Make ``iban`` the person's primary payout account, and send again every order of
    theirs a bank rejected (as a new attempt, to this account)."""
    iban = iban.replace(" ", "").upper()
    if not iban_valid(iban):
        raise Problem(422, _("This is not a valid IBAN."), code="iban-invalid")
    with transaction.atomic():
        PayoutAccount.objects.filter(person=person, primary=True).exclude(iban=iban).update(
            primary=False
        )
        account, _created = PayoutAccount.objects.update_or_create(
            person=person, iban=iban,
            defaults={"bic": bic, "primary": True, "source": PayoutAccountSource.PERSON},
        )  # fmt: skip
        audit_record(actor=actor, action="payments.payout-account", object_type="person",
                     object_id=person.iin, data={"iban": iban, "bic": bic})  # fmt: skip
        for order in PaymentOrder.objects.select_for_update().filter(
            person=person, status=OrderStatus.REJECTED
        ):
            _reissue(order, account, actor=actor)
        payout_account_changed.send(sender=PayoutAccount, person=person)
    return account


def _reissue(order: PaymentOrder, account: PayoutAccount, *, actor: str) -> None:
    audit_record(actor=actor, action="payments.order.reissue", object_type="payment-order",
                 object_id=str(order),
                 data={"reason": order.reason, "iban": account.iban})  # fmt: skip
    order.iban, order.bic, order.attempt = account.iban, account.bic, order.attempt + 1
    order.status, order.file, order.reason = OrderStatus.CREATED, None, ""
    order.save(update_fields=["iban", "bic", "attempt", "status", "file", "reason"])


@dataclass(frozen=True)
class Totals:
    """Reconciliation of one disbursement: orders and money per status."""

    cap: int
    committed: int
    by_status: dict[str, tuple[int, int]]  # status -> (orders, tiyn)

    @property
    def paid(self) -> int:
        return self.by_status.get(OrderStatus.PAID, (0, 0))[1]


def disbursement_totals(disbursement: Disbursement) -> Totals:
    rows = (
        PaymentOrder.objects.filter(disbursement=disbursement)
        .order_by()
        .values("status")
        .annotate(n=Count("id"), amount=Sum("amount"))
    )
    fresh = Disbursement.objects.get(pk=disbursement.pk)
    return Totals(
        cap=fresh.cap,
        committed=fresh.committed,
        by_status={r["status"]: (r["n"], r["amount"] or 0) for r in rows},
    )
