"""Template tags of the portal's own pages."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils.translation import get_language

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
