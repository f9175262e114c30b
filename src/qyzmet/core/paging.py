"""Long lists on pages, a fixed number of rows at a time, with "previous" and "next".

No count of all rows: on a national scale a count is the slowest query of the page and
nobody reads page 4 000. One row more than a page says whether there is a next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

LAST_PAGE = 10_000  # a page number beyond this is a typo or a crawler: page 1 is shown


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    number: int  # counting from 1
    first: int  # the position of the first row in the whole list, counting from 1
    last: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(text: str) -> int:
    """The page asked for in a query string (``?page=3``); 1 for anything else."""
    return int(text) if text.isdigit() and 0 < int(text) <= LAST_PAGE else 1


def page_of(rows: QuerySet[M], *, number: int, size: int) -> Page[M]:
    """Page ``number`` of ``rows`` (ordered by the caller), ``size`` rows a page."""
    start = (number - 1) * size
    found = list(rows[start : start + size + 1])  # one more: is there a next page?
    shown = found[:size]
    return Page(
        rows=shown, number=number, first=start + 1, last=start + len(shown),
        has_next=len(found) > size,
    )  # fmt: skip
