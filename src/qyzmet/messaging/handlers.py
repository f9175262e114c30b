"""Who answers an inbound SMS: handlers registered by keyword.

Higher apps register theirs in ``AppConfig.ready()``, for example the cases app::

    sms_handler_register("STATUS", case_status_reply)

A handler gets the saved :class:`InboundSms` and returns the reply to text back, or None.
"""

from __future__ import annotations

from collections.abc import Callable

from qyzmet.messaging.models import InboundSms

SmsHandler = Callable[[InboundSms], "str | None"]

# Keyword (upper case) → handler.
SMS_HANDLERS: dict[str, SmsHandler] = {}


def sms_handler_register(keyword: str, handler: SmsHandler) -> None:
    """Route inbound SMS whose first word is ``keyword`` (any case) to ``handler``.

    Keywords are letters only, so they never clash with numeric reply codes; a keyword
    taken by another handler is refused.
    """
    word = keyword.strip().upper()
    if not word.isalpha():
        raise ValueError(f"an SMS keyword is one word of letters, not {keyword!r}")
    if SMS_HANDLERS.setdefault(word, handler) is not handler:
        raise ValueError(f"another handler already answers SMS starting with {word}")


def sms_handler_for(keyword: str) -> SmsHandler | None:
    return SMS_HANDLERS.get(keyword.upper())
