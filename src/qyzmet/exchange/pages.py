"""The citizen's exchange pages: the data tracker (who was given data about me) and my
consents (give one, withdraw one).

Both are the logged-in citizen's own; a staff account sees a page saying so, and a
consent of anyone else is a 404, so nobody learns what exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from qyzmet.core import formatting
from qyzmet.core.errors import Problem
from qyzmet.exchange import selectors
from qyzmet.exchange.forms import ConsentForm
from qyzmet.exchange.models import Consent
from qyzmet.exchange.selectors import ConsentState
from qyzmet.exchange.services import consent_give, consent_withdraw
from qyzmet.identity.models import Account, AccountKind, Person
from qyzmet.identity.services import actor_of


def _language() -> str:
    return get_language() or "en"


def _day(value: datetime, language: str) -> str:
    return formatting.long_date(timezone.localtime(value).date(), language)


def _account(request: HttpRequest) -> Account:
    """The logged-in account of a view behind ``login_required``."""
    user = request.user
    if not isinstance(user, Account):
        raise PermissionDenied
    return user


def _person_of(account: Account) -> Person | None:
    """The citizen's own person; staff accounts have none here."""
    return account.person if account.kind == AccountKind.CITIZEN else None


def _citizens_only(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "exchange/citizens_only.html", {"title": title})


# --- the data tracker ------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRow:
    when: str
    client_name: str
    client: str
    service_title: str
    fields: str
    purpose_name: str
    issue: str
    own_action: bool
    message_id: str


def _access_row(entry: selectors.TrackerEntry, language: str) -> AccessRow:
    return AccessRow(
        when=formatting.date_time(entry.at, language),
        client_name=entry.client_name,
        client=entry.client,
        service_title=entry.service_title,
        fields=", ".join(entry.fields),
        purpose_name=entry.purpose_name,
        issue=entry.issue,
        own_action=entry.own_action,
        message_id=entry.message_id,
    )


@login_required
@never_cache
@require_safe
def data_tracker(request: HttpRequest) -> HttpResponse:
    person = _person_of(_account(request))
    if person is None:
        return _citizens_only(request, gettext("Data tracker"))
    language = _language()
    cursor, status = None, 200
    older = request.GET.get("older")
    if older is not None:
        cursor = selectors.tracker_cursor_parse(older)
        if cursor is None:
            status = 400
            messages.error(
                request,
                gettext("That link to earlier entries is not valid. Here are the newest ones."),
            )
    page = selectors.tracker_of(person.iin, language=language, older_than=cursor)
    context = {
        "rows": [_access_row(entry, language) for entry in page.entries],
        "older": page.older,
        "first_page": cursor is None,
    }
    return render(request, "exchange/tracker.html", context, status=status)


# --- consents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentCard:
    public_id: UUID
    party_name: str
    party: str
    services: list[str]
    purpose_name: str
    active: bool
    status: str
    facts: list[formatting.Fact]


def _consent_status(consent: Consent, state: ConsentState, language: str) -> str:
    if state == ConsentState.WITHDRAWN and consent.withdrawn_at is not None:
        return gettext("Withdrawn on %(date)s") % {"date": _day(consent.withdrawn_at, language)}
    if state == ConsentState.EXPIRED:
        return gettext("Expired on %(date)s") % {"date": _day(consent.valid_until, language)}
    return gettext("Active")


def _consent_card(consent: Consent, now: datetime, language: str) -> ConsentCard:
    state = selectors.consent_state(consent, now)
    last_day = formatting.long_date(selectors.consent_last_day(consent), language)
    return ConsentCard(
        public_id=consent.public_id,
        party_name=selectors.member_name(consent.party.member, language),
        party=consent.party.identifier,
        services=[s.title(language) for s in consent.services.all()],
        purpose_name=consent.purpose.name(language),
        active=state == ConsentState.ACTIVE,
        status=_consent_status(consent, state, language),
        facts=[
            formatting.Fact(
                gettext("Given on"), formatting.date_time(consent.granted_at, language)
            ),
            formatting.Fact(pgettext("consent", "Valid until"), last_day),
        ],
    )


def _consents_page(
    request: HttpRequest, person: Person, form: ConsentForm | None = None, status: int = 200
) -> HttpResponse:
    language = _language()
    offers = selectors.consent_offers()
    now = timezone.now()
    context = {
        "cards": [_consent_card(c, now, language) for c in selectors.consents_of(person.pk)],
        "form": form or ConsentForm(offers=offers, language=language),
        "offered": bool(offers),
    }
    return render(request, "exchange/consents.html", context, status=status)


@login_required
@never_cache
@require_safe
def consents(request: HttpRequest) -> HttpResponse:
    person = _person_of(_account(request))
    if person is None:
        return _citizens_only(request, gettext("My consents"))
    return _consents_page(request, person)


@login_required
@require_POST
def consent_give_page(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    person = _person_of(account)
    if person is None:
        raise Http404
    form = ConsentForm(request.POST, offers=selectors.consent_offers(), language=_language())
    if form.is_valid():
        try:
            checked = selectors.consent_request_check(
                party=form.cleaned_data["party"],
                services=form.cleaned_data["services"],
                purpose=form.cleaned_data["purpose"],
                last_day=form.last_day_value(),
            )
            consent_give(
                person=person,
                party=checked.party,
                purpose=checked.purpose,
                services=checked.services,
                valid_until=checked.valid_until,
                via="portal",
                actor=actor_of(account),
            )
        except Problem as problem:
            form.add_error(None, problem.detail)
        else:
            messages.success(
                request,
                gettext(
                    "Your consent is recorded: %(party)s may get this data until the end of "
                    "%(date)s, unless you withdraw it."
                )
                % {
                    "party": selectors.member_name(checked.party.member, _language()),
                    "date": formatting.long_date(form.last_day_value(), _language()),
                },
            )
            return redirect("exchange:consents")
    return _consents_page(request, person, form, status=400)


@login_required
@require_POST
def consent_withdraw_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    account = _account(request)
    person = _person_of(account)
    consent = selectors.consent_get_for(person.pk if person else None, public_id)
    consent_withdraw(consent=consent, actor=actor_of(account))
    messages.success(
        request,
        gettext("Your consent is withdrawn: %(party)s can no longer get your data with it.")
        % {"party": selectors.member_name(consent.party.member, _language())},
    )
    return redirect("exchange:consents")
