from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import chain_of, system_certificate_issue, x509_of


class Command(BaseCommand):
    help = "Certify an agency system's own key from its PKCS#10 request; writes the chain (PEM)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", required=True, help="agency code, e.g. labour")
        parser.add_argument("--csr", type=Path, required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"no agency {options['agency']!r}")
        try:
            certificate = system_certificate_issue(
                agency=agency, csr_pem=options["csr"].read_bytes(), actor="operator:cli"
            )
        except (OSError, Problem) as error:
            raise CommandError(getattr(error, "detail", str(error))) from None
        chain = [x509_of(certificate), *chain_of(certificate)]
        options["out"].write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
        )
        self.stdout.write(f"certified {certificate.subject}, serial {certificate.serial}")
