"""The simulated bank's payment page, a real provider plugged in by its dotted path, and
the address where a provider's notifications arrive."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from pytest_django import Settings

from qyzmet.core.models import AuditEntry
from qyzmet.payments.models import FeePayment, FeeStatus
from qyzmet.payments.providers import Notification, NotificationRejected, SimulatedBank
from qyzmet.payments.selectors import fee_is_paid
from qyzmet.payments.services import fee_request
from tests.api.problems import assert_problem
from tests.conftest import Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

PURPOSE = "case:0192f3a4-5b6c-7d8e-9f00-aabbccddeeff"
NOTIFY = "/payments/provider/notify"


def _request(persona: Persona, *, return_url: str = "/my/cases/") -> FeePayment:
    assert persona.person is not None
    return fee_request(
        purpose=PURPOSE,
        payer=persona.person,
        amount=1_380_00,
        description="Replacement of an identity card",
        return_url=return_url,
        actor="test",
    )


def _bank(language: str = "en") -> Client:
    """A browser at the bank's page: not logged in to qyzmet, and CSRF is enforced."""
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _path(payment: FeePayment) -> str:
    return urlsplit(payment.pay_url).path


def _form_token(page: Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


def _press(client: Client, payment: FeePayment, decision: str) -> Response:
    page = client.get(_path(payment))
    assert page.status_code == 200
    return client.post(
        _path(payment), {"csrfmiddlewaretoken": _form_token(page), "decision": decision}
    )


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("language", "amount"),
    [("kk", "1\u00a0380,00"), ("ru", "1\u00a0380,00"), ("en", "1,380.00")],
)
def test_the_page_shows_the_amount_and_the_description(
    citizen_a: Persona, language: str, amount: str
) -> None:
    payment = _request(citizen_a)
    page = _bank(language).get(_path(payment))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert f'<html lang="{language}">' in text
    assert amount in text
    assert "Replacement of an identity card" in text
    assert 'name="decision" value="pay"' in text
    assert 'name="decision" value="decline"' in text
    assert "<script" not in text
    assert FeePayment.objects.get().status == FeeStatus.REQUESTED  # looking pays nothing


@pytest.mark.smoke
def test_pay_on_the_page_marks_it_paid_and_returns_to_the_service(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    response = _press(_bank(), payment, "pay")
    assert response.status_code == 302
    assert response["Location"] == "/my/cases/"
    assert fee_is_paid(PURPOSE)
    entry = AuditEntry.objects.get(action="payments.fee.paid")
    assert entry.actor == "simulator:bank"
    # Paid: the page no longer offers to pay.
    page = _bank().get(_path(payment))
    assert 'value="pay"' not in page.content.decode()


def test_decline_on_the_page_then_pay_after_asking_again(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    assert _press(_bank(), payment, "decline").status_code == 302
    assert FeePayment.objects.get().status == FeeStatus.FAILED
    # The old page is gone with its reference; the new one takes the payment.
    again = _request(citizen_a)
    assert _bank().get(_path(payment)).status_code == 404
    assert _press(_bank(), again, "pay")["Location"] == "/my/cases/"
    assert fee_is_paid(PURPOSE)


@pytest.mark.parametrize(
    "return_url",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil", "", "my"],
)
def test_a_return_address_off_this_site_is_not_followed(
    citizen_a: Persona, return_url: str
) -> None:
    payment = _request(citizen_a, return_url=return_url)
    response = _press(_bank(), payment, "pay")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="outcome"' in text
    assert "evil" not in text
    assert fee_is_paid(PURPOSE)


def test_a_post_without_the_csrf_token_is_refused(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    response = _bank().post(_path(payment), {"decision": "pay"})
    assert response.status_code == 403
    assert not fee_is_paid(PURPOSE)


def test_a_post_without_a_decision_changes_nothing(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    response = _press(_bank(), payment, "maybe")
    assert response.status_code == 400
    assert FeePayment.objects.get().status == FeeStatus.REQUESTED


def test_paying_twice_on_the_page_is_refused(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    client = _bank()
    page = client.get(_path(payment))
    token = _form_token(page)
    first = client.post(_path(payment), {"csrfmiddlewaretoken": token, "decision": "pay"})
    second = client.post(_path(payment), {"csrfmiddlewaretoken": token, "decision": "decline"})
    assert (first.status_code, second.status_code) == (302, 409)
    assert FeePayment.objects.get().status == FeeStatus.PAID
    assert AuditEntry.objects.filter(action__startswith="payments.fee.").count() == 2


def test_an_unknown_reference_has_no_page(db: None) -> None:
    for reference in ["sim_nobody", "nobody"]:
        assert _bank().get(f"/simulators/bank/pay/{reference}/").status_code == 404


# --- a real provider --------------------------------------------------------------------


class OtherBank:
    """A stand-in for a deployment's provider adapter (outside qyzmet, so not mocked code)."""

    def create(self, payment: FeePayment) -> tuple[str, str]:
        return f"OB-{payment.public_id}", f"https://pay.bank.example/{payment.public_id}"

    def notification_verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        if headers.get("X-Other-Bank") != "genuine":
            raise NotificationRejected("not from the bank")
        reference, _, outcome = body.decode().partition(" ")
        return Notification(reference=reference, paid=outcome == "paid")


@pytest.fixture
def other_bank(settings: Settings) -> None:
    settings.QYZMET_PAYMENT_PROVIDER = f"{__name__}.OtherBank"


def test_a_configured_provider_is_used_and_the_simulator_is_off(
    citizen_a: Persona, settings: Settings
) -> None:
    simulated = _request(citizen_a)  # asked while the simulator was the provider
    settings.QYZMET_PAYMENT_PROVIDER = f"{__name__}.OtherBank"
    assert _bank().get(_path(simulated)).status_code == 404

    assert citizen_a.person is not None
    payment = fee_request(
        purpose="case:other", payer=citizen_a.person, amount=500_00, description="x", actor="t"
    )
    assert payment.provider_reference == f"OB-{payment.public_id}"
    assert payment.pay_url == f"https://pay.bank.example/{payment.public_id}"
    assert _bank().get(f"/simulators/bank/pay/{payment.provider_reference}/").status_code == 404


def test_the_providers_notification_records_the_payment(
    citizen_a: Persona, other_bank: None
) -> None:
    payment = _request(citizen_a)
    body = f"{payment.provider_reference} paid"
    forged = Client().post(NOTIFY, body, content_type="text/plain")
    assert_problem(forged, 400)
    assert not fee_is_paid(PURPOSE)

    for _ in range(2):  # providers resend until answered: the second changes nothing
        response = Client().post(
            NOTIFY, body, content_type="text/plain", headers={"X-Other-Bank": "genuine"}
        )
        assert response.status_code == 200
        assert response.json() == {"reference": payment.provider_reference, "status": "paid"}
    assert AuditEntry.objects.filter(action="payments.fee.paid").count() == 1


def test_a_notification_about_an_unknown_payment_is_a_404(other_bank: None) -> None:
    response = Client().post(
        NOTIFY, "OB-nobody paid", content_type="text/plain", headers={"X-Other-Bank": "genuine"}
    )
    assert_problem(response, 404)


def test_the_simulated_banks_notifications_are_signed(citizen_a: Persona) -> None:
    payment = _request(citizen_a)
    body, headers = SimulatedBank.notification_body(payment.provider_reference, paid=False)
    tampered = body.replace(b"false", b"true")
    assert_problem(Client().post(NOTIFY, tampered, "application/json", headers=headers), 400)
    assert FeePayment.objects.get().status == FeeStatus.REQUESTED

    response = Client().post(NOTIFY, body, "application/json", headers=headers)
    assert response.json()["status"] == "failed"
    assert Client().get(NOTIFY).status_code == 405
