"""Admission control on /api/v1: past capacity, unsafe requests get a fast 429 with
Retry-After; reads are never limited."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client, RequestFactory
from django.utils import translation
from django_tasks import task
from pytest_django import Settings

from qyzmet.core.admission import AdmissionMiddleware, admission_counters, admission_prune
from qyzmet.core.models import AdmissionWindow
from tests.api.endpoints import API, json_call, send
from tests.api.problems import assert_problem
from tests.conftest import Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

AID = f"{API}/aid"


@task()
def backlog_filler() -> None:
    """A task that only has to wait in the queue."""


@pytest.fixture
def only(settings: Settings) -> Callable[..., None]:
    """Turn every limit off except those given."""

    def limits(**given: float) -> None:
        settings.QYZMET_ADMISSION_IN_FLIGHT = 0
        settings.QYZMET_ADMISSION_RATE = 0
        settings.QYZMET_ADMISSION_USER_PER_MINUTE = 0
        settings.QYZMET_ADMISSION_BACKLOG = 0
        for name, value in given.items():
            setattr(settings, f"QYZMET_ADMISSION_{name.upper()}", value)

    return limits


def _ok(request: HttpRequest) -> HttpResponseBase:
    return HttpResponse(b"{}", content_type="application/json")


def _call(middleware: AdmissionMiddleware, method: str = "POST") -> HttpResponseBase:
    request = RequestFactory().generic(method, AID, b"{}", content_type="application/json")
    return middleware(request)


def _assert_busy(response: HttpResponseBase, retry_after: int | None = None) -> int:
    """A 429 problem with a whole number of seconds in Retry-After; returns them."""
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    seconds = int(response["Retry-After"])
    assert seconds >= 1
    if retry_after is not None:
        assert seconds == retry_after
    assert isinstance(response, HttpResponse)
    # In the request's language (Kazakh by default); the seconds are said in any of them.
    assert f" {seconds} " in json.loads(response.content)["detail"]
    return seconds


def test_requests_past_the_in_flight_limit_are_refused_at_once(only: Callable[..., None]) -> None:
    """No database here: in-flight and rate limits are decided in memory."""
    only(in_flight=1)
    inside, release = threading.Event(), threading.Event()
    reads: list[str] = []

    def view(request: HttpRequest) -> HttpResponseBase:
        if request.method == "GET":
            reads.append("read")
            return _ok(request)
        inside.set()
        assert release.wait(10)
        return _ok(request)

    middleware = AdmissionMiddleware(view)
    first = threading.Thread(target=_call, args=(middleware,))
    first.start()
    assert inside.wait(10)
    before = admission_counters().get("in-flight", 0)
    started = time.monotonic()
    _assert_busy(_call(middleware), retry_after=1)
    assert time.monotonic() - started < 0.5
    assert admission_counters()["in-flight"] == before + 1
    assert _call(middleware, "GET").status_code == 200  # reads are not limited
    assert reads == ["read"]
    release.set()
    first.join(10)
    assert _call(middleware).status_code == 200  # the slot is free again


def test_the_token_bucket_allows_a_second_worth_then_refills(only: Callable[..., None]) -> None:
    only(rate=2)
    middleware = AdmissionMiddleware(_ok)
    assert [_call(middleware).status_code for _ in range(2)] == [200, 200]
    before = admission_counters().get("rate", 0)
    _assert_busy(_call(middleware), retry_after=1)
    assert admission_counters()["rate"] == before + 1
    assert all(_call(middleware, m).status_code == 200 for m in ("GET", "HEAD", "OPTIONS"))
    time.sleep(0.6)  # 2 a second: one token back
    assert _call(middleware).status_code == 200


def test_paths_outside_the_api_are_not_limited(only: Callable[..., None]) -> None:
    only(rate=1)
    middleware = AdmissionMiddleware(_ok)
    assert _call(middleware).status_code == 200
    request = RequestFactory().post("/login", {"username": "x"})
    assert middleware(request).status_code == 200
    _assert_busy(_call(middleware))


def _next_minute_if_ending() -> None:
    """Counts are per calendar minute: start a test that needs one away from its end."""
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.1)


def _issue(persona: Persona) -> Response:
    call = json_call("POST", f"{API}/identity/tokens", {"name": "n", "scopes": ["registries:read"]})
    return send(persona.client, call)


@pytest.mark.django_db
def test_each_credential_has_its_own_count_per_minute(
    only: Callable[..., None], citizen_a: Persona, citizen_b: Persona
) -> None:
    only(user_per_minute=2)
    _next_minute_if_ending()
    assert [_issue(citizen_a).status_code for _ in range(2)] == [201, 201]
    before = admission_counters().get("user", 0)
    refused = _issue(citizen_a)
    assert assert_problem(refused, 429)["type"] == "urn:qyzmet:problem:too-many-requests"
    assert 1 <= _assert_busy(refused) <= 60
    assert admission_counters()["user"] == before + 1
    assert citizen_a.client.get(f"{API}/identity/me").status_code == 200  # reads stay open
    assert _issue(citizen_b).status_code == 201  # another credential, another count
    assert sorted(AdmissionWindow.objects.values_list("requests", flat=True)) == [1, 3]


@pytest.mark.django_db
def test_the_refusal_speaks_the_language_of_the_request(
    only: Callable[..., None], citizen_a: Persona
) -> None:
    only(user_per_minute=1)
    _next_minute_if_ending()
    assert _issue(citizen_a).status_code == 201
    call = json_call("POST", f"{API}/identity/tokens", {"name": "n", "scopes": ["x"]})
    refused = send(citizen_a.client, call, headers={"Accept-Language": "ru"})
    assert refused.status_code == 429
    assert refused["Content-Language"] == "ru"
    with translation.override("ru"):
        expected = translation.ngettext(
            "The service is busy. Try again in %(seconds)d second.",
            "The service is busy. Try again in %(seconds)d seconds.",
            int(refused["Retry-After"]),
        ) % {"seconds": int(refused["Retry-After"])}
    assert refused.json()["detail"] == expected


@pytest.mark.django_db
def test_past_minutes_are_pruned() -> None:
    current = int(time.time() // 60)
    AdmissionWindow.objects.create(scope="a" * 64, minute=current - 2, requests=5)
    AdmissionWindow.objects.create(scope="a" * 64, minute=current + 1, requests=1)
    assert admission_prune() == 1
    assert admission_prune() is None
    assert AdmissionWindow.objects.count() == 1


@pytest.mark.django_db
def test_intake_is_refused_while_the_task_backlog_is_too_long(
    only: Callable[..., None], citizen_a: Persona
) -> None:
    for _ in range(3):
        backlog_filler.enqueue()
    only(backlog=3)
    client = Client()  # a fresh process, as far as the cached backlog is concerned
    intake = json_call("POST", f"{API}/cases", {})
    assert send(client, intake).status_code != 429  # 3 waiting tasks: at the bound
    only(backlog=2)  # the same 3 (counted once a second) are now past it
    before = admission_counters().get("backlog", 0)
    refused = send(client, intake)
    assert_problem(refused, 429)
    assert _assert_busy(refused) == 90  # a minute for each bound's worth waiting
    assert admission_counters()["backlog"] == before + 1
    assert send(client, json_call("POST", f"{API}/cases/c-1/submit", {})).status_code == 429
    assert send(client, json_call("POST", f"{API}/cases/c-1/withdraw", {})).status_code != 429
    assert client.get(f"{API}/cases").status_code != 429
    assert _issue(citizen_a).status_code == 201  # not an intake path
