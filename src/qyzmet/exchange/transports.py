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
from qyzmet.exchange.directory import ForwarderEntry, ServiceEntry, directory
from qyzmet.exchange.messages import ExchangeAnswer, ExchangeRequest, Refusal
from qyzmet.trust.authority import signing_identity
from qyzmet.trust.models import Certificate
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
            "X-Qyzmet-Consent": request.consent,
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
            except (OSError, http.client.HTTPException) as error:
                # Whatever went wrong, this connection is not used again.
                connection.close()
                _connections.__dict__.get("pool", {}).pop(self.base_url, None)
                stale = isinstance(
                    error, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                )
                if attempt == 2 or not stale or request.method.upper() != "GET":
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


_signers_lock = threading.Lock()
_signers: dict[str, SigningIdentity] = {}  # certificate SHA-256 → the key it certifies


def _signer(sha256: str) -> SigningIdentity:
    """The platform-held key of this certificate, read from its sealed file once."""
    with _signers_lock:
        found = _signers.get(sha256)
        if found is None:
            certificate = Certificate.objects.filter(sha256=sha256).first()
            if certificate is None:
                raise _no_mediator_key()
            found = _signers[sha256] = signing_identity(certificate)
        return found


def mediator_identity(forwarder: ForwarderEntry | None = None) -> tuple[str, SigningIdentity]:
    """This node's mediator subsystem and the platform-held key it signs assertions with
    (as the directory names them: a new mediator certificate is used from its next load)."""
    if forwarder is None:
        forwarder = directory().forwarder
    if forwarder is None:
        raise _no_mediator_key()
    return forwarder.identifier, _signer(forwarder.certificate_sha256)


def _no_mediator_key() -> Refusal:
    return Refusal(
        502,
        "Server.ServerProxy.NoMediatorKey",
        _("This node has no mediator key to forward with: run qyzmet exchange init."),
    )


def forward(request: ExchangeRequest, service: ServiceEntry) -> ExchangeAnswer:
    """Pass a request on to the node that runs the service's registry, as this mediator."""
    # The service comes from the directory this request is being answered by: its
    # forwarder is that directory's, with no second look at the stamp.
    mediator, signer = mediator_identity(service.forwarder)
    onward = replace(request, client=mediator, channel="http", assertion="")
    try:
        return HttpTransport(service.address, signer).send(onward)
    except (OSError, http.client.HTTPException) as error:
        raise Refusal(
            502,
            "Server.ServerProxy.ServiceUnreachable",
            _("The provider's node did not answer: %(error)s") % {"error": error},
        ) from error
