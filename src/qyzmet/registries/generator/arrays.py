"""Vectorised building blocks: calendar days as integers, ranks inside groups, and
drawing items from per-group weighted lists, all without Python loops over rows."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ByteArray = npt.NDArray[np.uint8]

DAYS_PER_YEAR = 365.2425


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_number(value: date) -> int:
    """Days since 1970-01-01, the integer calendar every array in the generator uses."""
    return value.toordinal() - _EPOCH_ORDINAL


def day_date(number: int) -> date:
    return date.fromordinal(number + _EPOCH_ORDINAL)


def years(value: FloatArray | float) -> IntArray:
    """A span of (fractional) years as whole days."""
    return np.rint(np.asarray(value, dtype=np.float64) * DAYS_PER_YEAR).astype(np.int64)


def calendar_parts(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """(year, month 1-12, day 1-31) of each day number."""
    as_days = days.astype("datetime64[D]")
    months = as_days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (as_days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def anniversaries(days: IntArray, whole_years: IntArray | int) -> IntArray:
    """The day ``whole_years`` after each day (29 February moves to 1 March)."""
    year, month, day = calendar_parts(days)
    target_month = ((year + whole_years - 1970) * 12 + month - 1).astype("datetime64[M]")
    start = target_month.astype("datetime64[D]").astype(np.int64)
    return start + day - 1


def year_starts(year: IntArray) -> IntArray:
    """The day number of 1 January of each year."""
    starts = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return starts.astype(np.int64)


def month_starts(days: IntArray) -> IntArray:
    """The first day of the month of each day."""
    months = days.astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


def group_starts(sorted_keys: IntArray) -> BoolArray:
    """True where a run of equal keys begins in an array sorted by key."""
    starts = np.ones(len(sorted_keys), dtype=np.bool_)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return starts


def rank_in_groups(keys: IntArray) -> IntArray:
    """For each row, how many earlier rows (by position) share its key: 0, 1, 2, ..."""
    n = len(keys)
    order = np.argsort(keys, kind="stable")
    starts = group_starts(keys[order])
    positions = np.arange(n, dtype=np.int64)
    first_of_group = np.maximum.accumulate(np.where(starts, positions, 0))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = positions - first_of_group
    return ranks


def segment_offsets(counts: IntArray) -> IntArray:
    """Where each segment of a concatenation starts, given the segment lengths."""
    offsets = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    return offsets


def position_in_segments(counts: IntArray) -> IntArray:
    """0..count-1 for each segment, concatenated."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(segment_offsets(counts), counts)


class BlockSampler:
    """Draws items by weight from within a block (a group of items, e.g. the given names
    of one sex and ethnic group) named per draw, in one vectorised step.

    Each block's cumulative weights are scaled to (0, 1] and shifted by the block number,
    so one ``searchsorted`` over ``block + uniform`` lands inside the right block.
    """

    def __init__(self, blocks: IntArray, weights: FloatArray, block_count: int) -> None:
        order = np.argsort(blocks, kind="stable")
        self._items = order.astype(np.int64)
        sorted_blocks = blocks[order]
        sorted_weights = weights[order].astype(np.float64)
        totals = np.bincount(sorted_blocks, weights=sorted_weights, minlength=block_count)
        self._has_items = totals > 0
        cumulative = np.empty_like(sorted_weights)
        starts = group_starts(sorted_blocks)
        running = np.cumsum(sorted_weights)
        before_block = np.maximum.accumulate(np.where(starts, running - sorted_weights, 0.0))
        cumulative[:] = (running - before_block) / totals[sorted_blocks] + sorted_blocks
        self._cumulative = cumulative

    def has_items(self, blocks: IntArray) -> BoolArray:
        result: BoolArray = self._has_items[blocks]
        return result

    def draw(self, rng: np.random.Generator, blocks: IntArray) -> IntArray:
        """One item per requested block; every requested block must have items."""
        if not bool(self._has_items[blocks].all()):
            raise ValueError("a draw was asked from an empty block")
        targets = blocks + rng.random(len(blocks))
        found = np.searchsorted(self._cumulative, targets, side="right")
        # Floating point can put a target just past its block's last item.
        found = np.minimum(found, len(self._items) - 1)
        return self._items[found]


def zipf_weights(count: int, flatness: float = 10.0) -> FloatArray:
    """Weights for a list ordered from most to least common (names, brands)."""
    return 1.0 / (np.arange(count, dtype=np.float64) + flatness)


def ascii_digits(values: IntArray, width: int) -> ByteArray:
    """Zero-padded decimal digits of non-negative integers as ASCII bytes, shape (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values[:, None] // powers) % 10
    return (digits + ord("0")).astype(np.uint8)


def ascii_constant(text: str, rows: int) -> ByteArray:
    """The same ASCII text on every row, shape (rows, len(text))."""
    encoded = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.broadcast_to(encoded, (rows, len(encoded)))
