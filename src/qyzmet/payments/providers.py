"""Payment providers: the bank or payment gateway that takes the citizen's money.

A provider is a class with two methods (:class:`PaymentProvider`). ``create`` registers a
payment with the provider and answers with the provider's reference for it and the page
where the payer pays; ``notification_verify`` checks that a notification the provider
sent about a payment is authentic and says what it reports. The setting
``QYZMET_PAYMENT_PROVIDER`` names the class by its dotted path; empty means the local
simulator (:class:`SimulatedBank`), whose payment page is served by qyzmet itself under
``/simulators/bank/pay/<reference>/``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from qyzmet.payments.models import FeePayment


@dataclass(frozen=True)
class Notification:
    """What a provider reports about one payment."""

    reference: str
    paid: bool  # False: the payer declined or the payment failed


class NotificationRejected(Exception):
    """A notification that is not authentic or not understood: nothing is recorded."""


class PaymentProvider(Protocol):
    def create(self, payment: FeePayment) -> tuple[str, str]:
        """Register the payment; returns (provider reference, URL of the payment page).

        Called inside the transaction that records the request, so keep it to one quick
        call. ``payment.return_url`` is where the page should send the payer back."""
        ...

    def notification_verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """The notification the provider sent to ``/payments/provider/notify``, checked
        (signature, sender) before anything is believed; raises NotificationRejected."""
        ...


SIMULATOR_PREFIX = "sim_"
SIMULATOR_SIGNATURE_HEADER = "X-Simulator-Signature"


class SimulatedBank:
    """The bank of the demo and the tests: its payment page is a qyzmet page, and its
    notifications are signed with a key derived from the node's secret key."""

    def create(self, payment: FeePayment) -> tuple[str, str]:
        reference = SIMULATOR_PREFIX + secrets.token_urlsafe(18)
        path = reverse("payments:simulator-pay", args=[reference])
        return reference, settings.QYZMET_PUBLIC_URL + path

    @staticmethod
    def notification_sign(body: bytes) -> str:
        key = hashlib.sha256(f"qyzmet.payments.simulator:{settings.SECRET_KEY}".encode()).digest()
        return hmac.new(key, body, hashlib.sha256).hexdigest()

    @classmethod
    def notification_body(cls, reference: str, *, paid: bool) -> tuple[bytes, dict[str, str]]:
        """A notification as the simulated bank would send it: the body and its headers."""
        body = json.dumps({"reference": reference, "paid": paid}).encode()
        return body, {SIMULATOR_SIGNATURE_HEADER: cls.notification_sign(body)}

    def notification_verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        signature = headers.get(SIMULATOR_SIGNATURE_HEADER, "")
        if not hmac.compare_digest(signature, self.notification_sign(body)):
            raise NotificationRejected("bad signature")
        try:
            data = json.loads(body)
        except ValueError as error:
            raise NotificationRejected("not JSON") from error
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("reference"), str)
            or not isinstance(data.get("paid"), bool)
        ):
            raise NotificationRejected("expected reference and paid")
        return Notification(reference=data["reference"], paid=data["paid"])


def simulator_active() -> bool:
    """True when no real provider is configured: only then is the simulator's page served."""
    return not settings.QYZMET_PAYMENT_PROVIDER


def payment_provider() -> PaymentProvider:
    path: str = settings.QYZMET_PAYMENT_PROVIDER
    provider: PaymentProvider = import_string(path)() if path else SimulatedBank()
    return provider
