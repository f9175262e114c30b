"""How long to wait before trying again after a transient failure: the same exponential
backoff for every kind of delivery (notifications, envelopes to a partner state)."""

from __future__ import annotations

from datetime import timedelta


def retry_delay(attempts: int, *, first: timedelta, factor: int, cap: timedelta) -> timedelta:
    """The wait after the ``attempts``-th attempt failed: ``first``, then ``factor`` times
    longer after each further failure, never longer than ``cap``."""
    growth: int = factor ** max(attempts - 1, 0)
    return min(first * growth, cap)
