"""A plain text progress bar for a terminal (no dependency), redrawn in place."""

from __future__ import annotations

import time
from collections.abc import Callable

_WIDTH = 30


class ProgressBar:
    """Call with (done, total); draws ``[#####.....]  45%  450,000/1,000,000 persons``."""

    def __init__(
        self, write: Callable[[str], object], flush: Callable[[], object], unit: str = "persons"
    ) -> None:
        self._write = write
        self._flush = flush
        self._unit = unit
        self._started = time.monotonic()
        self._last = ""

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(share * _WIDTH)
        seconds = time.monotonic() - self._started
        line = (
            f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%}  "
            f"{done:,}/{total:,} {self._unit}  {seconds:5.1f} s"
        )
        if line != self._last:
            self._write("\r" + line)
            self._flush()
            self._last = line

    def close(self) -> None:
        if self._last:
            self._write("\n")
            self._flush()
