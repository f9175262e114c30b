"""Working days: what service deadlines are counted in.

A calendar says which days are worked: every day but the weekend, public holidays, the
days off a holiday falling on a weekend moves to, and the days a government decree moves.
Kazakhstan's is shipped (``core/calendars/kz.yaml``); a country names its own file in
QYZMET_HOLIDAY_CALENDAR. docs/services.md describes the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

SHIPPED = Path(__file__).resolve().parent / "calendars" / "kz.yaml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Kurban ait and such follow the moon: the file lists their dates year by year.
LUNAR = "kurban_ait"


class CalendarInvalid(Exception):
    pass


@dataclass(frozen=True)
class Calendar:
    weekend: frozenset[int]  # date.weekday() numbers
    holidays: tuple[tuple[int, int], ...]  # (month, day), every year
    not_moved: frozenset[tuple[int, int]]  # holidays on a weekend that move no day off
    dated_holidays: frozenset[date]  # holidays of one year only (lunar), never moved
    days_off: frozenset[date]  # by decree
    working_days: frozenset[date]  # weekend days worked by decree
    _years: dict[int, frozenset[date]] = field(default_factory=dict, compare=False)

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() not in self.weekend and day not in self.days_off_in(day.year)

    def days_off_in(self, year: int) -> frozenset[date]:
        """Every day off of ``year`` that is not a weekend day as such."""
        found = self._years.get(year)
        if found is None:
            found = self._year(year)
            self._years[year] = found
        return found

    def _year(self, year: int) -> frozenset[date]:
        fixed = sorted(d for d in (_day(year, m, d) for m, d in self.holidays) if d is not None)
        dated = {d for d in self.dated_holidays | self.days_off if d.year == year}
        off = set(fixed) | dated
        # A holiday on a weekend gives the next free working day off, in date order.
        for holiday in fixed:
            if holiday.weekday() not in self.weekend or holiday in self.working_days:
                continue
            if (holiday.month, holiday.day) in self.not_moved:
                continue
            moved = holiday + timedelta(days=1)
            while moved.weekday() in self.weekend or moved in off:
                moved += timedelta(days=1)
            off.add(moved)
        return frozenset(off - self.working_days)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 02-29 in a common year
        return None


def working_days_add(start: date, days: int, calendar: Calendar | None = None) -> date:
    """The day ``days`` working days after ``start`` (``start`` itself does not count): a
    service applied for on a Friday with a 1-day deadline is due on Monday."""
    calendar = calendar or calendar_current()
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += timedelta(days=1)
        days -= calendar.is_working_day(day)
    return day


def working_days_between(start: date, end: date, calendar: Calendar | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end`` <= ``start``)."""
    calendar = calendar or calendar_current()
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def calendar_read(path: Path) -> Calendar:
    """The calendar in ``path``; :class:`CalendarInvalid` says what is wrong with it."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise CalendarInvalid(f"{path}: cannot read: {error}") from None
    if not isinstance(data, dict):
        raise CalendarInvalid(f"{path}: a calendar is a mapping of weekend, holidays, ...")
    unknown = set(data) - {"weekend", "holidays", "not_moved", LUNAR, "days_off", "working_days"}
    if unknown:
        raise CalendarInvalid(f"{path}: unknown fields: {', '.join(sorted(unknown))}")
    try:
        return Calendar(
            weekend=frozenset(_weekday(name) for name in data.get("weekend", [])),
            holidays=tuple(_month_day(text) for text in data.get("holidays", [])),
            not_moved=frozenset(_month_day(text) for text in data.get("not_moved", [])),
            dated_holidays=frozenset(_date(value) for value in data.get(LUNAR, [])),
            days_off=frozenset(_date(value) for value in data.get("days_off", [])),
            working_days=frozenset(_date(value) for value in data.get("working_days", [])),
        )
    except (ValueError, TypeError) as error:
        raise CalendarInvalid(f"{path}: {error}") from None


def _weekday(name: Any) -> int:
    if str(name).lower() not in WEEKDAYS:
        raise ValueError(f"{name!r} is not a day of the week (monday ... sunday)")
    return WEEKDAYS.index(str(name).lower())


def _month_day(text: Any) -> tuple[int, int]:
    month, _, day = str(text).partition("-")
    if _day(2024, int(month), int(day)) is None:  # 2024: a leap year admits 02-29
        raise ValueError(f"{text!r} is not a day of the year (MM-DD)")
    return int(month), int(day)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@cache
def _calendar_at(path: str) -> Calendar:
    return calendar_read(Path(path))


def calendar_current() -> Calendar:
    """The calendar QYZMET_HOLIDAY_CALENDAR names, or Kazakhstan's."""
    return _calendar_at(str(settings.QYZMET_HOLIDAY_CALENDAR or SHIPPED))
