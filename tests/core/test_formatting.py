"""Numbers, money, areas and dates as each language writes them."""

from __future__ import annotations

from datetime import date

import pytest

from qyzmet.core import formatting

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        (450_000_00, "KZT", "kk", f"450{NBSP}000,00{NBSP}₸"),
        (450_000_00, "KZT", "ru", f"450{NBSP}000,00{NBSP}₸"),
        (450_000_00, "KZT", "en", "450,000.00 KZT"),
        (1_234_567_89, "KZT", "en", "1,234,567.89 KZT"),
        (5, "KZT", "en", "0.05 KZT"),
        (-12_50, "KZT", "ru", f"-12,50{NBSP}₸"),
        (100_00, "USD", "ru", f"100,00{NBSP}USD"),
    ],
)
def test_money(amount: int, currency: str, language: str, expected: str) -> None:
    assert formatting.money(amount, currency, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", f"1{NBSP}234{NBSP}567"), ("ru", f"1{NBSP}234{NBSP}567"), ("en", "1,234,567")],
)
def test_integer(language: str, expected: str) -> None:
    assert formatting.integer(1_234_567, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", f"65,43{NBSP}м²"), ("ru", f"65,43{NBSP}м²"), ("en", "65.43 m²")],
)
def test_area(language: str, expected: str) -> None:
    assert formatting.area(6543, language) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (date(1990, 5, 17), "kk", "1990 жылғы 17 мамыр"),
        (date(1990, 5, 17), "ru", f"17 мая 1990{NBSP}г."),
        (date(1990, 5, 17), "en", "17 May 1990"),
        (date(2024, 2, 1), "kk", "2024 жылғы 1 ақпан"),
        (date(2024, 2, 1), "ru", f"1 февраля 2024{NBSP}г."),
    ],
)
def test_long_date(value: date, language: str, expected: str) -> None:
    assert formatting.long_date(value, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", "2026 жылғы қазан"), ("ru", f"Октябрь 2026{NBSP}г."), ("en", "October 2026")],
)
def test_month_year(language: str, expected: str) -> None:
    assert formatting.month_year(date(2026, 10, 1), language) == expected


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_is_translated(month: int) -> None:
    day = date(2026, month, 1)
    for language in ("kk", "ru"):
        written = formatting.long_date(day, language) + formatting.month_year(day, language)
        assert written.isascii() is False, written
        assert not any(name in written for name in ("January", "May", "October", "December"))
