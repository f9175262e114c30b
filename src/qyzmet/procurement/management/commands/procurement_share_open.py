from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.procurement.sealed_bids import SealError, seal_open


class Command(BaseCommand):
    help = (
        "Open a committee member's sealed share with their opening key, on their own device "
        "(the share and context come from GET /api/v1/procurement/tenders/{id}/share); "
        "prints the share to hand in after the deadline. Touches no database."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key", type=Path, required=True, help="the private key file")
        parser.add_argument("--share", required=True, help="the sealed share, base64")
        parser.add_argument("--context", required=True, help="the context it was sealed under")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = serialization.load_pem_private_key(options["key"].read_bytes(), password=None)
            sealed = base64.b64decode(options["share"], validate=True)
        except (OSError, ValueError, binascii.Error) as error:
            raise CommandError(f"cannot read the key or the share: {error}") from None
        if not isinstance(key, X25519PrivateKey):
            raise CommandError("the key file does not hold an opening key (X25519)")
        try:
            share = seal_open(key, sealed, context=options["context"].encode())
        except SealError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(base64.b64encode(share).decode())
