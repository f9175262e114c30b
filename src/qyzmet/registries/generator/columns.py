"""Generated rows as typed columns, and the two ways they reach a database.

On PostgreSQL a :class:`Batch` becomes one ``COPY ... (FORMAT binary)`` payload, built
from whole columns: fixed-width fields are laid out with numpy, text comes from
vocabularies whose encoded bytes are made once. Elsewhere (SQLite) the same batch gives
plain Python rows for ``executemany``.
"""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, cast

import numpy as np
import numpy.typing as npt

from qyzmet.registries.generator.arrays import BoolArray, ByteArray, IntArray

# PostgreSQL counts dates from 2000-01-01; the generator from 1970-01-01.
_PG_DATE_ZERO = 10_957
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_NULL = struct.pack(">i", -1)

Piece = ByteArray | list[bytes]  # fixed-width bytes per row (n, width), or one bytes per row
SqlValue = int | str | None


class Vocabulary:
    """A fixed list of strings that columns refer to by position."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = tuple(words)

    def __len__(self) -> int:
        return len(self.words)

    @cached_property
    def copy_pieces(self) -> npt.NDArray[np.object_]:
        """Each word as a binary COPY field: 4-byte length, then UTF-8."""
        pieces = np.empty(len(self.words), dtype=object)
        for i, word in enumerate(self.words):
            encoded = word.encode()
            pieces[i] = struct.pack(">i", len(encoded)) + encoded
        return pieces

    @cached_property
    def objects(self) -> npt.NDArray[np.object_]:
        words = np.empty(len(self.words), dtype=object)
        words[:] = self.words
        return words


class Column(ABC):
    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def copy_piece(self) -> Piece:
        """The column's binary COPY fields, including each field's length word."""

    @abstractmethod
    def python_values(self) -> list[SqlValue]:
        """The values as a DB-API driver takes them (dates as ISO text)."""

    @abstractmethod
    def take(self, rows: IntArray) -> Column:
        """The column with only the given rows, in that order."""


def _fixed(values: npt.NDArray[np.generic], code: str, size: int) -> ByteArray:
    """Length word + big-endian value for every row, shape (n, 4 + size)."""
    layout = np.dtype([("length", ">i4"), ("value", code)])
    fields = np.empty(len(values), dtype=layout)
    fields["length"] = size
    fields["value"] = values
    return fields.view(np.uint8).reshape(len(values), 4 + size)


def _with_nulls(fixed: ByteArray, null: BoolArray) -> list[bytes]:
    pieces = np.full(len(fixed), _NULL, dtype=object)
    present = np.flatnonzero(~null)
    rows = np.ascontiguousarray(fixed[present]).view(np.dtype((np.void, fixed.shape[1])))
    pieces[present] = rows.ravel().tolist()
    result: list[bytes] = pieces.tolist()
    return result


_INT_LAYOUT = {"int8": (">i8", 8), "int4": (">i4", 4), "int2": (">i2", 2)}


class IntColumn(Column):
    def __init__(
        self,
        name: str,
        values: IntArray,
        *,
        pg_type: Literal["int8", "int4", "int2"] = "int8",
        null: BoolArray | None = None,
    ) -> None:
        super().__init__(name)
        self.values = values
        self.pg_type = pg_type
        self.null = null if null is not None and bool(null.any()) else None

    def __len__(self) -> int:
        return len(self.values)

    def copy_piece(self) -> Piece:
        code, size = _INT_LAYOUT[self.pg_type]
        fixed = _fixed(self.values, code, size)
        return fixed if self.null is None else _with_nulls(fixed, self.null)

    def take(self, rows: IntArray) -> IntColumn:
        null = None if self.null is None else self.null[rows]
        return IntColumn(self.name, self.values[rows], pg_type=self.pg_type, null=null)

    def python_values(self) -> list[SqlValue]:
        values: list[SqlValue] = self.values.tolist()
        if self.null is not None:
            for i in np.flatnonzero(self.null).tolist():
                values[i] = None
        return values


class DateColumn(Column):
    """Day numbers (since 1970-01-01) stored as SQL dates."""

    def __init__(self, name: str, days: IntArray, *, null: BoolArray | None = None) -> None:
        super().__init__(name)
        self.days = days
        self.null = null if null is not None and bool(null.any()) else None

    def __len__(self) -> int:
        return len(self.days)

    def copy_piece(self) -> Piece:
        fixed = _fixed((self.days - _PG_DATE_ZERO).astype(np.int32), ">i4", 4)
        return fixed if self.null is None else _with_nulls(fixed, self.null)

    def take(self, rows: IntArray) -> DateColumn:
        null = None if self.null is None else self.null[rows]
        return DateColumn(self.name, self.days[rows], null=null)

    def python_values(self) -> list[SqlValue]:
        text = np.datetime_as_string(self.days.astype("datetime64[D]"), unit="D")
        values: list[SqlValue] = text.tolist()
        if self.null is not None:
            for i in np.flatnonzero(self.null).tolist():
                values[i] = None
        return values


class AsciiColumn(Column):
    """Fixed-width ASCII text (IINs, VINs, plates), one row of bytes per value."""

    def __init__(self, name: str, chars: ByteArray) -> None:
        super().__init__(name)
        self.chars = chars

    def __len__(self) -> int:
        return len(self.chars)

    def copy_piece(self) -> Piece:
        rows, width = self.chars.shape
        length = np.empty((rows, 4), dtype=np.uint8)
        length[:] = np.frombuffer(struct.pack(">i", width), dtype=np.uint8)
        return np.hstack([length, self.chars])

    def take(self, rows: IntArray) -> AsciiColumn:
        return AsciiColumn(self.name, self.chars[rows])

    def python_values(self) -> list[SqlValue]:
        width = self.chars.shape[1]
        raw = np.ascontiguousarray(self.chars).view(f"S{width}").ravel()
        return [value.decode("ascii") for value in raw.tolist()]


class VocabularyColumn(Column):
    def __init__(self, name: str, vocabulary: Vocabulary, index: IntArray) -> None:
        super().__init__(name)
        self.vocabulary = vocabulary
        self.index = index

    def __len__(self) -> int:
        return len(self.index)

    def copy_piece(self) -> Piece:
        pieces: list[bytes] = self.vocabulary.copy_pieces[self.index].tolist()
        return pieces

    def take(self, rows: IntArray) -> VocabularyColumn:
        return VocabularyColumn(self.name, self.vocabulary, self.index[rows])

    def python_values(self) -> list[SqlValue]:
        values: list[SqlValue] = self.vocabulary.objects[self.index].tolist()
        return values


class TextColumn(Column):
    """Free text, for the few columns whose values are not from a vocabulary."""

    def __init__(self, name: str, values: Sequence[str]) -> None:
        super().__init__(name)
        self.values = list(values)

    def __len__(self) -> int:
        return len(self.values)

    def copy_piece(self) -> Piece:
        return [struct.pack(">i", len(encoded)) + encoded for encoded in self._encoded()]

    def _encoded(self) -> list[bytes]:
        return [value.encode() for value in self.values]

    def take(self, rows: IntArray) -> TextColumn:
        return TextColumn(self.name, [self.values[row] for row in rows.tolist()])

    def python_values(self) -> list[SqlValue]:
        return list(self.values)


@dataclass(frozen=True)
class Batch:
    """Rows for one table, as columns of equal length."""

    table: str
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        lengths = {len(column) for column in self.columns}
        if len(lengths) > 1:
            raise ValueError(f"columns of {self.table} differ in length: {sorted(lengths)}")

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @property
    def column_names(self) -> str:
        return ", ".join(column.name for column in self.columns)

    def ordered_by(self, name: str) -> Batch:
        """The same rows sorted by an integer column: indexes on it then grow in order."""
        key = next(c for c in self.columns if c.name == name)
        if not isinstance(key, IntColumn):
            raise TypeError(f"{self.table}.{name} is not an integer column")
        order = np.argsort(key.values, kind="stable").astype(np.int64)
        return Batch(self.table, tuple(column.take(order) for column in self.columns))

    def copy_statement(self) -> str:
        return f"COPY {self.table} ({self.column_names}) FROM STDIN (FORMAT binary)"

    def insert_statement(self) -> str:
        marks = ", ".join(["%s"] * len(self.columns))
        return f"INSERT INTO {self.table} ({self.column_names}) VALUES ({marks})"  # noqa: S608 - names are ours

    def copy_payload(self) -> bytes:
        """The whole binary COPY stream: header, one tuple per row, trailer."""
        field_count = np.empty((self.rows, 2), dtype=np.uint8)
        field_count[:] = np.frombuffer(struct.pack(">h", len(self.columns)), dtype=np.uint8)
        segments = _merge_fixed([field_count, *(c.copy_piece() for c in self.columns)])
        if len(segments) == 1 and isinstance(segments[0], np.ndarray):
            body = segments[0].tobytes()
        else:
            body = _interleave(segments, self.rows)
        return _COPY_HEADER + body + _COPY_TRAILER

    def python_rows(self) -> list[tuple[SqlValue, ...]]:
        return list(zip(*(column.python_values() for column in self.columns), strict=True))


def _merge_fixed(pieces: list[Piece]) -> list[Piece]:
    """Join neighbouring fixed-width pieces, so rows have as few parts as possible."""
    merged: list[Piece] = []
    run: list[ByteArray] = []
    for piece in pieces:
        if isinstance(piece, np.ndarray):
            run.append(piece)
            continue
        if run:
            merged.append(np.hstack(run))
            run = []
        merged.append(piece)
    if run:
        merged.append(np.hstack(run))
    return merged


def _interleave(segments: list[Piece], rows: int) -> bytes:
    """Row by row, the parts of every segment, joined in one pass."""
    width = len(segments)
    parts: list[bytes] = [b""] * (rows * width)
    for position, segment in enumerate(segments):
        if isinstance(segment, np.ndarray):
            row_bytes = np.ascontiguousarray(segment).view(np.dtype((np.void, segment.shape[1])))
            parts[position::width] = cast(list[bytes], row_bytes.ravel().tolist())
        else:
            parts[position::width] = segment
    return b"".join(parts)
