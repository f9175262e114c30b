"""/api/v1/exchange: the calling citizen's data tracker and consents.

Both are the citizen's own: the tracker lists who was given data about them, and the
consents let a party (a bank, say) ask for services that need them. Any other caller gets
an empty list, and a 404 for any one consent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from qyzmet.core.errors import Problem
from qyzmet.core.inputs import PLAIN_TEXT, StrictIn, StrictQuery
from qyzmet.exchange import selectors
from qyzmet.exchange.models import Consent
from qyzmet.exchange.services import consent_give, consent_withdraw
from qyzmet.identity.authentication import ANY_AUTH, principal_of
from qyzmet.identity.models import Person
from qyzmet.identity.selectors import Principal
from qyzmet.identity.services import actor_of

router = Router(tags=["exchange"], auth=ANY_AUTH)

TRACKER, CONSENTS_READ, CONSENTS_WRITE = "tracker:read", "consents:read", "consents:write"
IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"  # subsystem and service identifiers


def _language() -> str:
    return get_language() or "en"


def _person(principal: Principal, scope: str) -> Person | None:
    """The caller's own person, when a citizen whose token (if any) has ``scope``."""
    if principal.person_id is None or not principal.allows(scope):
        return None
    return principal.account.person


# --- the data tracker ------------------------------------------------------------------


class TrackerQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(
        default=selectors.TRACKER_PAGE, ge=1, le=selectors.TRACKER_PAGE_MAX, description="entries"
    )
    older: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the `older` cursor of the previous page",
    )


class AccessOut(Schema):
    at: datetime
    message_id: str = Field(description="X-Road-Id of the request; quote it when you complain")
    client: str = Field(description="the subsystem that asked, e.g. QZ/COM/050140000123/loans")
    client_name: str = Field(description="the organisation it belongs to")
    service: str = Field(description="the service identifier")
    service_title: str = Field(description="in the language of the request")
    fields: list[str] = Field(description="the names of the fields given out")
    purpose: str = Field(description="the purpose code the request stated")
    purpose_name: str = Field(description="in the language of the request")
    issue: str = Field(description="the case the request was made for (X-Road-Issue)")
    own_action: bool = Field(description="made on your own action (you were the user)")
    consent: UUID | None = Field(description="the consent the request relied on, if any")


class TrackerOut(Schema):
    accesses: list[AccessOut] = Field(description="newest first")
    older: str | None = Field(description="cursor for the next, older page; null on the last")


def _access_out(entry: selectors.TrackerEntry) -> AccessOut:
    return AccessOut(
        at=entry.at,
        message_id=entry.message_id,
        client=entry.client,
        client_name=entry.client_name,
        service=entry.service,
        service_title=entry.service_title,
        fields=entry.fields,
        purpose=entry.purpose,
        purpose_name=entry.purpose_name,
        issue=entry.issue,
        own_action=entry.own_action,
        consent=_uuid_or_none(entry.consent),
    )


def _uuid_or_none(text: str) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:  # the log keeps what it was given; a reader gets no 500 over it
        return None


@router.get("/tracker", response=TrackerOut, summary="Who was given data about me")
def tracker(request: HttpRequest, query: Annotated[TrackerQuery, StrictQuery(...)]) -> TrackerOut:
    """Every exchange that gave out data about the caller, newest first: who asked, which
    service, which fields, for what purpose and case. Refused requests gave nothing out and
    are not listed. Callers who are not citizens get an empty list."""
    cursor = None
    if query.older is not None:
        cursor = selectors.tracker_cursor_parse(query.older)
        if cursor is None:
            raise Problem(422, "This is not a cursor a tracker page gave out.", code="bad-cursor")
    person = _person(principal_of(request), TRACKER)
    page = selectors.tracker_of(
        person.iin if person else None,
        language=_language(),
        limit=query.limit,
        older_than=cursor,
    )
    return TrackerOut(accesses=[_access_out(e) for e in page.entries], older=page.older)


# --- consents ----------------------------------------------------------------------------


class ConsentServiceOut(Schema):
    service: str = Field(description="the service identifier")
    title: str = Field(description="in the language of the request")


class ConsentOut(Schema):
    id: UUID
    party: str = Field(description="the subsystem allowed to ask")
    party_name: str = Field(description="the organisation it belongs to")
    services: list[ConsentServiceOut]
    purpose: str
    purpose_name: str = Field(description="in the language of the request")
    valid_from: datetime
    valid_until: datetime
    granted_at: datetime
    granted_via: str = Field(description="portal or api")
    withdrawn_at: datetime | None
    status: str = Field(description="active, withdrawn or expired")


def _consent_out(consent: Consent, now: datetime) -> ConsentOut:
    language = _language()
    return ConsentOut(
        id=consent.public_id,
        party=consent.party.identifier,
        party_name=selectors.member_name(consent.party.member, language),
        services=[
            ConsentServiceOut(service=s.identifier, title=s.title(language))
            for s in consent.services.all()
        ],
        purpose=consent.purpose.code,
        purpose_name=consent.purpose.name(language),
        valid_from=consent.valid_from,
        valid_until=consent.valid_until,
        granted_at=consent.granted_at,
        granted_via=consent.granted_via,
        withdrawn_at=consent.withdrawn_at,
        status=selectors.consent_state(consent, now).value,
    )


@router.get("/consents", response=list[ConsentOut], summary="My consents")
def consents_list(request: HttpRequest) -> list[ConsentOut]:
    """Withdrawn and expired consents too, newest first."""
    person = _person(principal_of(request), CONSENTS_READ)
    if person is None:
        return []
    now = timezone.now()
    return [_consent_out(c, now) for c in selectors.consents_of(person.pk)]


class ConsentGiveIn(StrictIn):
    party: str = Field(
        min_length=1, max_length=200, pattern=IDENTIFIER, description="a subsystem identifier"
    )
    services: list[Annotated[str, Field(min_length=1, max_length=270, pattern=IDENTIFIER)]] = Field(
        min_length=1, max_length=20, description="service identifiers"
    )
    purpose: str = Field(min_length=1, max_length=64, pattern=PLAIN_TEXT, description="its code")
    last_day: date = Field(description="the consent ends when this day ends (at most a year ahead)")


@router.post(
    "/consents",
    response={201: ConsentOut},
    summary="Let an organisation use services about me",
)
def consents_give(request: HttpRequest, payload: ConsentGiveIn) -> Status[ConsentOut]:
    """The party must hold a grant to each service for the purpose (else 422): a consent
    the exchange could never use is not recorded."""
    principal = principal_of(request)
    person = _person(principal, CONSENTS_WRITE)
    if person is None:
        raise Http404
    checked = selectors.consent_request_check(
        party=payload.party,
        services=payload.services,
        purpose=payload.purpose,
        last_day=payload.last_day,
    )
    given = consent_give(
        person=person,
        party=checked.party,
        purpose=checked.purpose,
        services=checked.services,
        valid_until=checked.valid_until,
        via="api",
        actor=actor_of(principal.account),
    )
    consent = selectors.consent_get_for(person.pk, given.public_id)
    return Status(201, _consent_out(consent, timezone.now()))


class ConsentWithdrawIn(StrictIn):
    """Nothing to say: the body is ``{}`` (a POST names what it changes in its path)."""


@router.post(
    "/consents/{id}/withdraw",
    response=ConsentOut,
    summary="Withdraw one of my consents",
)
def consents_withdraw(request: HttpRequest, id: UUID, payload: ConsentWithdrawIn) -> ConsentOut:
    """From this moment the exchange refuses requests that rely on it. Withdrawing a
    consent already withdrawn changes nothing."""
    principal = principal_of(request)
    person = _person(principal, CONSENTS_WRITE)
    consent = selectors.consent_get_for(person.pk if person else None, id)
    consent_withdraw(consent=consent, actor=actor_of(principal.account))
    return _consent_out(selectors.consent_get_for(consent.person_id, id), timezone.now())
