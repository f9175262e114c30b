"""Synthetic payout accounts for a generated population: the accounts the state already
pays pensions and benefits into, at a handful of made-up banks (demo, tests, benches)."""

from __future__ import annotations

import random

from django.db import transaction

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


def payout_accounts_generate(*, share: float = 0.9, seed: int = 1) -> int:
    """Give ``share`` of the people in the population register who have no payout account
    one, at a bank picked at random (reproducibly, by ``seed``); how many were added."""
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


def bank_of(bic: str) -> str:
    """The simulator bank's name, for pages and messages."""
    return next((name for _code, b, name in BANKS if b == bic), bic)
