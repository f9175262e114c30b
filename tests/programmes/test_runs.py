"""A mass programme run in one process: everyone eligible with an account is paid once,
in bank files that validate, with the banks' answers reconciled; the cap holds; a
paused run stops and resumes; a rejected payment is sent again to a corrected account."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from qyzmet.core.errors import Problem
from qyzmet.payments import payouts
from qyzmet.payments.iso20022 import kz_iban
from qyzmet.payments.models import BankFile, OrderStatus, PaymentOrder, PayoutAccount
from qyzmet.payments.payout_banks import simulator_close_account
from qyzmet.programmes.models import Offer, OfferStatus, Programme, Stage
from qyzmet.programmes.selectors import programme_status
from qyzmet.programmes.services import (
    RunPaused,
    definition_of,
    programme_pause,
    programme_run,
)
from qyzmet.rules.checker import rule_check
from qyzmet.rules.population import eligible_population
from tests.payments.test_iso20022 import pain001_xsd
from tests.programmes.conftest import EMERGENCY

pytestmark = pytest.mark.django_db


def _eligible(programme: Programme, on: date) -> set[int]:
    rule = rule_check(programme.rule_version.source)
    return set(eligible_population(rule, on=on).values_list("person_id", flat=True))


def test_everyone_eligible_with_an_account_is_paid_once(
    emergency: Programme, population: date
) -> None:
    closed = PayoutAccount.objects.filter(person_id__in=_eligible(emergency, population)).first()
    assert closed is not None
    simulator_close_account(closed.iban)

    said: list[str] = []
    run = programme_run(EMERGENCY, on=population, say=said.append)

    assert run.stage == Stage.DONE
    assert run.finished_at is not None
    assert [line.split(":")[0] for line in said] == [
        "eligibility",
        "offers",
        "orders",
        "files",
        "transmit",
        "statuses",
    ]
    eligible = _eligible(emergency, population)
    assert len(eligible) > 20, "the population has people to pay"
    offers = Offer.objects.filter(programme=emergency)
    assert set(offers.values_list("person_id", flat=True)) == eligible
    assert set(offers.values_list("status", flat=True)) == {OfferStatus.ACCEPTED}
    with_account = set(
        PayoutAccount.objects.filter(person_id__in=eligible).values_list("person_id", flat=True)
    )
    orders = PaymentOrder.objects.filter(disbursement=emergency.disbursement)
    assert sorted(orders.values_list("person_id", flat=True)) == sorted(with_account)
    amount = definition_of(emergency).payment
    assert set(orders.values_list("amount", flat=True)) == {amount}

    # Bank files: per bank, at most 25 transfers, valid pain.001.001.09, all answered.
    schema = pain001_xsd()
    files = list(BankFile.objects.filter(disbursement=emergency.disbursement))
    assert len(files) >= len(with_account) // 25
    for file in files:
        document = etree.fromstring(payouts.bank_file_content(file))
        assert schema.validate(document), schema.error_log
        assert set(file.orders.values_list("bic", flat=True)) == {file.bic}
        assert file.transfers <= 25
        assert file.report_name
    assert orders.filter(file=None).count() == 0

    # Reconciled: the closed account's order rejected with AC04, every other one paid.
    rejected = orders.get(status=OrderStatus.REJECTED)
    assert (rejected.person_id, rejected.reason) == (closed.person_id, "AC04")
    assert orders.filter(status=OrderStatus.PAID).count() == len(with_account) - 1
    status = programme_status(emergency)
    assert status.money is not None
    assert status.money.paid == amount * (len(with_account) - 1)
    assert status.money.committed == amount * len(with_account)

    # The person gives another account: the order goes again, and is paid.
    payouts.payout_account_set(person=rejected.person, iban=kz_iban("102", "9" * 13),
                               bic="ORDAKZKA", actor="test")  # fmt: skip
    rejected.refresh_from_db()
    assert (rejected.status, rejected.attempt, rejected.file) == (OrderStatus.CREATED, 2, None)
    from qyzmet.programmes.services import payouts_advance

    payouts_advance()
    rejected.refresh_from_db()
    assert (rejected.status, rejected.iban) == (OrderStatus.PAID, kz_iban("102", "9" * 13))
    assert orders.count() == len(with_account), "nobody gets a second order"


def test_the_budget_cap_holds(emergency: Programme, population: date) -> None:
    amount = definition_of(emergency).payment
    assert amount is not None
    assert emergency.disbursement is not None
    emergency.disbursement.cap = amount * 7 + amount // 2
    emergency.disbursement.save(update_fields=["cap"])

    programme_run(EMERGENCY, on=population)

    orders = PaymentOrder.objects.filter(disbursement=emergency.disbursement)
    assert orders.count() == 7
    emergency.disbursement.refresh_from_db()
    assert emergency.disbursement.committed == amount * 7


def test_a_paused_run_stops_and_resumes(emergency: Programme, population: date) -> None:
    programme_pause(EMERGENCY, paused=True, actor="test")
    with pytest.raises(RunPaused):
        programme_run(EMERGENCY, on=population)
    with pytest.raises(Problem) as open_run:
        programme_run(EMERGENCY, on=population)
    assert open_run.value.code == "run-open"

    programme_pause(EMERGENCY, paused=False, actor="test")
    run = programme_run(EMERGENCY, resume=True)
    assert run.stage == Stage.DONE
    assert PaymentOrder.objects.filter(disbursement=emergency.disbursement).exists()
