"""How notifications leave the platform: an SMS gateway, and e-mail through Django.

A deployment plugs in its SMS operator by writing a class with the :class:`SmsGateway`
``send`` method and naming it in ``QYZMET_SMS_GATEWAY`` (a dotted path); empty means the
local simulator of :mod:`qyzmet.core.delivery`. E-mail goes through Django's mail
backend (``EMAIL_BACKEND``: SMTP in production).
"""

from __future__ import annotations

import re
import smtplib
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from qyzmet.core.delivery import Message, SimulatedOperator

PHONE = re.compile(r"\+[1-9][0-9]{6,14}")  # E.164


class TransientFailure(Exception):
    """The message may go through later (gateway down, throttled, timed out): retry."""


class PermanentFailure(Exception):
    """The message can never go through as it is (no such number): do not retry."""


class SmsGateway(Protocol):
    def send(self, to: str, text: str, reference: str) -> str:
        """Hand one SMS to the operator and return the operator's id for it.

        ``reference`` is ours (the notification's public id): a gateway given the same
        reference twice must send one message and return the same id, as operators do
        with a client reference. Raise TransientFailure or PermanentFailure.
        """
        ...


class SimulatedSmsGateway:
    """The local simulator: the message goes to ``QYZMET_HOME/outbox/sms.jsonl``."""

    def send(self, to: str, text: str, reference: str) -> str:
        if not PHONE.fullmatch(to):
            raise PermanentFailure(f"{to!r} is not a phone number in international format")
        return SimulatedOperator().submit(
            Message(channel="sms", to=to, text=text, reference=reference)
        )


def sms_gateway() -> SmsGateway:
    """The gateway ``QYZMET_SMS_GATEWAY`` names, or the simulator."""
    path = settings.QYZMET_SMS_GATEWAY
    gateway: SmsGateway = import_string(path)() if path else SimulatedSmsGateway()
    return gateway


def email_send(*, to: str, text: str, language: str, reference: str) -> str:
    """Send one e-mail through Django's mail backend; returns its Message-ID.

    The Message-ID is made from ``reference``, so if a message is sent twice (a worker
    died before recording the first), mail programs show it once.
    """
    host = urlsplit(settings.QYZMET_PUBLIC_URL).hostname or "qyzmet.invalid"
    message_id = f"<{reference}@{host}>"
    with translation.override(language):
        subject = gettext("A message from the public services portal")
    message = EmailMessage(subject, text, to=[to], headers={"Message-ID": message_id})
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(f"the mail server refused {to!r}: {error}") from None
    except OSError as error:  # every SMTPException is one, as are network errors
        raise TransientFailure(f"the mail server did not take the message: {error}") from None
    return message_id
