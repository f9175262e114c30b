"""The request and answer the mediator passes between clients, transports and providers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class ExchangeRequest:
    """A request as the mediator receives it, from HTTP or from code in this process."""

    method: str
    target: str  # after /r1/: INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path...]
    query: str
    body: bytes
    client: str  # X-Road-Client
    channel: Literal["http", "local"]
    message_id: str = ""  # X-Road-Id; made up when empty
    user_id: str = ""  # X-Road-UserId
    issue: str = ""  # X-Road-Issue: the case the request is made for
    purpose: str = ""  # X-Qyzmet-Purpose
    assertion: str = ""  # the client assertion (HTTP)
    consent: str = ""  # X-Qyzmet-Consent: the consent a mediator checked, when forwarding
    tls_certificate: bytes = b""  # PEM, verified by a trusted TLS terminator (mutual TLS)

    @property
    def path(self) -> str:
        return f"/r1/{self.target}" + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class ExchangeAnswer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""  # the X-Road-Error type when refused or failed

    def json(self) -> Any:
        return json.loads(self.body)


class Refusal(Exception):
    """The mediator will not pass this request on; ``code`` is the X-Road error type."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
