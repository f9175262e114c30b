"""Deadlines count working days in Kazakhstan's calendar, or a country's own."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qyzmet.core.workdays import (
    SHIPPED,
    CalendarInvalid,
    calendar_read,
    working_days_add,
    working_days_between,
)

KZ = calendar_read(SHIPPED)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 12, 1), 0, date(2026, 12, 1)),  # an instant service is due the same day
        (date(2026, 12, 3), 1, date(2026, 12, 4)),  # Thursday → Friday
        (date(2026, 12, 4), 1, date(2026, 12, 7)),  # Friday → Monday
        (date(2026, 12, 4), 5, date(2026, 12, 11)),
        (date(2026, 12, 15), 1, date(2026, 12, 17)),  # Independence Day, Wednesday 16th
        (date(2026, 3, 20), 1, date(2026, 3, 26)),  # Nauryz 21-23 (Sat-Mon); 24, 25 moved off
        (date(2026, 5, 26), 1, date(2026, 5, 28)),  # Kurban ait, Wednesday 27 May 2026
        (date(2026, 1, 6), 1, date(2026, 1, 8)),  # Orthodox Christmas, Wednesday
        (date(2027, 1, 6), 1, date(2027, 1, 8)),  # 2027: the 7th is a Thursday
    ],
)
def test_deadlines_count_working_days(start: date, days: int, due: date) -> None:
    assert working_days_add(start, days, KZ) == due


def test_a_holiday_on_a_weekend_moves_a_day_off_but_religious_ones_do_not() -> None:
    # 2026-03-21 and 22 are a Saturday and Sunday: the 24th and 25th are days off.
    off_2026 = KZ.days_off_in(2026)
    assert {date(2026, 3, 24), date(2026, 3, 25)} <= off_2026
    assert not KZ.is_working_day(date(2026, 3, 25))
    assert KZ.is_working_day(date(2026, 3, 26))
    # New Year 2028 falls on Saturday and Sunday: Monday 3rd and Tuesday 4th are off.
    assert not KZ.is_working_day(date(2028, 1, 3))
    assert not KZ.is_working_day(date(2028, 1, 4))
    assert KZ.is_working_day(date(2028, 1, 5))
    # Orthodox Christmas 2029 is a Sunday and moves nothing: Monday the 8th is worked.
    assert KZ.is_working_day(date(2029, 1, 8))


def test_between_counts_what_add_adds() -> None:
    for days in range(0, 40, 3):
        due = working_days_add(date(2026, 12, 10), days, KZ)
        assert working_days_between(date(2026, 12, 10), due, KZ) == days


def test_a_country_calendar_with_decrees(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "weekend: [friday, saturday]\nholidays: ['01-01']\n"
        "days_off: [2026-12-07]\nworking_days: [2026-12-05]\n"
    )
    calendar = calendar_read(path)
    assert not calendar.is_working_day(date(2026, 12, 4))  # Friday
    assert calendar.is_working_day(date(2026, 12, 5))  # a Saturday worked by decree
    assert calendar.is_working_day(date(2026, 12, 6))  # Sunday is worked there
    assert not calendar.is_working_day(date(2026, 12, 7))  # a day off by decree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "a calendar is a mapping"),
        ("weekend: [caturday]\n", "'caturday' is not a day of the week"),
        ("holidays: ['13-01']\n", "is not a day of the year"),
        ("days_off: [2026-02-30]\n", "day is out of range"),
        ("holiday: ['01-01']\n", "unknown fields: holiday"),
        ("weekend: [\n", "cannot read"),
    ],
)
def test_a_bad_calendar_is_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(text)
    with pytest.raises(CalendarInvalid, match=message):
        calendar_read(path)


def test_the_configured_calendar_is_used(tmp_path: Path, settings: Any) -> None:
    assert working_days_add(date(2026, 12, 15), 1) == date(2026, 12, 17)  # Kazakhstan's
    path = tmp_path / "calendar.yaml"
    path.write_text("weekend: [saturday, sunday]\nholidays: []\n")
    settings.QYZMET_HOLIDAY_CALENDAR = str(path)
    assert working_days_add(date(2026, 12, 15), 1) == date(2026, 12, 16)
