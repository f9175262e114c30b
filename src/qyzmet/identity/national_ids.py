"""Kazakhstan's national identifiers: IIN for people, BIN for organisations.

Both are 12 digits whose last digit is a check digit over the first eleven: weights
1..11 modulo 11, and when that gives 10, weights 3..11,1,2 modulo 11; a second 10 means
the number can never be issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from qyzmet.core.errors import Problem

_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# Seventh IIN digit: century of birth and sex.
_CENTURY_SEX = {1: (1800, "M"), 2: (1800, "F"), 3: (1900, "M"), 4: (1900, "F"),
                5: (2000, "M"), 6: (2000, "F")}  # fmt: skip
_SEX_DIGIT = {(century, sex): digit for digit, (century, sex) in _CENTURY_SEX.items()}

# Fifth BIN digit: kind of entity; sixth: head office, branch, representation, farm.
BIN_ENTITY_KINDS = {4: "resident legal entity", 5: "non-resident legal entity",
                    6: "individual entrepreneur (joint)"}  # fmt: skip
BIN_UNIT_KINDS = {0: "head office", 1: "branch", 2: "representative office", 3: "farm"}


class InvalidNumber(ValueError):
    """A string that is not a valid IIN or BIN; the message says why in plain words."""


def check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 digits, or None when no valid number can have them."""
    digits = [int(c) for c in first_eleven]
    for weights in (_WEIGHTS_FIRST, _WEIGHTS_SECOND):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


@dataclass(frozen=True)
class IinFacts:
    iin: str
    birth_date: date
    sex: str  # "M" or "F"


def iin_parse(value: str) -> IinFacts:
    """Validate an IIN and return the birth date and sex it encodes."""
    _check_shape(value, "IIN")
    century_sex = _CENTURY_SEX.get(int(value[6]))
    if century_sex is None:
        raise InvalidNumber("the 7th digit of an IIN must be 1 to 6 (century and sex)")
    century, sex = century_sex
    try:
        born = date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise InvalidNumber("the first six digits of an IIN must be a birth date YYMMDD") from None
    _check_checksum(value, "IIN")
    return IinFacts(iin=value, birth_date=born, sex=sex)


def iin_build(birth_date: date, sex: str, serial: int) -> str | None:
    """The IIN for a birth date, sex and 4-digit serial, or None if that serial has none."""
    digit = _SEX_DIGIT[(birth_date.year // 100 * 100, sex)]
    first = f"{birth_date:%y%m%d}{digit}{serial:04d}"
    check = check_digit(first)
    return None if check is None else f"{first}{check}"


def bin_validate(value: str) -> str:
    """Validate a BIN (registration year and month, kind of entity and unit, check digit)."""
    _check_shape(value, "BIN")
    if not 1 <= int(value[2:4]) <= 12:
        raise InvalidNumber("digits 3 and 4 of a BIN must be the month of registration")
    if int(value[4]) not in BIN_ENTITY_KINDS:
        raise InvalidNumber("the 5th digit of a BIN must be 4, 5 or 6 (kind of entity)")
    if int(value[5]) not in BIN_UNIT_KINDS:
        raise InvalidNumber("the 6th digit of a BIN must be 0 to 3 (kind of unit)")
    _check_checksum(value, "BIN")
    return value


def bin_build(registered: date, entity_kind: int, unit_kind: int, serial: int) -> str | None:
    first = f"{registered:%y%m}{entity_kind}{unit_kind}{serial:05d}"
    check = check_digit(first)
    return None if check is None else f"{first}{check}"


def _check_shape(value: str, name: str) -> None:
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        article = "an" if name == "IIN" else "a"
        raise InvalidNumber(f"{article} {name} is exactly 12 digits")


def _check_checksum(value: str, name: str) -> None:
    if check_digit(value[:11]) != int(value[11]):
        raise InvalidNumber(f"the check digit of this {name} is wrong (mistyped number?)")


def iin_checked(value: str) -> IinFacts:
    """:func:`iin_parse` for callers that answer people: a bad IIN is a 422 problem."""
    try:
        return iin_parse(value)
    except InvalidNumber as error:
        raise Problem(422, str(error), code="invalid-iin") from None


def bin_checked(value: str) -> str:
    """:func:`bin_validate` for callers that answer people: a bad BIN is a 422 problem."""
    try:
        return bin_validate(value)
    except InvalidNumber as error:
        raise Problem(422, str(error), code="invalid-bin") from None
