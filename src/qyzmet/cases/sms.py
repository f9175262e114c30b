"""The SMS channel of cases: "STATUS 1234567890" texted from the applicant's own phone is
answered with where the application stands, in their language. Any other phone, or a
number that is not theirs, gets the same "not found", so the channel leaks nothing."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from qyzmet.cases.models import Case, CaseStatus
from qyzmet.cases.selectors import definition_of
from qyzmet.identity.models import Account, AccountKind
from qyzmet.messaging.models import InboundSms
from qyzmet.messaging.services import phone_normalise
from qyzmet.messaging.templates import template_render


def case_status_reply(inbound: InboundSms) -> str:
    words = inbound.text.split()
    number = words[1] if len(words) > 1 else ""
    account = (
        Account.objects.filter(kind=AccountKind.CITIZEN, phone=phone_normalise(inbound.sender))
        .order_by("pk")
        .first()
    )
    language = account.preferred_language if account else "kk"
    case = (
        Case.objects.select_related("version")
        .filter(number=number, account=account)
        .exclude(status=CaseStatus.DRAFT)
        .first()
        if account and number.isdigit()
        else None
    )
    with translation.override(language):
        if case is None:
            return _("No application with this number is yours. Send: STATUS <number>")
        return template_render(
            template="case-status",
            language=language,
            context={
                "number": case.number,
                "service": definition_of(case.version).name.get(language),
                "status": str(CaseStatus(case.status).label),
            },
        )
