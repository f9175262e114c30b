"""The exchange client: how code asks another agency's registry for data.

In this process (a service prefilling a form) use :meth:`ExchangeClient.local`; from
another system use :meth:`ExchangeClient.over_http` with the subsystem's key. Both go
through :func:`qyzmet.exchange.mediator.mediate`: the same rules, evidence and tracker.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote, urlencode

from qyzmet.exchange.mediator import mediate
from qyzmet.exchange.messages import ExchangeAnswer, ExchangeRequest
from qyzmet.exchange.transports import HttpTransport
from qyzmet.trust.signer import SigningIdentity


class Transport(Protocol):
    channel: str

    def send(self, request: ExchangeRequest) -> ExchangeAnswer: ...


class LocalTransport:
    """Hands the request to the mediator in this process; the caller is platform code."""

    channel = "local"

    def send(self, request: ExchangeRequest) -> ExchangeAnswer:
        return mediate(request)


class ExchangeClient:
    def __init__(self, client: str, transport: Transport) -> None:
        self.client = client
        self.transport = transport

    @classmethod
    def local(cls, client: str) -> ExchangeClient:
        return cls(client, LocalTransport())

    @classmethod
    def over_http(cls, client: str, *, url: str, signer: SigningIdentity) -> ExchangeClient:
        return cls(client, HttpTransport(url, signer))

    def get(
        self,
        service: str,
        key: str,
        *,
        purpose: str = "",
        issue: str = "",
        user_id: str = "",
        query: dict[str, str] | None = None,
        message_id: str = "",
    ) -> ExchangeAnswer:
        """Call ``service`` (an identifier such as ``QZ/GOV/990240000010/population/person``)
        for the record ``key`` (an IIN or BIN)."""
        return self.transport.send(
            ExchangeRequest(
                method="GET",
                target=f"{service}/{quote(key, safe='')}",
                query=urlencode(query or {}),
                body=b"",
                client=self.client,
                channel="local" if self.transport.channel == "local" else "http",
                message_id=message_id,
                user_id=user_id,
                issue=issue,
                purpose=purpose,
            )
        )

    def meta(
        self, provider: str, name: str, *, query: dict[str, str] | None = None
    ) -> ExchangeAnswer:
        """A metaservice of a provider: listMethods, allowedMethods or getOpenAPI."""
        return self.transport.send(
            ExchangeRequest(
                method="GET",
                target=f"{provider}/{name}",
                query=urlencode(query or {}),
                body=b"",
                client=self.client,
                channel="local" if self.transport.channel == "local" else "http",
            )
        )
