"""Reads of the exchange for the person the data is about: who used their data (the data
tracker), what they consented to, and what they may consent to.

The permission rule is the person's own: the tracker and the consents are read for a
person, never named by a caller; another person's consent is a 404, whether or not it
exists.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.core.errors import Problem
from qyzmet.exchange.models import (
    Consent,
    ExchangeRecord,
    Grant,
    Member,
    Purpose,
    Service,
    Subsystem,
)
from qyzmet.identity.models import Agency
from qyzmet.registries.catalogue import BY_CODE

# --- the data tracker ------------------------------------------------------------------

TRACKER_PAGE = 50
TRACKER_PAGE_MAX = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(\d{1,20})\.(\d{1,20})")


@dataclass(frozen=True)
class TrackerEntry:
    """One access to a person's data: who asked, for what, and what they were given."""

    at: datetime
    message_id: str
    client: str  # the subsystem identifier, e.g. QZ/GOV/990240000030/benefits-office
    client_name: str  # the member (organisation) it belongs to; empty if not known here
    service: str
    service_title: str
    fields: list[str]
    purpose: str
    purpose_name: str
    issue: str  # the case reference the request was made for
    own_action: bool  # the person's own action (X-Road-UserId was their IIN)
    consent: str  # the public id of the consent relied on, if any


@dataclass(frozen=True)
class TrackerPage:
    entries: list[TrackerEntry]
    older: str | None  # the cursor of the next (older) page; None on the last page


@dataclass(frozen=True)
class TrackerCursor:
    """Where a page ends: the time and log row of its last entry (keyset pagination)."""

    at: datetime
    record_id: int

    def __str__(self) -> str:
        micros = (self.at - _EPOCH) // timedelta(microseconds=1)
        return base64.urlsafe_b64encode(f"{micros}.{self.record_id}".encode()).decode().rstrip("=")


def tracker_cursor_parse(text: str) -> TrackerCursor | None:
    """A cursor a tracker page handed out, or None if ``text`` is not one."""
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    found = _CURSOR.fullmatch(decoded)
    if found is None:
        return None
    micros, record_id = int(found.group(1)), int(found.group(2))
    try:
        at = _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None
    if record_id > 2**63 - 1:
        return None
    return TrackerCursor(at=at, record_id=record_id)


def member_name(member: Member, language: str) -> str:
    """How a member is named to a reader: a state body by its agency's name in their
    language, anyone else by its registered name."""
    agency = member.agency
    if agency is None:
        return member.name
    return str(getattr(agency, f"name_{language}", "") or member.name)


def accesses_of(iin: str) -> QuerySet[ExchangeRecord]:
    """Every exchange that gave out data about the person with this IIN, newest first.

    Refused and failed requests gave nothing out, so they are not accesses.
    """
    return ExchangeRecord.objects.filter(subject_iin=iin, status__gte=200, status__lt=300).order_by(
        "-at", "-id"
    )


def tracker_of(
    iin: str | None,
    *,
    language: str,
    limit: int = TRACKER_PAGE,
    older_than: TrackerCursor | None = None,
) -> TrackerPage:
    """One page of the accesses to a person's data, with names in ``language``.

    Four queries whatever the page's length: the log rows, then the subsystems, services
    and purposes they name. No IIN (a caller who is not a citizen) is an empty tracker.
    """
    if not iin:
        return TrackerPage(entries=[], older=None)
    found = accesses_of(iin)
    if older_than is not None:
        found = found.filter(
            Q(at__lt=older_than.at) | Q(at=older_than.at, id__lt=older_than.record_id)
        )
    rows = list(
        found.only(
            "id", "at", "message_id", "client", "service", "fields", "purpose", "issue",
            "own_action", "consent",
        )[: limit + 1]
    )  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return TrackerPage(entries=[], older=None)
    members = {
        s.identifier: member_name(s.member, language)
        for s in Subsystem.objects.filter(identifier__in={r.client for r in rows}).select_related(
            "member__agency"
        )
    }
    services = {
        s.identifier: s for s in Service.objects.filter(identifier__in={r.service for r in rows})
    }
    purposes = {p.code: p for p in Purpose.objects.filter(code__in={r.purpose for r in rows})}
    entries = []
    for row in rows:
        service = services.get(row.service)
        purpose = purposes.get(row.purpose)
        entries.append(
            TrackerEntry(
                at=row.at,
                message_id=row.message_id,
                client=row.client,
                client_name=members.get(row.client, ""),
                service=row.service,
                service_title=service.title(language) if service else row.service,
                fields=[str(name) for name in row.fields] if isinstance(row.fields, list) else [],
                purpose=row.purpose,
                purpose_name=purpose.name(language) if purpose else row.purpose,
                issue=row.issue,
                own_action=row.own_action,
                consent=row.consent,
            )
        )
    last = rows[-1]
    older = str(TrackerCursor(at=last.at, record_id=last.pk)) if more else None
    return TrackerPage(entries=entries, older=older)


# --- consents ----------------------------------------------------------------------------

# How far ahead a consent may last. A loan or a rental is decided within months; a
# longer need is asked for again, so that a forgotten consent does not live for ever.
CONSENT_LONGEST = timedelta(days=366)


class ConsentState(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


def consent_state(consent: Consent, now: datetime | None = None) -> ConsentState:
    now = now or timezone.now()
    if consent.withdrawn_at is not None:
        return ConsentState.WITHDRAWN
    if consent.valid_until <= now:
        return ConsentState.EXPIRED
    return ConsentState.ACTIVE


def consent_last_day(consent: Consent) -> date:
    """The last day a consent is valid, here: it ends at the midnight after that day."""
    return timezone.localtime(consent.valid_until - timedelta(microseconds=1)).date()


def consents_of(person_id: int) -> QuerySet[Consent]:
    """A person's consents, newest first, with what each names (two queries in all)."""
    return (
        Consent.objects.filter(person_id=person_id)
        .select_related("party__member__agency", "purpose")
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("identifier")))
        .order_by("-granted_at", "-id")
    )


def consent_get_for(person_id: int | None, public_id: UUID) -> Consent:
    """One of the person's consents; anyone else's (or none) is a 404."""
    found = consents_of(person_id).filter(public_id=public_id).first() if person_id else None
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class ConsentOffer:
    """A party that may ask for consent-bound services, and for which purposes."""

    party: Subsystem
    services: list[Service]
    purposes: list[Purpose]  # every purpose any of its grants names
    granted: dict[int, frozenset[str]]  # service pk → the purposes its grant names


def consent_offers() -> list[ConsentOffer]:
    """Parties holding a live grant to a service that needs the person's consent (two
    queries). A mediator is left out: it forwards for others and needs no consent itself."""
    grants = (
        Grant.objects.filter(
            revoked_at__isnull=True,
            service__consent_required=True,
            service__withdrawn_at__isnull=True,
            client__is_mediator=False,
        )
        .select_related("client__member__agency", "service")
        .prefetch_related(Prefetch("purposes", queryset=Purpose.objects.order_by("code")))
        .order_by("client__member__name", "client__identifier", "service__identifier")
    )
    offers: dict[int, ConsentOffer] = {}
    for grant in grants:
        offer = offers.setdefault(
            grant.client_id,
            ConsentOffer(party=grant.client, services=[], purposes=[], granted={}),
        )
        purposes = list(grant.purposes.all())
        if not purposes:
            continue
        offer.services.append(grant.service)
        offer.granted[grant.service_id] = frozenset(p.code for p in purposes)
        known = {p.code for p in offer.purposes}
        offer.purposes.extend(p for p in purposes if p.code not in known)
    return [offer for offer in offers.values() if offer.services]


@dataclass(frozen=True)
class ConsentRequest:
    """A consent as asked for, checked against what the party may use it for."""

    party: Subsystem
    services: list[Service]
    purpose: Purpose
    valid_until: datetime


def consent_last_day_latest(today: date | None = None) -> date:
    return (today or timezone.localdate()) + CONSENT_LONGEST


def consent_request_check(
    *, party: str, services: Sequence[str], purpose: str, last_day: date
) -> ConsentRequest:
    """Check a consent a person wants to give: the party holds a grant to each service for
    the purpose (else the consent could never be used), and the last day is between today
    and :data:`CONSENT_LONGEST` ahead. The consent lasts to the end of its last day, here.

    Raises :class:`Problem` (422) with a message in the current language.
    """
    offer = next((o for o in consent_offers() if o.party.identifier == party), None)
    if offer is None:
        raise Problem(
            422,
            _("This organisation cannot ask for data that needs your consent."),
            code="party-not-offered",
        )
    by_identifier = {s.identifier: s for s in offer.services}
    chosen = [by_identifier[i] for i in dict.fromkeys(services) if i in by_identifier]
    if not services or len(chosen) != len(set(services)):
        raise Problem(
            422,
            _("Choose one or more of the services this organisation may ask for."),
            code="service-not-offered",
        )
    if any(purpose not in offer.granted[s.pk] for s in chosen):
        raise Problem(
            422,
            _("This organisation may not use these services for this purpose."),
            code="purpose-not-granted",
        )
    today = timezone.localdate()
    latest = consent_last_day_latest(today)
    if not today <= last_day <= latest:
        raise Problem(
            422,
            _("The last day of a consent must be between today and %(latest)s.")
            % {"latest": latest.isoformat()},
            code="consent-period",
        )
    chosen_purpose = next(p for p in offer.purposes if p.code == purpose)
    ends = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    return ConsentRequest(
        party=offer.party, services=chosen, purpose=chosen_purpose, valid_until=ends
    )


def local_service_identifier(registry: str, code: str) -> str:
    """The identifier of a service this node's registry publishes (see exchange_init)."""
    bins = Agency.objects.filter(code=BY_CODE[registry].owner).values_list(
        "organisation__bin", flat=True
    )
    return f"{settings.QYZMET_EXCHANGE_INSTANCE}/GOV/{bins.get()}/{registry}/{code}"


@dataclass(frozen=True)
class MemberSummary:
    member: Member
    subsystems: int
    active_grants: int


def members_summary() -> list[MemberSummary]:
    """Every member of the exchange with how many subsystems it runs and how many active
    grants they hold (what the operator keeps an eye on)."""
    members = Member.objects.select_related("agency").annotate(
        n_subsystems=Count("subsystems", distinct=True),
        n_grants=Count(
            "subsystems__grants",
            filter=Q(subsystems__grants__revoked_at__isnull=True),
            distinct=True,
        ),
    )
    return [
        MemberSummary(m, m.n_subsystems, m.n_grants)
        for m in members.order_by("member_class", "code")
    ]


def grants_active() -> QuerySet[Grant]:
    return (
        Grant.objects.filter(revoked_at__isnull=True)
        .select_related("client", "service")
        .prefetch_related("purposes")
        .order_by("client__identifier", "service__identifier")
    )
