"""The citizen's own corner of the portal: "My account" (one page that leads to everything
that is theirs, so the menu stays one row or two on a phone) and "My notifications" (what
the state has told them by SMS or e-mail, as it was sent)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from qyzmet.cases.pages import citizen_of, page_for
from qyzmet.core import formatting
from qyzmet.core.paging import page_number
from qyzmet.identity.models import Account
from qyzmet.messaging.models import Channel, Notification, Status
from qyzmet.messaging.selectors import notifications_of


@dataclass(frozen=True)
class AccountPage:
    """One of the pages "My account" leads to."""

    view: str  # its URL name
    title: Promise
    about: Promise  # one line: what is there
    citizens_only: bool = True


# In the order people look for them. The menu marks "My account" on each of these pages
# (templatetags/portal.py, MENU_SECTIONS).
ACCOUNT_PAGES = (
    AccountPage("portal:my-data", _("My data"),
                _("What the state registries hold about you: family, property, work, income.")),
    AccountPage("documents:wallet", _("My documents"),
                _("Documents the state has issued to you, to download and to share.")),
    AccountPage("exchange:tracker", _("Data tracker"),
                _("Who was given data about you, when and for what purpose.")),
    AccountPage("exchange:consents", _("My consents"),
                _("Whom you allow to get your data, such as a bank, and until when.")),
    AccountPage("portal:connected-apps", _("Connected apps"),
                _("Apps that may act for you, such as a bank's app.")),
    AccountPage("programmes:my", _("Payments"),
                _("What the state offers you from its programmes, and what was paid.")),
    AccountPage("trust:my", _("Signatures"),
                _("Your electronic signature: key files and certificates."),
                citizens_only=False),
    AccountPage("portal:my-notifications", _("My notifications"),
                _("The SMS and e-mails the state has sent you.")),
)  # fmt: skip


@dataclass(frozen=True)
class AccountLink:
    url: str
    title: str
    about: str


@login_required
@never_cache
@require_safe
def my_account(request: HttpRequest) -> HttpResponse:
    """Everything that is the person's own, one link and one line each. Officers and
    operators see what applies to them too (their signatures), and are told the rest is
    for citizens."""
    citizen = citizen_of(request) is not None
    links = [
        AccountLink(reverse(page.view), str(page.title), str(page.about))
        for page in ACCOUNT_PAGES
        if citizen or not page.citizens_only
    ]
    return render(request, "portal/my_account.html", {"links": links, "citizen": citizen})


@dataclass(frozen=True)
class NotificationRow:
    at: str
    at_iso: str
    channel: str
    to: str  # masked: recognisable, not copyable
    text: str
    status: str


def _notification_row(notification: Notification, language: str) -> NotificationRow:
    if notification.channel == Channel.SMS:
        to = formatting.masked_phone(notification.to)
    else:
        to = formatting.masked_email(notification.to)
    return NotificationRow(
        at=formatting.date_time(notification.created_at, language),
        at_iso=notification.created_at.isoformat(),
        channel=capfirst(str(Channel(notification.channel).label)),
        to=to,
        text=notification.text,
        status=capfirst(str(Status(notification.status).label)),
    )


notifications_page = page_for(citizen_of, "portal/my_notifications_citizens_only.html")


@notifications_page
@never_cache
@require_safe
def my_notifications(request: HttpRequest, account: Account) -> HttpResponse:
    """What the state has sent the person, newest first, a page at a time: only what was
    filed under them, not everything sent to a phone they may share."""
    number = page_number(request.GET.get("page", ""))
    page = notifications_of(account.person_id or 0, page=number)
    language = get_language() or "kk"
    return render(
        request,
        "portal/my_notifications.html",
        {
            "rows": [_notification_row(n, language) for n in page.rows],
            "first": page.first,
            "last": page.last,
            "previous": f"page={page.number - 1}" if page.has_previous else "",
            "next": f"page={page.number + 1}" if page.has_next else "",
        },
    )
