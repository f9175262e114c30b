"""Sending exchange requests over HTTP: from a member system to a mediator, and from a
mediator to the node where a provider's registry runs.

Connections are kept alive per thread and per host. Every request carries a fresh client
assertion over its exact bytes (:mod:`qyzmet.exchange.assertions`).
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import replace
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from qyzmet.exchange.assertions import assertion_make, request_hash
from qyzmet.exchange.directory import ServiceEntry, directory
from qyzmet.exchange.messages import ExchangeAnswer, ExchangeRequest, Refusal
from qyzmet.exchange.models import Subsystem
from qyzmet.trust.authority import signing_identity
from qyzmet.trust.models import Certificate, KeyHolder
from qyzmet.trust.signer import SigningIdentity

TIMEOUT_SECONDS = 10.0
_connections = threading.local()


def _connection(base_url: str) -> http.client.HTTPConnection:
    pool: dict[str, http.client.HTTPConnection] = _connections.__dict__.setdefault("pool", {})
    found = pool.get(base_url)
    if found is None:
        parts = urlsplit(base_url)
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        found = kind(parts.netloc, timeout=TIMEOUT_SECONDS)
        pool[base_url] = found
    return found


class HttpTransport:
    """Sends requests to a mediator (or a provider node) as one client subsystem."""

    channel = "http"

    def __init__(self, base_url: str, signer: SigningIdentity, *, audience: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.signer = signer
        self.audience = audience or self.base_url
        self.prefix = urlsplit(self.base_url).path

    def send(self, request: ExchangeRequest) -> ExchangeAnswer:
        message = f"{request.method.upper()} {request.path}\n".encode() + request.body
        headers = {
            "X-Road-Client": request.client,
            "Authorization": "Bearer "
            + assertion_make(
                signer=self.signer,
                client=request.client,
                audience=self.audience,
                message_hash=request_hash(message),
            ),
            "Accept": "application/json",
        }
        optional = {
            "X-Road-Id": request.message_id,
            "X-Road-UserId": request.user_id,
            "X-Road-Issue": request.issue,
            "X-Qyzmet-Purpose": request.purpose,
        }
        headers.update({name: value for name, value in optional.items() if value})
        if request.body:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            connection = _connection(self.base_url)
            try:
                connection.request(
                    request.method, self.prefix + request.path, body=request.body, headers=headers
                )
                response = connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if attempt == 2 or request.method.upper() != "GET":
                    raise
                continue  # a kept-alive connection the server had closed: once more, fresh
            answer_headers = {k: v for k, v in response.getheaders() if k.startswith("X-Road-")}
            return ExchangeAnswer(
                status=response.status,
                body=body,
                content_type=response.getheader("Content-Type", ""),
                headers=answer_headers,
                error=response.getheader("X-Road-Error", ""),
            )
        raise AssertionError("unreachable")


_identity_lock = threading.Lock()
_identity: tuple[str, str, SigningIdentity] | None = None  # (directory stamp, id, identity)


def mediator_identity() -> tuple[str, SigningIdentity]:
    """This node's mediator subsystem and the platform-held key it signs assertions with."""
    global _identity
    stamp = directory().stamp
    with _identity_lock:
        if _identity is not None and _identity[0] == stamp:
            return _identity[1], _identity[2]
        subsystem = Subsystem.objects.filter(is_mediator=True, address="").order_by("pk").first()
        certificate = None
        if subsystem is not None:
            certificate = (
                Certificate.objects.filter(
                    sha256__in=subsystem.certificates.filter(removed_at__isnull=True).values(
                        "sha256"
                    ),
                    revoked_at__isnull=True,
                )
                .exclude(key_holder=KeyHolder.SUBJECT)
                .order_by("-not_after")
                .first()
            )
        if subsystem is None or certificate is None:
            raise Refusal(
                502,
                "Server.ServerProxy.NoMediatorKey",
                _("This node has no mediator key to forward with: run qyzmet exchange init."),
            )
        _identity = (stamp, subsystem.identifier, signing_identity(certificate))
        return _identity[1], _identity[2]


def forward(request: ExchangeRequest, service: ServiceEntry) -> ExchangeAnswer:
    """Pass a request on to the node that runs the service's registry, as this mediator."""
    mediator, signer = mediator_identity()
    onward = replace(request, client=mediator, channel="http", assertion="")
    try:
        return HttpTransport(service.address, signer).send(onward)
    except (OSError, http.client.HTTPException) as error:
        raise Refusal(
            502,
            "Server.ServerProxy.ServiceUnreachable",
            _("The provider's node did not answer: %(error)s") % {"error": error},
        ) from error
