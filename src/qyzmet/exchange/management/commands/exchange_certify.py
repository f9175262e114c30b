from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.exchange.models import Subsystem
from qyzmet.exchange.services import certificate_register
from qyzmet.trust.authority import Subject, chain_of, system_certificate_issue, x509_of
from qyzmet.trust.models import Purpose


class Command(BaseCommand):
    help = (
        "Certify a subsystem's own key from its PKCS#10 request and register the certificate "
        "for its client assertions (or, with --tls, for mutual TLS); writes the chain (PEM)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", help="INSTANCE/CLASS/MEMBER/SUBSYSTEM")
        parser.add_argument("--csr", type=Path, required=True)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument(
            "--tls",
            action="store_true",
            help="a TLS client certificate (mutual TLS) instead of one for client assertions",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        subsystem = (
            Subsystem.objects.select_related("member", "member__agency")
            .filter(identifier=options["identifier"])
            .first()
        )
        if subsystem is None:
            raise CommandError(f"no subsystem {options['identifier']!r}: add it first")
        try:
            certificate = system_certificate_issue(
                agency=subsystem.member.agency,
                subject=Subject(
                    common_name=subsystem.identifier,
                    organisation=subsystem.member.name,
                    serial_number=f"BIN{subsystem.member.code}",
                ),
                csr_pem=options["csr"].read_bytes(),
                actor="operator:cli",
                purpose=Purpose.AUTH if options["tls"] else Purpose.SEAL,
            )
        except (OSError, Problem) as error:
            raise CommandError(getattr(error, "detail", str(error))) from None
        chain = [x509_of(certificate), *chain_of(certificate)]
        pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
        certificate_register(subsystem=subsystem, pem=pem, actor="operator:cli")
        options["out"].write_bytes(pem)
        self.stdout.write(f"certified {subsystem.identifier}, serial {certificate.serial}")
