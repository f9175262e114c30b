"""Idempotency-Key on /api/v1: the same key gets the same answer and the effects happen once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import RequestFactory
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from qyzmet.core.audit import audit_record
from qyzmet.core.idempotency import IdempotencyMiddleware, idempotency_prune
from qyzmet.core.models import AuditEntry, IdempotentRequest
from qyzmet.identity.models import AccessToken
from qyzmet.trust.authority import TrustSetup
from qyzmet.trust.models import SigningRequest
from tests.api.endpoints import API, json_call, send
from tests.api.problems import assert_problem
from tests.api.world import signing_code
from tests.conftest import Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

TOKENS = f"{API}/identity/tokens"
REQUESTS = f"{API}/trust/signing-requests"


def _issue(persona: Persona, key: str | None, name: str = "surge") -> Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    call = json_call("POST", TOKENS, {"name": name, "scopes": ["registries:read"]})
    return send(persona.client, call, headers=headers)


def _tokens(persona: Persona) -> int:
    return AccessToken.objects.filter(account=persona.account).count()


@pytest.mark.django_db
def test_a_repeat_gets_the_stored_answer_byte_for_byte_and_runs_nothing(
    citizen_a: Persona,
) -> None:
    first = _issue(citizen_a, "apply-2024-0001")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    assert _tokens(citizen_a) == 1

    again = _issue(citizen_a, "apply-2024-0001")
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert _tokens(citizen_a) == 1  # the secret in the answer is the one token issued


@pytest.mark.django_db
def test_without_a_key_every_request_runs(citizen_a: Persona) -> None:
    assert _issue(citizen_a, None).status_code == 201
    assert _issue(citizen_a, None).status_code == 201
    assert _tokens(citizen_a) == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused(citizen_a: Persona) -> None:
    assert _issue(citizen_a, "k1", name="first").status_code == 201
    refused = assert_problem(_issue(citizen_a, "k1", name="second"), 422)
    assert refused["type"] == "urn:qyzmet:problem:idempotency-key-reused"
    assert _tokens(citizen_a) == 1


@pytest.mark.django_db
def test_keys_belong_to_the_credential(citizen_a: Persona, citizen_b: Persona) -> None:
    for_a, for_b = _issue(citizen_a, "same-key"), _issue(citizen_b, "same-key")
    assert (for_a.status_code, for_b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in for_b
    assert for_a.json()["secret"] != for_b.json()["secret"]
    assert (_tokens(citizen_a), _tokens(citizen_b)) == (1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 201, "ключ", "tab\there"])
def test_a_malformed_key_is_a_problem_naming_the_header(citizen_a: Persona, key: str) -> None:
    body = assert_problem(_issue(citizen_a, key), 400)
    assert body["type"] == "urn:qyzmet:problem:invalid-idempotency-key"
    assert "Idempotency-Key" in body["detail"]
    assert _tokens(citizen_a) == 0


@pytest.mark.django_db
def test_a_refusal_that_counts_is_committed_and_replayed(
    trust: TrustSetup,
    citizen_a: Persona,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """A wrong signing code is counted although the service raises: under the key's
    transaction a 4xx still commits, and its replay does not count the code again."""
    with django_capture_on_commit_callbacks(execute=True):  # texts the code after commit
        created = send(
            citizen_a.client,
            json_call("POST", REQUESTS, {"content_sha256": "ab" * 32, "description": "lease"}),
            headers={"Idempotency-Key": "sign-1"},
        )
    assert created.status_code == 201, created.content
    code = signing_code("+77010000001")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    confirm = json_call("POST", f"{REQUESTS}/{created.json()['id']}/confirm", {"code": wrong})

    first = send(citizen_a.client, confirm, headers={"Idempotency-Key": "confirm-1"})
    assert assert_problem(first, 422)["type"] == "urn:qyzmet:problem:code-wrong"
    assert SigningRequest.objects.get().failed_attempts == 1

    again = send(citizen_a.client, confirm, headers={"Idempotency-Key": "confirm-1"})
    assert (again.status_code, again.content) == (422, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert SigningRequest.objects.get().failed_attempts == 1


def _request(key: str = "k", body: bytes = b'{"amount": 1}') -> HttpRequest:
    request: HttpRequest = RequestFactory().post(
        f"{API}/aid", body, content_type="application/json", headers={"Idempotency-Key": key}
    )
    return request


def _view(status: int, calls: list[str]) -> Callable[[HttpRequest], HttpResponseBase]:
    """A view that records an audit entry (its effect) and answers with ``status``."""

    def view(request: HttpRequest) -> HttpResponseBase:
        calls.append(request.body.decode())
        audit_record(actor="test", action="aid.applied")
        return HttpResponse(b'{"ok": true}', status=status, content_type="application/json")

    return view


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_leaves_no_trace_and_the_key_free(status: int) -> None:
    calls: list[str] = []
    failed = IdempotencyMiddleware(_view(status, calls))(_request())
    assert failed.status_code == status
    assert not AuditEntry.objects.exists()
    assert not IdempotentRequest.objects.exists()

    retried = IdempotencyMiddleware(_view(201, calls))(_request())
    assert retried.status_code == 201
    assert calls == ['{"amount": 1}', '{"amount": 1}']  # the view read the body both times
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_an_exception_leaves_no_trace() -> None:
    def view(request: HttpRequest) -> HttpResponseBase:
        audit_record(actor="test", action="aid.applied")
        raise LookupError("the view failed")

    with pytest.raises(LookupError):
        IdempotencyMiddleware(view)(_request())
    assert not AuditEntry.objects.exists()
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_replay_is_the_claim_and_one_read(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """The claim that finds the key taken, then the stored answer, in a transaction (here a
    savepoint): a first request costs no read before its claim, a replay one after it."""
    calls: list[str] = []
    middleware = IdempotencyMiddleware(_view(201, calls))
    first = middleware(_request())
    with django_assert_num_queries(4):
        again = middleware(_request())
    assert isinstance(first, HttpResponse)
    assert isinstance(again, HttpResponse)
    assert (again.status_code, again.content) == (201, first.content)
    assert len(calls) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_a_duplicate_arriving_meanwhile_waits_and_gets_the_same_answer(
    transactional_db: None,
) -> None:
    calls: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def slow_view(request: HttpRequest) -> HttpResponseBase:
        calls.append("ran")
        audit_record(actor="test", action="aid.applied")
        inside.set()
        assert release.wait(10)
        return HttpResponse(b'{"case": 1}', status=201, content_type="application/json")

    middleware = IdempotencyMiddleware(slow_view)
    answers: dict[str, Any] = {}

    def send_as(name: str) -> None:
        try:
            answers[name] = middleware(_request())
        finally:
            connection.close()

    first = threading.Thread(target=send_as, args=("first",))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=send_as, args=("second",))
    second.start()
    _wait_for_a_blocked_insert()
    release.set()
    first.join(10)
    second.join(10)

    assert calls == ["ran"]
    assert AuditEntry.objects.count() == 1
    one, two = answers["first"], answers["second"]
    assert (one.status_code, one.content) == (two.status_code, two.content) == (201, b'{"case": 1}')
    assert two["Idempotent-Replayed"] == "true"


def _wait_for_a_blocked_insert() -> None:
    """Until the duplicate's insert is waiting on the first request's row lock."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO%%idempotentrequest%%'"
            )
            row = cursor.fetchone()
        if row is not None and row[0] == 1:
            return
        time.sleep(0.02)
    raise AssertionError("the duplicate never waited for the first request")


@pytest.mark.django_db
def test_prune_deletes_answers_older_than_a_day() -> None:
    now = timezone.now()
    for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=1))):
        IdempotentRequest.objects.create(
            scope="0" * 64, key=key, method="POST", path=f"{API}/aid", request_digest="0" * 64,
            status=201, response_body=json.dumps({"key": key}).encode(), created_at=now - age,
        )  # fmt: skip
    assert idempotency_prune() == 1
    assert idempotency_prune() is None
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["fresh"]
