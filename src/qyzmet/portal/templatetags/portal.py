"""Template tags of the portal's own pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from qyzmet.portal.account import ACCOUNT_PAGES

register = template.Library()

# Each language is offered under its own name, so that someone who cannot read the
# current page can still find theirs.
ENDONYMS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    endonym: str
    current: bool


@register.simple_tag
def portal_languages() -> list[LanguageChoice]:
    active = get_language()
    return [
        LanguageChoice(code=code, endonym=ENDONYMS.get(code, str(name)), current=code == active)
        for code, name in settings.LANGUAGES
    ]


@dataclass(frozen=True)
class MenuItem:
    view: str  # the URL name of the page the item links to
    # The other pages under it, by URL name or whole namespace: the item is marked on them too.
    under: frozenset[str] = field(default_factory=frozenset)
    namespaces: frozenset[str] = field(default_factory=frozenset)


MENU = {
    "home": MenuItem("portal:home"),
    "services": MenuItem("catalog:index", namespaces=frozenset({"catalog"})),
    "applications": MenuItem(
        "cases:my", frozenset({"cases:case", "cases:check", "cases:submit", "cases:situation"})
    ),
    "queue": MenuItem("cases:office-queue", frozenset({"cases:office-case", "cases:office-act"})),
    "account": MenuItem(
        "portal:my-account",
        frozenset({page.view for page in ACCOUNT_PAGES})
        # Forms of those pages that answer with the page again when something is wrong.
        | {"exchange:consent-give", "trust:key-file", "trust:certificate-revoke"},
    ),
    "operator": MenuItem(
        "portal:operator", frozenset({"programmes:operator-list", "programmes:operator"})
    ),
    "login": MenuItem("portal:login", frozenset({"portal:login-code", "portal:login-key-file"})),
}


@register.simple_tag(takes_context=True)
def menu_current(context: dict[str, Any], item: str) -> SafeString | str:
    """``aria-current`` for a menu item: "page" on the page it links to, "true" on the
    pages under it (a service under Services, My data under My account), else nothing."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None:
        return ""
    entry = MENU[item]
    if match.view_name == entry.view:
        return format_html(' aria-current="{}"', "page")
    if match.view_name in entry.under or match.namespace in entry.namespaces:
        return format_html(' aria-current="{}"', "true")
    return ""
