"""/api/v1/payments: a citizen's own state fees, nobody else's."""

from __future__ import annotations

import pytest
from pytest_django import DjangoAssertNumQueries

from qyzmet.payments.models import FeePayment
from qyzmet.payments.services import fee_request
from qyzmet.payments.simulator import simulated_pay
from tests.api.endpoints import API, Call, send
from tests.api.problems import assert_problem
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

FEES = f"{API}/payments/fees"
SESSION = 6  # what any session request costs before the endpoint runs (test_query_counts)


def _fee(persona: Persona, n: int = 0, amount: int = 4_915_00) -> FeePayment:
    assert persona.person is not None
    return fee_request(
        purpose=f"case:{persona.name}:{n}",
        payer=persona.person,
        amount=amount,
        description=f"Driving licence replacement {n}",
        actor="test",
    )


@pytest.mark.smoke
def test_a_citizen_sees_their_fees_newest_first(citizen_a: Persona, citizen_b: Persona) -> None:
    older, newer = _fee(citizen_a, 1), _fee(citizen_a, 2)
    _fee(citizen_b, 3)
    simulated_pay(older.provider_reference)
    response = citizen_a.client.get(FEES, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.json()
    assert [fee["id"] for fee in body] == [str(newer.public_id), str(older.public_id)]
    awaiting, paid = body
    assert awaiting["amount"] == 4_915_00
    assert awaiting["currency"] == "KZT"
    assert "4,915.00" in awaiting["amount_text"]
    assert awaiting["status"] == "requested"
    assert awaiting["pay_url"] == newer.pay_url
    assert awaiting["purpose"] == newer.purpose
    assert (paid["status"], paid["pay_url"]) == ("paid", None)
    assert paid["paid_at"] is not None


def test_one_fee_is_its_payers_alone(
    citizen_a: Persona, citizen_b: Persona, operator: Persona
) -> None:
    fee = _fee(citizen_a)
    mine = citizen_a.client.get(f"{FEES}/{fee.public_id}")
    assert mine.status_code == 200
    assert mine.json()["id"] == str(fee.public_id)
    for other in (citizen_b, operator):
        assert_problem(other.client.get(f"{FEES}/{fee.public_id}"), 404)
        assert other.client.get(FEES).json() == []


def test_a_token_needs_the_payments_scope(citizen_a: Persona) -> None:
    fee = _fee(citizen_a)
    scoped = citizen_a.token("payments:read")
    unscoped = citizen_a.token("identity:read")
    one = Call("GET", f"{FEES}/{fee.public_id}")
    assert send(citizen_a.client, one, token=scoped).json()["id"] == str(fee.public_id)
    assert_problem(send(citizen_a.client, one, token=unscoped), 404)
    assert send(citizen_a.client, Call("GET", FEES), token=unscoped).json() == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("nope", 422),
        ("123", 422),
        ("00000000-0000-0000-0000-000000000000", 404),
        ("0192f3a4-5b6c-7d8e-9f00-11223344556", 422),
        ("%00", 422),
    ],
)
def test_bad_ids_are_problems(citizen_a: Persona, path: str, status: int) -> None:
    _fee(citizen_a)
    assert_problem(citizen_a.client.get(f"{FEES}/{path}"), status)


def test_anonymous_is_asked_to_log_in(anonymous: Persona) -> None:
    assert_problem(anonymous.client.get(FEES), 401)


def test_the_list_runs_a_fixed_number_of_queries(
    citizen_a: Persona, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(11):
        _fee(citizen_a, n)
    with django_assert_max_num_queries(SESSION + 1):
        response = citizen_a.client.get(FEES)
    assert len(response.json()) == 11
