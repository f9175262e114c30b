from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.procurement.sealed_bids import public_key_bytes


class Command(BaseCommand):
    help = (
        "Make a committee member's opening key pair on their own device: the private key "
        "goes to --out (readable by its owner only); the public key printed (base64) is "
        "what the buyer seats them with. Touches no database."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="the private key file")

    def handle(self, *args: Any, **options: Any) -> None:
        key = X25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )  # fmt: skip
        try:
            descriptor = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{options['out']} exists: choose another file") from None
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
        self.stdout.write(base64.b64encode(public_key_bytes(key.public_key())).decode())
