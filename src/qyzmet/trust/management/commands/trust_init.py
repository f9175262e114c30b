from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.trust.algorithms import ALGORITHMS
from qyzmet.trust.authority import trust_init


class Command(BaseCommand):
    help = "Create the platform's root CA, issuing CA, timestamp authority and OCSP responder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--algorithm", choices=sorted(ALGORITHMS), default="ecdsa-p256")
        parser.add_argument("--organisation", default="qyzmet")

    def handle(self, *args: Any, **options: Any) -> None:
        setup = trust_init(algorithm=options["algorithm"], organisation=options["organisation"])
        state = "created" if setup.created else "already set up"
        self.stdout.write(f"trust {state}: root {setup.root.subject} ({setup.root.algorithm})")
        self.stdout.write(f"root SHA-256 fingerprint: {setup.root.sha256}")
