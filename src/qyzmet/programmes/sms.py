"""Answers to offers by SMS: the person replies with one of the codes the offer gave
("1" to accept, "0" to decline); the messaging app routes the reply here."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qyzmet.core.errors import Problem
from qyzmet.messaging.models import InboundSms, SmsReplyCode
from qyzmet.messaging.selectors import sms_sender_account
from qyzmet.payments.models import PayoutAccount
from qyzmet.programmes.models import Offer

OFFER_KEYWORD = "OFFER"
APPLY_KEYWORD = "APPLY"


def offer_reply(inbound: InboundSms) -> str | None:
    """Take the answer the reply code stands for; the other codes of the offer lapse."""
    from qyzmet.programmes.services import ACCEPT, definition_of, offer_answer

    code = inbound.reply_code
    if code is None:  # "OFFER" typed as a word: say how to answer
        return _("Answer an offer with the code its message gives.")
    _offer, offer_id, answer = ([*code.subject.split(":"), "", ""])[:3]
    offer = (
        Offer.objects.select_related("programme").filter(pk=int(offer_id)).first()
        if offer_id.isdigit()
        else None
    )
    if offer is None:
        return None
    SmsReplyCode.objects.filter(
        phone=code.phone, subject__startswith=f"offer:{offer_id}:", used_at=None
    ).update(used_at=timezone.now())
    account = sms_sender_account(inbound.sender)
    language = account.preferred_language if account else "kk"
    with override(language):
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
        return _accepted(name, offer.person_id)


def apply_by_sms(inbound: InboundSms) -> str | None:
    """ "APPLY <programme>": the sender applies to a mass programme; the reply says what
    was decided, and why not where it was refused."""
    from qyzmet.programmes.services import definition_of, programme_apply, programme_get

    account = sms_sender_account(inbound.sender)
    language = account.preferred_language if account else "kk"
    words = inbound.text.split()
    with override(language):
        if account is None or account.person is None:
            return _("This phone number is not linked to an account on the portal.")
        if len(words) < 2:
            return _("Send APPLY and the programme's code, for example: APPLY emergency-2020")
        try:
            programme = programme_get(words[1].lower())
            offer = programme_apply(programme=programme, person=account.person, channel="sms")
        except Problem as problem:
            return str(problem.detail)
        name = definition_of(programme).name.get(language)
        if offer.status == "refused":
            reasons = (offer.explanation or {}).get(language, [])
            why = reasons[1].strip(" -") if len(reasons) > 1 else ""
            return _("%(programme)s: not eligible. %(why)s") % {"programme": name, "why": why}
        return _accepted(name, offer.person_id)


def _accepted(name: str, person_id: int) -> str:
    if not PayoutAccount.objects.filter(person_id=person_id, primary=True).exists():
        return _(
            "%(programme)s: accepted. Give the bank account to pay into on the portal; "
            "the payment follows."
        ) % {"programme": name}
    return _("%(programme)s: accepted. The payment is on its way to your account.") % {
        "programme": name
    }
