"""Synthetic payout accounts for a generated population: the accounts the state already
pays pensions and benefits into, at a handful of made-up banks (demo, tests, benches)."""

from __future__ import annotations

import random

from django.db import connection, transaction

from qyzmet.payments.iso20022 import kz_iban
from qyzmet.payments.models import PayoutAccount, PayoutAccountSource

# (bank code, BIC, name): synthetic banks of the simulator.
BANKS = (
    ("101", "DALAKZKA", "Dala Bank"),
    ("102", "ORDAKZKA", "Orda Bank"),
    ("103", "ALTNKZKA", "Altyn Bank"),
    ("104", "SAKAKZKA", "Saka Bank"),
    ("105", "KOKTKZKA", "Koktem Bank"),
)
BATCH = 10_000


SQL_CHUNK = 1_000_000  # person ids one statement covers (PostgreSQL)


def payout_accounts_generate(*, share: float = 0.9, seed: int = 1) -> int:
    """Give ``share`` of the people in the population register who have no payout account
    one, at a bank picked at random (reproducibly, by ``seed``); how many were added.
    On PostgreSQL in set-based statements (a population of millions), elsewhere in Python."""
    if connection.vendor == "postgresql":
        return _generate_in_sql(share, seed)
    from qyzmet.registries.models import PopulationRecord

    chance = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by seed
    added, last = 0, 0
    while True:
        people = list(
            PopulationRecord.objects.filter(person_id__gt=last)
            .exclude(person__payout_accounts__isnull=False)
            .order_by("person_id")
            .values_list("person_id", flat=True)[:BATCH]
        )
        if not people:
            return added
        last = people[-1]
        accounts = []
        for person_id in people:
            if chance.random() >= share:
                continue
            code, bic, _name = chance.choice(BANKS)
            accounts.append(PayoutAccount(
                person_id=person_id, iban=kz_iban(code, f"{person_id:013d}"), bic=bic,
                primary=True, source=PayoutAccountSource.KNOWN,
            ))  # fmt: skip
        with transaction.atomic():
            PayoutAccount.objects.bulk_create(accounts, batch_size=2_000)
        added += len(accounts)


def _generate_in_sql(share: float, seed: int) -> int:
    """The same accounts as the Python path's kind (not the same picks): the bank and
    whether one has an account come from a hash of the person id and the seed; the IBAN's
    check digits are computed by the database (ISO 13616: the bank code and account, then
    "KZ00" as 203500, mod 97)."""
    from qyzmet.registries.models import PopulationRecord

    banks = ", ".join(f"({i}, '{code}', '{bic}')" for i, (code, bic, _name) in enumerate(BANKS))
    last = PopulationRecord.objects.order_by("-person_id").values_list("person_id", flat=True)
    high = last.first() or 0
    added = 0
    for low in range(0, high + 1, SQL_CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO payments_payoutaccount"  # noqa: S608 - the banks are our constants
                ' (person_id, iban, bic, "primary", source, created_at)'
                " SELECT r.person_id, 'KZ' || lpad((98 - ((b.code"
                "   || lpad(r.person_id::text, 13, '0') || '203500')::numeric %% 97))::text,"
                "   2, '0')"
                "   || b.code || lpad(r.person_id::text, 13, '0'), b.bic, true, %s, now()"
                " FROM registries_populationrecord r"
                f" JOIN (VALUES {banks}) AS b(slot, code, bic)"
                "   ON b.slot = (r.person_id * 7 + %s) %% %s"
                " WHERE r.person_id >= %s AND r.person_id < %s"
                "   AND (r.person_id * 2654435761 + %s) %% 1000 < %s"
                "   AND NOT EXISTS (SELECT 1 FROM payments_payoutaccount a"
                "                    WHERE a.person_id = r.person_id)",
                [PayoutAccountSource.KNOWN, seed, len(BANKS), low, low + SQL_CHUNK, seed,
                 int(share * 1000)],
            )  # fmt: skip
            added += max(cursor.rowcount, 0)
    return added


def bank_of(bic: str) -> str:
    """The simulator bank's name, for pages and messages."""
    return next((name for _code, b, name in BANKS if b == bic), bic)
