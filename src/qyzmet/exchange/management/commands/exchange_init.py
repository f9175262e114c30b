from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qyzmet.exchange.services import exchange_init
from qyzmet.identity.services import agency_ensure_defaults
from qyzmet.trust.authority import trust_init


class Command(BaseCommand):
    help = (
        "Make this node's agencies exchange members, publish their registries' services, "
        "add the default purposes and this node's mediator subsystem (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        agency_ensure_defaults()
        trust_init()
        mediator = exchange_init(actor="operator:cli")
        self.stdout.write(f"exchange ready; this node's mediator is {mediator.identifier}")
