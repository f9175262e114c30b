from __future__ import annotations

from datetime import date

import pytest

from qyzmet.identity.national_ids import (
    InvalidNumber,
    bin_build,
    bin_validate,
    check_digit,
    iin_build,
    iin_parse,
)


def test_iin_built_for_a_date_and_sex_parses_back() -> None:
    iin = iin_build(date(1987, 3, 9), "F", 1234)
    assert iin is not None
    facts = iin_parse(iin)
    assert (facts.birth_date, facts.sex) == (date(1987, 3, 9), "F")
    assert iin[6] == "4"  # woman born in the 20th century


@pytest.mark.parametrize(
    ("born", "sex", "digit"),
    [(date(1899, 1, 1), "M", "1"), (date(1950, 6, 30), "M", "3"), (date(2010, 2, 28), "F", "6")],
)
def test_seventh_digit_encodes_century_and_sex(born: date, sex: str, digit: str) -> None:
    iin = next(i for s in range(50) if (i := iin_build(born, sex, s)))
    assert iin[6] == digit
    assert iin_parse(iin).birth_date == born


def test_second_weight_set_is_used_when_the_first_gives_ten() -> None:
    # Find eleven digits whose first weighted sum is 10 mod 11 and check the fallback.
    for serial in range(10_000):
        first = f"9001013{serial:04d}"
        if sum(int(d) * w for d, w in zip(first, range(1, 12), strict=True)) % 11 == 10:
            second = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
            expected = sum(int(d) * w for d, w in zip(first, second, strict=True)) % 11
            assert check_digit(first) == (None if expected == 10 else expected)
            return
    pytest.fail("no serial exercises the second weight set")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345", "exactly 12 digits"),
        ("90010130012a", "exactly 12 digits"),
        ("٩٠٠١٠١٣٠٠١٢٣", "exactly 12 digits"),  # non-ASCII digits
        ("900101700123", "7th digit"),
        ("901301300123", "birth date"),
        ("900230300123", "birth date"),
    ],
)
def test_malformed_iins_are_refused_with_a_reason(value: str, message: str) -> None:
    with pytest.raises(InvalidNumber, match=message):
        iin_parse(value)


def test_every_wrong_check_digit_is_refused() -> None:
    iin = iin_build(date(1990, 1, 1), "M", 17)
    assert iin is not None
    for wrong in set("0123456789") - {iin[-1]}:
        with pytest.raises(InvalidNumber, match="check digit"):
            iin_parse(iin[:-1] + wrong)


def test_bin_round_trip_and_structure() -> None:
    bin_ = next(b for s in range(50) if (b := bin_build(date(2014, 11, 1), 4, 0, s)))
    assert bin_validate(bin_) == bin_
    with pytest.raises(InvalidNumber, match="month"):
        bin_validate("141340000000")
    with pytest.raises(InvalidNumber, match="5th digit"):
        bin_validate(bin_[:4] + "7" + bin_[5:])
    with pytest.raises(InvalidNumber, match="check digit"):
        bin_validate(bin_[:-1] + str((int(bin_[-1]) + 1) % 10))
