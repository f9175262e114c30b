"""Admission control of the API: beyond capacity, a fast 429 with Retry-After, not a queue.

Only unsafe requests under /api/v1/ are limited (reads stay open for status checks), and
each is decided before authentication, from memory, except the per-credential count (one
statement) and the task backlog (one count a second per process). The limits, in order:
requests in flight in this process, a token bucket of this process, the task backlog for
intake paths, and requests per credential per minute across processes.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import Counter
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from qyzmet.core.errors import problem_response
from qyzmet.core.idempotency import API_PREFIX, View, credential_scope, delete_batch
from qyzmet.core.models import AdmissionWindow

logger = logging.getLogger("qyzmet.admission")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Counted only up to this many times the bound: enough to size Retry-After, and cheap.
BACKLOG_COUNT_CAP = 10
BACKLOG_CACHE_SECONDS = 1.0

_rejections: Counter[str] = Counter()
_rejections_lock = threading.Lock()


def admission_counters() -> dict[str, int]:
    """Requests refused in this process since it started, by reason: "in-flight", "rate",
    "backlog", "user"."""
    with _rejections_lock:
        return dict(_rejections)


class AdmissionMiddleware:
    def __init__(self, get_response: View) -> None:
        self.get_response = get_response
        self._lock = threading.Lock()
        self._in_flight = 0
        self._tokens = math.inf  # the bucket starts full
        self._filled_at = time.monotonic()
        self._backlog = 0
        self._backlog_at = -math.inf
        self._counting = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in SAFE_METHODS or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        with self._lock:
            refusal = self._in_flight_refusal() or self._rate_refusal()
            if refusal is None:
                self._in_flight += 1
        if refusal is not None:
            return _refused(request, *refusal)
        try:
            refusal = self._backlog_refusal(request) or _user_refusal(request)
            if refusal is not None:
                return _refused(request, *refusal)
            return self.get_response(request)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _in_flight_refusal(self) -> tuple[str, int] | None:
        limit: int = settings.QYZMET_ADMISSION_IN_FLIGHT
        return ("in-flight", 1) if limit and self._in_flight >= limit else None

    def _rate_refusal(self) -> tuple[str, int] | None:
        """Take a token from this process's bucket (burst: one second's worth)."""
        rate: float = settings.QYZMET_ADMISSION_RATE
        if rate <= 0:
            return None
        now = time.monotonic()
        self._tokens = min(max(rate, 1.0), self._tokens + (now - self._filled_at) * rate)
        self._filled_at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return "rate", max(1, math.ceil((1 - self._tokens) / rate))

    def _backlog_refusal(self, request: HttpRequest) -> tuple[str, int] | None:
        limit: int = settings.QYZMET_ADMISSION_BACKLOG
        if not limit or request.method != "POST" or not _is_intake(request.path):
            return None
        # One thread of the process counts (a count reads the whole backlog); the others
        # go by the last count meanwhile.
        if time.monotonic() - self._backlog_at >= BACKLOG_CACHE_SECONDS and (
            self._counting.acquire(blocking=False)
        ):
            try:
                ready = DBTaskResult.objects.ready()[: limit * BACKLOG_COUNT_CAP].count()
                self._backlog, self._backlog_at = ready, time.monotonic()
            except DatabaseError:  # the view will meet the database's trouble itself
                logger.warning("could not count the task backlog", exc_info=True)
                return None
            finally:
                self._counting.release()
        if self._backlog <= limit:
            return None
        # A minute for each bound's worth of waiting tasks: the workers drain it meanwhile.
        return "backlog", math.ceil(60 * self._backlog / limit)


@cache
def _intake_patterns(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(pattern) for pattern in patterns]


def _is_intake(path: str) -> bool:
    patterns = _intake_patterns(tuple(settings.QYZMET_ADMISSION_INTAKE_PATHS))
    return any(pattern.search(path) for pattern in patterns)


def _user_refusal(request: HttpRequest) -> tuple[str, int] | None:
    """Count the request against its credential's current minute, in the database so that
    every web process shares the count; refuse past QYZMET_ADMISSION_USER_PER_MINUTE."""
    limit: int = settings.QYZMET_ADMISSION_USER_PER_MINUTE
    if not limit:
        return None
    now = time.time()
    try:
        count = _count_in_minute(credential_scope(request), int(now // 60))
    except DatabaseError:
        logger.warning("could not count requests per credential", exc_info=True)
        return None
    if count <= limit:
        return None
    return "user", max(1, math.ceil(60 - now % 60))


def _count_in_minute(scope: str, minute: int) -> int:
    quote = connection.ops.quote_name
    table = quote(AdmissionWindow._meta.db_table)
    scope_, minute_, requests = quote("scope"), quote("minute"), quote("requests")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({scope_}, {minute_}, {requests}) VALUES (%s, %s, 1) "  # noqa: S608 - model names
            f"ON CONFLICT ({scope_}, {minute_}) DO UPDATE SET {requests} = {table}.{requests} + 1 "
            f"RETURNING {requests}",
            [scope, minute],
        )
        (count,) = cursor.fetchone()  # an upsert always returns its row
    return int(count)


def _refused(request: HttpRequest, reason: str, retry_after: int) -> HttpResponse:
    with _rejections_lock:
        _rejections[reason] += 1
    detail = ngettext(
        "The service is busy. Try again in %(seconds)d second.",
        "The service is busy. Try again in %(seconds)d seconds.",
        retry_after,
    ) % {"seconds": retry_after}
    return problem_response(
        request,
        429,
        detail,
        code="too-many-requests",
        headers={"Retry-After": str(retry_after)},
    )


def admission_prune() -> int | None:
    """Delete a batch of per-credential counts of past minutes; how many, or None when none
    was left (one of the worker's periodic jobs)."""
    current = int(time.time() // 60)
    return delete_batch(AdmissionWindow.objects.filter(minute__lt=current))
