"""The simulated SMS operator, seen from outside: what it has "sent" to phones, a person
texting the platform, and the delivery receipts it reports.

The demo and the tests use these; production has a real operator calling the gateway
endpoints instead.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from qyzmet.core.delivery import Message, simulated_messages
from qyzmet.messaging.models import Channel, InboundSms, Notification, Status
from qyzmet.messaging.services import sms_inbound_receive, sms_receipt_record


def simulated_sms(to: str | None = None) -> list[Message]:
    """The SMS the simulator has sent (to ``to``, or to anyone), oldest first."""
    return simulated_messages("sms", to=to)


def simulator_reply(*, sender: str, text: str) -> InboundSms:
    """A person with phone ``sender`` texts ``text`` to the platform: the simulator hands
    it over as the gateway's inbound endpoint would."""
    return sms_inbound_receive(
        provider_id=f"sim-in-{uuid.uuid4().hex}", sender=sender, text=text, at=timezone.now()
    )


def simulator_receipts_post() -> int:
    """Report "delivered" for every SMS the simulator has sent that is still marked sent
    (the simulated phone receives at once), as an operator posts its receipts; returns
    how many were recorded."""
    in_outbox = {message.id for message in simulated_sms() if message.id}
    waiting = Notification.objects.filter(
        channel=Channel.SMS, status=Status.SENT, provider_id__startswith="sim-"
    ).values_list("provider_id", flat=True)
    now = timezone.now()
    recorded = 0
    for provider_id in waiting:
        if provider_id in in_outbox:
            sms_receipt_record(provider_id=provider_id, status=Status.DELIVERED, at=now)
            recorded += 1
    return recorded
