"""Dates, numbers, money and areas as people read them in each portal language, and
phone numbers and e-mail addresses masked for showing on a page.

Django ships no format module for Kazakh and only some Kazakh month names, so the
portal formats these itself. Separators are locale data and live here; every word and
word order comes from our own catalogue (``qyzmet/locale``) so translators own them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy


@dataclass(frozen=True)
class Fact:
    """One labelled value on a page (``portal/_facts.html`` shows a list of them)."""

    label: str
    value: str


# (thousands separator, decimal separator); kk and ru group with a no-break space.
_SEPARATORS: dict[str, tuple[str, str]] = {
    "kk": ("\u00a0", ","),
    "ru": ("\u00a0", ","),
    "en": (",", "."),
}

# The month as it stands inside a full date: Russian needs the genitive case there.
_MONTHS_IN_DATE: tuple[Promise, ...] = (
    pgettext_lazy("month inside a full date", "January"),
    pgettext_lazy("month inside a full date", "February"),
    pgettext_lazy("month inside a full date", "March"),
    pgettext_lazy("month inside a full date", "April"),
    pgettext_lazy("month inside a full date", "May"),
    pgettext_lazy("month inside a full date", "June"),
    pgettext_lazy("month inside a full date", "July"),
    pgettext_lazy("month inside a full date", "August"),
    pgettext_lazy("month inside a full date", "September"),
    pgettext_lazy("month inside a full date", "October"),
    pgettext_lazy("month inside a full date", "November"),
    pgettext_lazy("month inside a full date", "December"),
)

# The month on its own, as in "October 2026" (nominative in Russian).
_MONTHS_ALONE: tuple[Promise, ...] = (
    pgettext_lazy("month standing alone", "January"),
    pgettext_lazy("month standing alone", "February"),
    pgettext_lazy("month standing alone", "March"),
    pgettext_lazy("month standing alone", "April"),
    pgettext_lazy("month standing alone", "May"),
    pgettext_lazy("month standing alone", "June"),
    pgettext_lazy("month standing alone", "July"),
    pgettext_lazy("month standing alone", "August"),
    pgettext_lazy("month standing alone", "September"),
    pgettext_lazy("month standing alone", "October"),
    pgettext_lazy("month standing alone", "November"),
    pgettext_lazy("month standing alone", "December"),
)


def _separators(language: str) -> tuple[str, str]:
    return _SEPARATORS.get(language, _SEPARATORS["en"])


def integer(value: int, language: str) -> str:
    """An integer with the language's thousands separator: 1 234 567 / 1,234,567."""
    thousands, _ = _separators(language)
    return f"{value:,}".replace(",", thousands)


def decimal(minor_units: int, language: str, *, places: int = 2) -> str:
    """A fixed-point amount held as an integer count of 1/10**places units."""
    _, point = _separators(language)
    sign = "-" if minor_units < 0 else ""
    whole, fraction = divmod(abs(minor_units), 10**places)
    return f"{sign}{integer(whole, language)}{point}{fraction:0{places}d}"


def money(amount: int, currency: str, language: str) -> str:
    """Money held in minor units (tiyn for KZT), e.g. ``450 000,00 ₸`` or ``450,000.00 KZT``."""
    with translation.override(language):
        symbol = pgettext("currency symbol", "KZT") if currency == "KZT" else currency
        return gettext("{amount} {currency}").format(
            amount=decimal(amount, language), currency=symbol
        )


def area(square_decimetres: int, language: str) -> str:
    """A floor or land area held in dm², shown in m² with two decimals."""
    with translation.override(language):
        return gettext("{area} m²").format(area=decimal(square_decimetres, language))


def long_date(value: date, language: str) -> str:
    """A date written out, "17 May 1990" in English; the catalogue orders it per language."""
    with translation.override(language):
        return pgettext("full date; keep the placeholders", "{day} {month} {year}").format(
            day=value.day, month=_MONTHS_IN_DATE[value.month - 1], year=value.year
        )


def date_time(value: datetime, language: str) -> str:
    """A moment in the platform's time zone, "4 December 2026, 09:30" in English."""
    local = timezone.localtime(value)
    with translation.override(language):
        return pgettext("date and time; keep the placeholders", "{date}, {time}").format(
            date=long_date(local.date(), language), time=f"{local:%H:%M}"
        )


def month_year(value: date, language: str) -> str:
    """A month of a year, as income periods are shown: "October 2026" in English."""
    with translation.override(language):
        return pgettext("month and year; keep the placeholders", "{month} {year}").format(
            month=_MONTHS_ALONE[value.month - 1], year=value.year
        )


@dataclass(frozen=True)
class Bar:
    """One bar of a server-rendered chart (portal/_bars.html): no script, no image."""

    label: str
    value: str
    percent: int  # of the largest bar, for the chart's width


def bars(rows: list[tuple[str, int]], language: str) -> list[Bar]:
    """A bar chart of counts, each bar as long as its share of the largest."""
    top = max((n for _label, n in rows), default=0) or 1
    return [Bar(label, integer(n, language), round(100 * n / top)) for label, n in rows]


def masked_phone(phone: str) -> str:
    """``+77011234567`` as ``+7 ••• ••• 45 67``: enough to recognise, not to copy."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 6:
        return "•" * len(digits)
    head = "+" + digits[0] if phone.startswith("+") else digits[0]
    hidden = "•" * (len(digits) - 5)
    tail = "".join(digits[-4:])
    groups = [hidden[i : i + 3] for i in range(0, len(hidden), 3)]
    return " ".join([head, *groups, tail[:2], tail[2:]])


def masked_email(email: str) -> str:
    """``nurlan@example.kz`` as ``n•••@example.kz``: the person knows their own address."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"
