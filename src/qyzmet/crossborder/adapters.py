"""What a node asks outside the platform when a partner state requests a certificate.

A state's register of convictions is not one of qyzmet's registries: a deployment plugs
its own in by writing a class with :class:`ConvictionsRegister`'s ``convictions_of`` and
naming it in ``QYZMET_CONVICTIONS_REGISTER`` (a dotted path). Empty means the local
simulator, which reads ``QYZMET_HOME/simulators/convictions.json``: a list of
``{"national_id": "...", "convictions": ["..."]}``; no file is a register with no one in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Identity:
    """Whom a partner asks about, as it knows them."""

    surname: str
    given_name: str
    birth_date: str  # ISO 8601
    national_id: str  # the identifier the asking state gave the person


class ConvictionsRegister(Protocol):
    def convictions_of(self, identity: Identity) -> list[str]:
        """The person's unspent convictions, in words; empty when there are none."""
        ...


class SimulatedConvictionsRegister:
    def convictions_of(self, identity: Identity) -> list[str]:
        path = settings.QYZMET_HOME / "simulators" / "convictions.json"
        if not path.exists():
            return []
        for entry in json.loads(path.read_text(encoding="utf-8")):
            if entry.get("national_id") == identity.national_id:
                return [str(c) for c in entry.get("convictions", [])]
        return []


def convictions_register() -> ConvictionsRegister:
    """The register ``QYZMET_CONVICTIONS_REGISTER`` names, or the simulator."""
    path = settings.QYZMET_CONVICTIONS_REGISTER
    register: ConvictionsRegister = (
        import_string(path)() if path else SimulatedConvictionsRegister()
    )
    return register
