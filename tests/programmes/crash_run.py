"""A programme run in a process of its own, for the crash test (``python -m
tests.programmes.crash_run setup|run [STAGE:WHERE:N]``, against the database and home the
environment names).

``setup`` migrates, generates a population with payout accounts, publishes the catalogue
and loads the programmes; closes three eligible people's accounts at the bank simulator
(so some payments are rejected) and sets the emergency payment's budget four payments
short of everyone (so the cap binds). ``run`` runs or resumes the emergency programme in
small chunks and files, and with ``STAGE:WHERE:N`` kills itself with SIGKILL at the N-th
time the run passes that checkpoint (see ``programme_run``).
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import date

PERSONS = 300
EMERGENCY = "emergency-2020"


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qyzmet.settings")
    django.setup()
    if argv[0] == "setup":
        setup()
    else:
        run(argv[1] if len(argv) > 1 else "")


def _on() -> date:
    from django.utils import timezone

    return timezone.localdate().replace(day=1)


def setup() -> None:
    from django.core.management import call_command

    from qyzmet.catalog.services import catalogue_publish_shipped
    from qyzmet.payments.generator import payout_accounts_generate
    from qyzmet.payments.models import Disbursement, PayoutAccount
    from qyzmet.payments.payout_banks import simulator_close_account
    from qyzmet.programmes.services import definition_of, programme_get, programmes_load
    from qyzmet.registries.generator.run import population_generate
    from qyzmet.rules.checker import rule_check
    from qyzmet.rules.population import eligible_population

    call_command("migrate", verbosity=0, interactive=False)
    population_generate(persons=PERSONS, seed=5)
    payout_accounts_generate(share=0.9, seed=5)
    catalogue_publish_shipped(actor="test")
    programmes_load(actor="test")
    programme = programme_get(EMERGENCY)
    eligible = eligible_population(rule_check(programme.rule_version.source), on=_on())
    accounts = PayoutAccount.objects.filter(person_id__in=eligible.values("person_id")).order_by(
        "person_id"
    )
    for account in list(accounts)[5::9][:3]:
        simulator_close_account(account.iban)
    amount = definition_of(programme).payment or 0
    Disbursement.objects.filter(pk=programme.disbursement_id).update(
        cap=amount * (accounts.count() - 4)
    )


def run(kill: str) -> None:
    from qyzmet.payments import payouts
    from qyzmet.programmes import services
    from qyzmet.programmes.models import ProgrammeRun

    services.CHUNK_PERSONS = 40
    services.BANK_RETRY_SECONDS = 0.1
    payouts.TRANSFERS_PER_FILE = 15
    stage, where, times = ([*kill.split(":"), "", "", "0"])[:3]
    passed = 0

    def checkpoint(at_stage: str, at: str) -> None:
        nonlocal passed
        if (at_stage, at) == (stage, where):
            passed += 1
            if passed == int(times):
                os.kill(os.getpid(), signal.SIGKILL)

    runs = ProgrammeRun.objects.filter(programme__code=EMERGENCY)
    unfinished = runs.filter(finished_at=None)
    if runs.exists() and not unfinished.exists():
        return  # run through already: nothing to resume
    services.programme_run(
        EMERGENCY, resume=unfinished.exists(), on=_on(), checkpoint=checkpoint,
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
