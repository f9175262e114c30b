"""Identifiers of the exchange, written as in the X-Road message protocol for REST.

A client is ``INSTANCE/CLASS/MEMBER/SUBSYSTEM`` (``QZ/GOV/990240000030/benefits``); a
service adds its code (``QZ/GOV/990240000010/population/person``). Parts are restricted
to letters, digits and ``-._`` so that an identifier is also a safe URL path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class BadIdentifier(ValueError):
    """Text that is not an exchange identifier."""


def _parts(text: str, count: int, what: str) -> list[str]:
    parts = text.split("/")
    if len(parts) != count or not all(_PART.fullmatch(part) for part in parts):
        raise BadIdentifier(
            f"{text[:200]!r} is not a {what} identifier "
            f"({count} parts separated by '/', each letters, digits, '-', '.' or '_')"
        )
    return parts


@dataclass(frozen=True)
class ClientId:
    instance: str
    member_class: str
    member_code: str
    subsystem: str

    @classmethod
    def parse(cls, text: str) -> ClientId:
        return cls(*_parts(text, 4, "client"))

    def __str__(self) -> str:
        return f"{self.instance}/{self.member_class}/{self.member_code}/{self.subsystem}"


@dataclass(frozen=True)
class ServiceId:
    provider: ClientId
    code: str

    @classmethod
    def parse(cls, text: str) -> ServiceId:
        *provider, code = _parts(text, 5, "service")
        return cls(ClientId(*provider), code)

    def __str__(self) -> str:
        return f"{self.provider}/{self.code}"
