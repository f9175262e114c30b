from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandParser

from qyzmet.trust.models import TrustAnchor


class Command(BaseCommand):
    help = "Print the active trust list as PEM (for openssl -CAfile, certutil, xmlsec1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=["ca", "tsa"], default="ca")

    def handle(self, *args: Any, **options: Any) -> None:
        for anchor in TrustAnchor.objects.filter(kind=options["kind"], active=True).order_by("id"):
            certificate = x509.load_der_x509_certificate(bytes(anchor.der))
            self.stdout.write(f"# {anchor.name} sha256={anchor.sha256}")
            self.stdout.write(
                certificate.public_bytes(serialization.Encoding.PEM).decode(), ending=""
            )
