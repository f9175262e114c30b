"""Answers to offers by SMS: the person replies with one of the codes the offer gave
("1" to accept, "0" to decline); the messaging app routes the reply here."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qyzmet.core.errors import Problem
from qyzmet.messaging.models import InboundSms, SmsReplyCode
from qyzmet.messaging.selectors import sms_sender_account
from qyzmet.programmes.models import Offer

OFFER_KEYWORD = "OFFER"


def offer_reply(inbound: InboundSms) -> str | None:
    """Take the answer the reply code stands for; the other codes of the offer lapse."""
    from qyzmet.programmes.services import ACCEPT, definition_of, offer_answer

    code = inbound.reply_code
    if code is None:  # "OFFER" typed as a word: say how to answer
        return _("Answer an offer with the code its message gives.")
    _offer, offer_id, answer = code.subject.split(":")
    SmsReplyCode.objects.filter(
        phone=code.phone, subject__startswith=f"offer:{offer_id}:", used_at=None
    ).update(used_at=timezone.now())
    account = sms_sender_account(inbound.sender)
    language = account.preferred_language if account else "kk"
    with override(language):
        offer = Offer.objects.select_related("programme").get(pk=int(offer_id))
        name = definition_of(offer.programme).name.get(language)
        try:
            answered = offer_answer(offer=offer, accept=answer == ACCEPT, channel="sms",
                                    reference=f"sms:{inbound.provider_id}")  # fmt: skip
        except Problem as problem:
            return f"{name}: {problem.detail}"
        if answered.offer.status != "accepted":
            return _("%(programme)s: you have declined. Thank you for answering.") % {
                "programme": name
            }
        if answered.case is not None:
            return _("%(programme)s: your application %(number)s is submitted.") % {
                "programme": name, "number": answered.case.number,
            }  # fmt: skip
        return _("%(programme)s: accepted. The payment is on its way to your account.") % {
            "programme": name
        }
