"""A mass programme at national scale: the emergency payment run over a generated
population, stage by stage, against a raw COPY of as many payment orders.

    .venv/bin/python bench/programme.py --persons 20000000 [--database qyzmet_bench_programme]

Works on a PostgreSQL database holding a generated population (``qyzmet registry
generate``) on the server QYZMET_DATABASE_URL names (default postgres@127.0.0.1:5432): the
bench creates it, migrates it and generates --persons people when it holds none (a
stopped generation resumes) and keeps it for the next run (unless --drop). It gives 90% of
the people a payout account at one of five simulated banks (set-based), publishes the
shipped catalogue and rules, loads the shipped programmes, and starts every measured run
from no offers, orders or bank files.

Then it runs ``emergency-2020`` as ``qyzmet programme run`` does: eligibility (the
set-based rule), offers, payment orders (one ``INSERT ... SELECT`` a chunk, within the
budget, each order straight into an open bank file of its bank), writing the bank files
(pain.001.001.09, one bank each, 50,000 transfers at most), sending
them to the bank simulator and reading its pain.002 answers. It prints each stage's time,
the whole run's, the orders and files made; then it COPYs the same number of rows, built
in memory beforehand, into a table made ``LIKE payments_paymentorder INCLUDING ALL``
(same indexes), in the same session.

The last line is the ratio of the order stage's time to that COPY's (target at most 3);
the whole run's target is under 10 minutes on 2 cores for 20 million people.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import struct
import sys
import time
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from populations import (
    database_ensure,
    django_setup,
    generation_finished,
    population_generate_here,
)
from scratch_databases import drop, with_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qyzmet"
EMERGENCY = "emergency-2020"
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # binary COPY counts timestamps from here


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="qyzmet_bench_programme")
    parser.add_argument("--persons", type=int, help="generate this many if there are none")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--on", type=date.fromisoformat,
                        help="decide on this day (default: the generation's month)")  # fmt: skip
    parser.add_argument("--drop", action="store_true", help="drop the database if made here")
    args = parser.parse_args()

    server_url = os.environ.get("QYZMET_DATABASE_URL") or DEFAULT_URL
    if urlsplit(server_url).scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/programme.py measures PostgreSQL: set QYZMET_DATABASE_URL to one")
    bench_url = with_database(server_url, args.database)
    admin_url = with_database(server_url, "postgres")
    created = database_ensure(admin_url, args.database, args.persons)
    django_setup(bench_url, home_prefix="qyzmet-bench-programme-")
    home = os.environ["QYZMET_HOME"]
    try:
        if not generation_finished(bench_url):
            if args.persons is None:
                sys.exit(f"{args.database} holds no finished generation: pass --persons N")
            population_generate_here(args.persons, args.seed)
        _prepare(args.seed)
        ratio = _bench(args.on)
    finally:
        shutil.rmtree(home, ignore_errors=True)  # the bank files and the simulator's state
        if created and args.drop:
            drop(admin_url, args.database)
    print(f"ratio {ratio:.2f}")


def _prepare(seed: int) -> None:
    from django.core.management import call_command

    from qyzmet.catalog.services import catalogue_publish_shipped
    from qyzmet.payments.generator import payout_accounts_generate
    from qyzmet.payments.models import PayoutAccount
    from qyzmet.programmes.services import programmes_load
    from qyzmet.trust.authority import trust_init

    call_command("migrate", verbosity=0, interactive=False)
    trust_init()
    catalogue_publish_shipped(actor="bench")
    if not PayoutAccount.objects.exists():
        started = time.perf_counter()
        added = payout_accounts_generate(share=0.9, seed=seed)
        print(f"payout accounts: {added:,} in {time.perf_counter() - started:.0f} s")
    programmes_load(actor="bench")
    _reset()


def _reset() -> None:
    """No offers, orders, files or runs of the programme: every run starts alike."""
    from django.db import connection

    from qyzmet.programmes.services import programme_get

    programme = programme_get(EMERGENCY)
    with connection.cursor() as cursor:
        for sql in (
            "DELETE FROM programmes_programmerun WHERE programme_id = %(p)s",
            "DELETE FROM programmes_offer WHERE programme_id = %(p)s",
            "TRUNCATE payments_paymentorder",
            "DELETE FROM payments_bankfile WHERE disbursement_id = %(d)s",
            "UPDATE payments_disbursement SET committed = 0 WHERE id = %(d)s",
            "DELETE FROM core_auditentry WHERE action LIKE 'payments.bank-report'",
        ):
            cursor.execute(sql, {"p": programme.pk, "d": programme.disbursement_id})
    with connection.cursor() as cursor:
        for table in ("programmes_offer", "payments_paymentorder", "payments_payoutaccount"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _bench(on: date | None) -> float:
    from qyzmet.payments.models import BankFile, PaymentOrder
    from qyzmet.programmes.services import programme_run
    from qyzmet.registries.models import GenerationRun

    generated = GenerationRun.objects.order_by("-pk").values_list("started_at", flat=True)
    first = generated.first()
    day = on or (first.date().replace(day=1) if first else date.today())  # noqa: DTZ011
    stages: dict[str, float] = {}

    def say(line: str) -> None:
        print(f"  {line}", flush=True)
        stage, _, rest = line.partition(": done in ")
        if rest:
            stages[stage] = float(rest.split(" s")[0])

    print(f"running {EMERGENCY} on {day}:")
    started = time.perf_counter()
    programme_run(EMERGENCY, on=day, say=say)
    whole = time.perf_counter() - started
    orders = PaymentOrder.objects.count()
    files = BankFile.objects.count()
    print(f"whole run: {whole:.1f} s ({whole / 60:.1f} min); {orders:,} payment orders, "
          f"{files:,} bank files")  # fmt: skip
    copy_seconds = _raw_copy(orders)
    print(f"raw COPY of {orders:,} rows like payment orders: {copy_seconds:.1f} s")
    print(f"orders stage {stages.get('orders', 0):.1f} s")
    return stages.get("orders", 0.0) / copy_seconds if copy_seconds else 0.0


def _raw_copy(rows: int) -> float:
    """COPY ``rows`` payment-order rows (binary, built beforehand) into a table with the
    payment orders' columns and indexes; the seconds the COPY took."""
    from django.db import connection as django_connection

    stream = _binary_rows(rows)
    with django_connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_orders")
        cursor.execute("CREATE TABLE bench_raw_orders (LIKE payments_paymentorder INCLUDING ALL)")
        raw = cursor.cursor
        started = time.perf_counter()
        with raw.copy(
            "COPY bench_raw_orders (id, disbursement_id, person_id, amount, creditor_name,"
            " iban, bic, status, attempt, reason, created_at) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.write(stream)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_orders")
    return seconds


def _binary_rows(rows: int) -> bytes:
    """PostgreSQL's binary COPY format: a header, then per row the field count and each
    field as length and bytes; the same shapes the order stage writes."""
    out = io.BytesIO()
    out.write(b"PGCOPY\n\xff\r\n\0" + struct.pack("!ii", 0, 0))
    created = int((datetime(2026, 1, 1, tzinfo=UTC) - PG_EPOCH).total_seconds() * 1_000_000)
    name = b"AIGERIM BEKOVA"
    status, bic = b"created", b"DALAKZKA"
    for row in range(1, rows + 1):
        iban = f"KZ00101{row:013d}".encode()
        out.write(struct.pack("!h", 11))
        out.write(struct.pack("!iq", 8, row))  # id
        out.write(struct.pack("!iq", 8, 1))  # disbursement
        out.write(struct.pack("!iq", 8, row))  # person
        out.write(struct.pack("!iq", 8, 4_250_000))  # amount
        out.write(struct.pack("!i", len(name)) + name)
        out.write(struct.pack("!i", len(iban)) + iban)
        out.write(struct.pack("!i", len(bic)) + bic)
        out.write(struct.pack("!i", len(status)) + status)
        out.write(struct.pack("!ih", 2, 1))  # attempt
        out.write(struct.pack("!i", 0))  # reason ''
        out.write(struct.pack("!iq", 8, created))
    out.write(struct.pack("!h", -1))
    return out.getvalue()


if __name__ == "__main__":
    main()
