"""The exchange's HTTP face: the X-Road message protocol for REST, version r1."""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from qyzmet.exchange.mediator import mediate
from qyzmet.exchange.messages import ExchangeRequest


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _tls_certificate(request: HttpRequest) -> bytes:
    """The client certificate a trusted TLS terminator verified (mutual TLS), if any."""
    if request.META.get("REMOTE_ADDR") not in settings.QYZMET_TLS_PROXIES:
        return b""
    return unquote(request.headers.get(settings.QYZMET_TLS_CLIENT_HEADER, "")).encode()


@csrf_exempt
def r1(request: HttpRequest, target: str) -> HttpResponse:
    """``/r1/{instance}/{class}/{member}/{subsystem}/{service}/...``, any method."""
    answer = mediate(
        ExchangeRequest(
            method=request.method or "GET",
            target=target,
            query=request.META.get("QUERY_STRING", ""),
            body=request.body,
            client=request.headers.get("X-Road-Client", ""),
            channel="http",
            message_id=request.headers.get("X-Road-Id", ""),
            user_id=request.headers.get("X-Road-UserId", ""),
            issue=request.headers.get("X-Road-Issue", ""),
            purpose=request.headers.get("X-Qyzmet-Purpose", ""),
            consent=request.headers.get("X-Qyzmet-Consent", ""),
            assertion=_bearer(request),
            tls_certificate=_tls_certificate(request),
        )
    )
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    return response
