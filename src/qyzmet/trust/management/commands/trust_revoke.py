from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.trust.authority import REVOCATION_REASONS, certificate_revoke
from qyzmet.trust.models import Certificate


class Command(BaseCommand):
    help = "Revoke a certificate by its serial number (hex)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("serial")
        parser.add_argument("--reason", choices=sorted(REVOCATION_REASONS), default="unspecified")

    def handle(self, *args: Any, **options: Any) -> None:
        certificate = Certificate.objects.filter(serial=options["serial"].lower()).first()
        if certificate is None:
            raise CommandError(f"no certificate with serial {options['serial']}")
        try:
            revoked = certificate_revoke(
                certificate=certificate, reason=options["reason"], actor="operator:cli"
            )
        except Problem as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"revoked {revoked} at {revoked.revoked_at:%Y-%m-%d %H:%M:%S %Z}")
