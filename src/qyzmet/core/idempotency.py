"""Idempotency-Key on the API: the same key gets the same answer, and the effects happen once.

The first request with a key runs inside one transaction whose first statement inserts its
``IdempotentRequest`` row; the answer is written to that row before the commit. So the answer
is stored exactly when everything the view wrote (audit entries, task rows) is, and a
duplicate that arrives meanwhile waits on the row's unique index (PostgreSQL) or on the
database lock (SQLite) until it can be answered from the stored row. A 5xx or an exception
rolls everything back, leaving the key free to be tried again.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.core.errors import problem_response
from qyzmet.core.models import IdempotentRequest

API_PREFIX = "/api/v1/"
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY = re.compile(r"[\x20-\x7e]{1,200}")
# What a replay needs besides status and body; other headers are added by outer middleware.
REPLAYED_HEADERS = ("Content-Type", "Location", "Retry-After", "WWW-Authenticate", "Allow")
KEEP = timedelta(hours=24)
PRUNE_BATCH = 1000

View = Callable[[HttpRequest], HttpResponseBase]


def credential_scope(request: HttpRequest) -> str:
    """Whose request this is, as a sha256 hex: of the Authorization header, else of the session
    cookie, else of "anonymous". Decided before authentication, so it costs nothing."""
    authorization = request.headers.get("Authorization")
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if authorization:
        credential = f"authorization:{authorization}"
    elif session:
        credential = f"session:{session}"
    else:
        credential = "anonymous"
    return hashlib.sha256(credential.encode()).hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: View) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = request.headers.get("Idempotency-Key")
        if key is None or request.method not in METHODS or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not KEY.fullmatch(key):
            return problem_response(
                request,
                400,
                _("The Idempotency-Key header must be 1 to 200 printable ASCII characters."),
                code="invalid-idempotency-key",
            )
        scope, digest = credential_scope(request), _request_digest(request)
        with transaction.atomic():
            row_id = _claim(scope=scope, key=key, request=request, digest=digest)
            if row_id is None:  # answered before, or by a duplicate that ran meanwhile
                stored = IdempotentRequest.objects.filter(scope=scope, key=key).first()
                if stored is None:  # pruned in between: vanishingly rare, and safe to retry
                    return _busy(request)
                return _replay(request, stored, digest)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            _answer(row_id, response)
        return response


def _request_digest(request: HttpRequest) -> str:
    """sha256 over method, path, query and body. The body is read through a spooled file that
    then takes the place of the request's stream, so the view reads it unchanged and large
    uploads do not have to fit in memory."""
    digest = hashlib.sha256(
        f"{request.method}\n{request.path}\n{request.META.get('QUERY_STRING', '')}\n".encode()
    )
    # Not closed here: it becomes the request's stream, and goes when the request does.
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    while chunk := request._stream.read(64 * 1024):
        digest.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    request._stream = spool  # type: ignore[assignment]  # a binary file, as the stub wants
    return digest.hexdigest()


def _claim(*, scope: str, key: str, request: HttpRequest, digest: str) -> int | None:
    """Insert the key's row in the open transaction; None if another request holds it.

    On PostgreSQL the insert waits while a duplicate is still running, then does nothing if
    that one committed, or inserts if it rolled back.
    """
    fields: dict[str, Any] = {
        "scope": scope,
        "key": key,
        "method": request.method,
        "path": request.path,
        "request_digest": digest,
        "status": 0,
        "response_headers": "{}",
        "response_body": b"",
        "created_at": timezone.now(),
    }
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in fields)
    values = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(IdempotentRequest._meta.db_table)} ({columns}) "  # noqa: S608 - model names
            f"VALUES ({values}) "
            f"ON CONFLICT ({quote('scope')}, {quote('key')}) DO NOTHING RETURNING {quote('id')}",
            list(fields.values()),
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _answer(row_id: int, response: HttpResponseBase) -> None:
    """Store the answer on the key's row (one statement: this is on every POST's path)."""
    headers = {h: response[h] for h in REPLAYED_HEADERS if h in response}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(IdempotentRequest._meta.db_table)} SET {quote('status')} = %s, "  # noqa: S608 - model names
            f"{quote('response_headers')} = %s, {quote('response_body')} = %s "
            f"WHERE {quote('id')} = %s",
            [response.status_code, json.dumps(headers), _body_of(response), row_id],
        )


def _body_of(response: HttpResponseBase) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        body = b"".join(response.streaming_content)  # type: ignore[arg-type]  # WSGI: sync
        response.streaming_content = [body]
        return body
    if isinstance(response, HttpResponse):
        return response.content
    return b""


def _replay(request: HttpRequest, stored: IdempotentRequest, digest: str) -> HttpResponse:
    if stored.request_digest != digest:
        return problem_response(
            request,
            422,
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency-key-reused",
        )
    response = HttpResponse(bytes(stored.response_body), status=stored.status)
    for name, value in stored.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _busy(request: HttpRequest) -> HttpResponse:
    return problem_response(
        request,
        409,
        _("A request with this Idempotency-Key is being processed. Try again."),
        code="idempotency-key-in-use",
        headers={"Retry-After": "1"},
    )


def idempotency_prune(*, older_than: timedelta = KEEP) -> int | None:
    """Delete up to a batch of stored answers older than ``older_than``; how many, or None
    when none was left (one of the worker's periodic jobs)."""
    cutoff = timezone.now() - older_than
    return delete_batch(IdempotentRequest.objects.filter(created_at__lt=cutoff))


def delete_batch(rows: QuerySet[Any]) -> int | None:
    ids = list(rows.order_by().values_list("pk", flat=True)[:PRUNE_BATCH])
    if not ids:
        return None
    deleted, _by_model = rows.model.objects.filter(pk__in=ids).delete()
    return int(deleted)
