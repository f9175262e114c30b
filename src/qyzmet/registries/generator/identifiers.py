"""National numbers for generated people, organisations, vehicles and real estate,
unique across all chunks of a run without looking at what other chunks made.

Uniqueness comes from *slots*: within a chunk, the rows that share a prefix (an IIN's
birth date and sex, a BIN's registration month) are ranked 0, 1, 2...; rank ``r`` of
chunk ``c`` of ``C`` gets slot ``r * C + c``, so two chunks never share a slot.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import numpy.typing as npt

from qyzmet.identity.national_ids import bin_build, iin_build
from qyzmet.registries.generator import data
from qyzmet.registries.generator.arrays import (
    BoolArray,
    ByteArray,
    IntArray,
    ascii_digits,
    calendar_parts,
    day_date,
    rank_in_groups,
)

# The IIN/BIN check digit (see qyzmet.identity.national_ids): weights 1..11 mod 11,
# then 3..11,1,2 when the first gives 10; the tests compare both on every IIN made.
_WEIGHTS_FIRST = np.arange(1, 12, dtype=np.int64)
_WEIGHTS_SECOND = np.array([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], dtype=np.int64)
_SERIALS = 10_000
_BIN_SLOTS = 50_000  # serials 2j and 2j+1 share slot j, see bin_for_slot


class SlotsExhausted(Exception):
    """A chunk has more rows with one prefix than it has slots for."""


@cache
def _iin_serial_table() -> tuple[npt.NDArray[np.int16], int]:
    """For each pair of residues (mod 11) of the first seven IIN digits under the two
    weightings, the serials in increasing order whose check digit exists, and how many
    slots every pair has (the smallest count)."""
    serial = np.arange(_SERIALS, dtype=np.int64)
    digits = ascii_digits(serial, 4).astype(np.int64) - ord("0")
    first = digits @ _WEIGHTS_FIRST[7:]
    second = digits @ _WEIGHTS_SECOND[7:]
    rows: list[IntArray] = []
    for p1 in range(11):
        for p2 in range(11):
            impossible = ((p1 + first) % 11 == 10) & ((p2 + second) % 11 == 10)
            rows.append(serial[~impossible])
    slots = min(len(row) for row in rows)
    table = np.stack([row[:slots] for row in rows]).astype(np.int16)
    return table, slots


def iin_slots_per_chunk(chunks_total: int) -> int:
    """How many people with the same birth date and sex one chunk may hold."""
    return _iin_serial_table()[1] // chunks_total


def iin_ranks_fit(birth_days: IntArray, female: BoolArray, chunks_total: int) -> BoolArray:
    """Whether each person's rank among the chunk's people of the same birth date and
    sex leaves room for a slot (rare misses are moved to another day by the caller)."""
    rank = rank_in_groups(birth_days * 2 + female)
    fits: BoolArray = rank < iin_slots_per_chunk(chunks_total)
    return fits


def iin_chars(
    birth_days: IntArray, female: BoolArray, chunk_no: int, chunks_total: int
) -> ByteArray:
    """The IINs of a chunk's people as ASCII rows (n, 12): birth date YYMMDD, the
    century-and-sex digit, a serial from the person's slot, the check digit."""
    table, slots = _iin_serial_table()
    slot = rank_in_groups(birth_days * 2 + female) * chunks_total + chunk_no
    if bool((slot >= slots).any()):
        raise SlotsExhausted("too many people share a birth date and sex in one chunk")
    year, month, day = calendar_parts(birth_days)
    century_sex = np.where(year >= 2000, 5, 3) + female.astype(np.int64)
    head = np.stack(
        [
            year % 100 // 10, year % 10, month // 10, month % 10, day // 10, day % 10,
            century_sex,
        ],
        axis=1,
    )  # fmt: skip
    p1 = (head @ _WEIGHTS_FIRST[:7]) % 11
    p2 = (head @ _WEIGHTS_SECOND[:7]) % 11
    serial = table[p1 * 11 + p2, slot].astype(np.int64)
    first_eleven = np.hstack([head, ascii_digits(serial, 4).astype(np.int64) - ord("0")])
    return (np.hstack([first_eleven, _check_digits(first_eleven)[:, None]]) + ord("0")).astype(
        np.uint8
    )


def _check_digits(first_eleven: IntArray) -> IntArray:
    first = (first_eleven @ _WEIGHTS_FIRST) % 11
    second = (first_eleven @ _WEIGHTS_SECOND) % 11
    if bool(((first == 10) & (second == 10)).any()):
        raise AssertionError("a serial without a check digit was chosen")
    check: IntArray = np.where(first == 10, second, first)
    return check


def iin_confirm(chars: ByteArray, birth_days: IntArray, female: BoolArray, rows: int) -> None:
    """Check a few IINs against the reference implementation, national_ids.iin_build."""
    for i in range(min(rows, len(chars))):
        iin = bytes(chars[i]).decode("ascii")
        expected = iin_build(day_date(int(birth_days[i])), "F" if female[i] else "M",
                             int(iin[7:11]))  # fmt: skip
        if expected != iin:
            raise AssertionError(f"generated IIN {iin} differs from iin_build: {expected}")


def bin_slot_fits(rank: int, chunk_no: int, chunks_total: int) -> bool:
    return rank * chunks_total + chunk_no < _BIN_SLOTS


def bin_for_slot(registered: date, rank: int, chunk_no: int, chunks_total: int) -> str:
    """The BIN of a resident legal entity's head office registered in that month.

    Slot ``j`` is serial ``2j`` or, if that one has no check digit, ``2j + 1``: the last
    serial digit weighs 11 (nothing, mod 11) in the first weighting and 2 in the second,
    so of two neighbours at most one can lack a check digit.
    """
    slot = rank * chunks_total + chunk_no
    if slot >= _BIN_SLOTS:
        raise SlotsExhausted("too many organisations registered in one month in one chunk")
    result = bin_build(registered, 4, 0, 2 * slot) or bin_build(registered, 4, 0, 2 * slot + 1)
    if result is None:
        raise AssertionError("two neighbouring BIN serials both lack a check digit")
    return result


# VIN characters (no I, O, Q), their values for the check digit, and position weights.
_VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}  # fmt: skip
_VIN_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model year 1980 + i, repeating every 30
VIN_CAPACITY = len(_VIN_ALPHABET) * 10**6


def _value_table() -> IntArray:
    table = np.zeros(128, dtype=np.int64)
    for char, value in _VIN_VALUES.items():
        table[ord(char)] = value
    return table


def vin_chars(model: IntArray, year: IntArray, number: IntArray) -> ByteArray:
    """VINs as ASCII rows (n, 17): maker and model code, check digit, model year, then a
    plant letter and six digits spelling ``number``, which must be unique per vehicle."""
    if bool((number >= VIN_CAPACITY).any()):
        raise SlotsExhausted("too many vehicles for the VIN serial space")
    prefixes = np.array(
        [list((model.wmi + model.descriptor).encode()) for model in data.VEHICLE_MODELS],
        dtype=np.uint8,
    )
    alphabet = np.frombuffer(_VIN_ALPHABET.encode(), dtype=np.uint8)
    year_codes = np.frombuffer(_YEAR_CODES.encode(), dtype=np.uint8)
    chars = np.empty((len(model), 17), dtype=np.uint8)
    chars[:, :8] = prefixes[model]
    chars[:, 9] = year_codes[(year - 1980) % 30]
    chars[:, 10] = alphabet[number // 10**6]
    chars[:, 11:] = ascii_digits(number % 10**6, 6)
    chars[:, 8] = ord("0")
    total = (_value_table()[chars] * _VIN_WEIGHTS).sum(axis=1) % 11
    chars[:, 8] = np.where(total == 10, ord("X"), total + ord("0"))
    return chars


def plate_chars(rng: np.random.Generator, region_code: IntArray) -> ByteArray:
    """Number plates "123ABC02": three digits, three letters, the region's code."""
    rows = len(region_code)
    letters = np.frombuffer(data.PLATE_LETTERS.encode(), dtype=np.uint8)
    chars = np.empty((rows, 8), dtype=np.uint8)
    chars[:, :3] = ascii_digits(rng.integers(1, 1000, rows), 3)
    chars[:, 3:6] = letters[rng.integers(0, len(letters), (rows, 3))]
    chars[:, 6:] = ascii_digits(region_code, 2)
    return chars


def cadastral_chars(
    region_code: IntArray, district_no: IntArray, chunk_no: int, serial: IntArray
) -> ByteArray:
    """Cadastral numbers "RR-DDD-CCCCCC-SSSSSS": region, district, chunk, serial."""
    rows = len(serial)
    dash = np.full((rows, 1), ord("-"), dtype=np.uint8)
    return np.hstack([
        ascii_digits(region_code, 2), dash, ascii_digits(district_no, 3), dash,
        ascii_digits(np.full(rows, chunk_no, dtype=np.int64), 6), dash,
        ascii_digits(serial, 6),
    ])  # fmt: skip
