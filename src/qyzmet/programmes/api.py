"""/api/v1/programmes: the programmes open to people, and a citizen's own offers.

Bank apps and bots use it as the portal does: a citizen (or a client acting for them with
the ``programmes:*`` scopes) applies to a mass programme, sees their offer with its
payment or the reason it was refused, and answers an offer. Everyone else gets an empty
list or a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Router, Schema, Status
from pydantic import Field

from qyzmet.catalog.definitions import Texts
from qyzmet.core import formatting
from qyzmet.core.inputs import StrictIn
from qyzmet.identity.authentication import ANY_AUTH, principal_of
from qyzmet.identity.models import Person
from qyzmet.programmes import selectors, services
from qyzmet.programmes.models import Offer, OfferStatus, Programme

router = Router(tags=["programmes"], auth=ANY_AUTH)
READ, WRITE = "programmes:read", "programmes:write"
PUBLIC: dict[str, Any] = {"security": [{}]}
CODE = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"


def _language() -> str:
    language = get_language() or "en"
    return language if language in ("kk", "ru", "en") else "en"


class ProgrammeOut(Schema):
    code: str
    name: Texts
    summary: Texts
    leads_to: str = Field(description="payment or service")
    amount: int | None = Field(description="what each person is paid, in tiyn")
    service: str | None = Field(description="the service an acceptance applies for")
    open: bool = Field(description="applications are taken today")
    channels: list[str]


def _programme_out(programme: Programme) -> ProgrammeOut:
    definition = services.definition_of(programme)
    return ProgrammeOut(
        code=programme.code, name=definition.name, summary=definition.summary,
        leads_to="payment" if definition.payment is not None else "service",
        amount=definition.payment, service=definition.service,
        open=definition.open_on(timezone.localdate()), channels=list(definition.channels),
    )  # fmt: skip


class PaymentOut(Schema):
    amount: int = Field(description="in tiyn")
    amount_text: str = Field(description="as people read it, in the request's language")
    status: str = Field(
        description="filed (on its way to the bank), paid, rejected, or created (to go out again)"
    )
    status_label: str
    iban: str
    reason: str = Field(description="the bank's reason code when rejected (AC04: closed)")
    attempt: int


class OfferOut(Schema):
    programme: str
    programme_name: str
    status: str
    status_label: str
    channel: str = Field(description="where the answer came from: sms, portal, api")
    explanation: list[str] = Field(description="why not eligible, in the request's language")
    application: str | None = Field(description="the number of the application it created")
    appeal: str | None = Field(description="the number of the appeal against a refusal")
    appeal_status: str | None = Field(description="where the appeal stands")
    payment: PaymentOut | None
    created_at: datetime
    answered_at: datetime | None


def _offer_out(offer: Offer) -> OfferOut:
    language = _language()
    definition = services.definition_of(offer.programme)
    order = selectors.order_of(offer)
    payment = None
    if order is not None:
        payment = PaymentOut(
            amount=order.amount, amount_text=formatting.money(order.amount, "KZT", language),
            status=order.status, status_label=str(order.get_status_display()), iban=order.iban,
            reason=order.reason, attempt=order.attempt,
        )  # fmt: skip
    return OfferOut(
        programme=offer.programme.code, programme_name=definition.name.get(language),
        status=offer.status, status_label=str(OfferStatus(offer.status).label),
        channel=offer.channel, explanation=(offer.explanation or {}).get(language, []),
        application=offer.case.number if offer.case else None, payment=payment,
        appeal=offer.appeal.number if offer.appeal else None,
        appeal_status=offer.appeal.status if offer.appeal else None,
        created_at=offer.created_at, answered_at=offer.answered_at,
    )  # fmt: skip


def _citizen(request: HttpRequest, scope: str) -> Person:
    principal = principal_of(request)
    person = principal.account.person if principal.person_id is not None else None
    if person is None or not principal.allows(scope):
        raise Http404
    return person


def _own_offer(request: HttpRequest, code: str, scope: str) -> Offer:
    person = _citizen(request, scope)
    offer = selectors.offers_of(person.pk).filter(programme__code=code).first()
    if offer is None:
        raise Http404
    return offer


@router.get("", response=list[ProgrammeOut], auth=None, openapi_extra=PUBLIC,
            summary="Programmes people may apply to or be offered")  # fmt: skip
def programmes_list(request: HttpRequest) -> list[ProgrammeOut]:
    return [_programme_out(p) for p in Programme.objects.order_by("code")]


@router.get("/offers", response=list[OfferOut], summary="My offers and applications")
def offers_list(request: HttpRequest) -> list[OfferOut]:
    person = _citizen(request, READ)
    return [_offer_out(offer) for offer in selectors.offers_of(person.pk)[:100]]


@router.get("/{code}/offer", response=OfferOut, summary="My offer in one programme")
def offer_get(request: HttpRequest, code: str) -> OfferOut:
    return _offer_out(_own_offer(request, code, READ))


class ApplyIn(StrictIn):
    """Nothing to say: the registries say the rest."""


@router.post("/{code}/apply", response=OfferOut, summary="Apply to a mass programme")
def programme_apply(request: HttpRequest, code: str, payload: ApplyIn) -> OfferOut:
    """Decided at once on the registries: accepted (and paid), or refused with the
    rule's explanation. Applying again answers with the same decision."""
    person = _citizen(request, WRITE)
    programme = services.programme_get(code)
    offer = services.programme_apply(programme=programme, person=person,
                                     channel=_channel(request))  # fmt: skip
    return _offer_out(offer)


def _channel(request: HttpRequest) -> str:
    """A token's client (a bank app, a bot) or the portal's session."""
    return "api" if principal_of(request).by_token else "portal"


class AnswerIn(StrictIn):
    accept: bool


@router.post("/{code}/offer/answer", response=OfferOut, summary="Answer my offer")
def offer_answer(request: HttpRequest, code: str, payload: AnswerIn) -> OfferOut:
    offer = _own_offer(request, code, WRITE)
    channel = _channel(request)
    caller = principal_of(request).account.public_id
    answered = services.offer_answer(offer=offer, accept=payload.accept, channel=channel,
                                     reference=f"{channel}:{caller}")  # fmt: skip
    return _offer_out(answered.offer)


class AppealIn(StrictIn):
    grounds: str = Field(min_length=10, max_length=2000,
                         description="why the decision is wrong, in their words")  # fmt: skip


@router.post("/{code}/appeal", response={201: OfferOut}, summary="Appeal my refusal")
def offer_appeal(request: HttpRequest, code: str, payload: AppealIn) -> Status[OfferOut]:
    """Files an appeal against the programme's refusal; an officer reviews it. Upheld, the
    person is accepted and paid; the offer's ``appeal_status`` says where it stands."""
    offer = _own_offer(request, code, WRITE)
    case = services.offer_appeal(offer=offer, account=principal_of(request).account,
                                 grounds=payload.grounds, channel=_channel(request))  # fmt: skip
    offer.appeal = case
    return Status(201, _offer_out(offer))
