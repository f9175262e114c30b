"""How fast does the platform sign and verify, against the cryptography underneath it?

    .venv/bin/python bench/signing.py [--quick]

Creates a scratch database (``qyzmet_bench_signing``) on the PostgreSQL server that
QYZMET_DATABASE_URL names (default: postgres@127.0.0.1:5432), migrates it, sets up the
platform PKI (``trust_init``) with keys in a temporary QYZMET_HOME, and measures:

- documents issued per second: ``document_issue`` of the sample address certificate as a
  PDF, end to end (render HTML to PDF, PAdES seal with a platform time stamp, store the
  blob, record the document), and ``pades_sign`` alone on an already rendered PDF;
- JWS signatures per second (``jws_sign`` with an agency seal);
- JWS verifications per second (``jws_verify``, the platform path, trust cache warm) over
  a few thousand distinct payloads signed by that seal;
- raw ECDSA P-256 verifications per second with ``cryptography`` over the same signing
  inputs (DER signatures, SHA-256): the floor the platform path stands on.

Each measure runs in slices, interleaved round-robin, until it has run for --seconds in
all; rates are total operations over total time. The last line printed is the ratio of
raw ECDSA verifications per second to platform JWS verifications per second (target:
at most 2). The scratch database is dropped at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar
from urllib.parse import urlsplit

from scratch_databases import drop, recreate, with_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qyzmet_bench"
PAYLOADS = 4000
BATCH = 100  # operations per timed step, for the fast measures; divides PAYLOADS
T = TypeVar("T")


@dataclass
class Measure:
    """One thing being timed: ``step`` does ``batch`` operations per call."""

    name: str
    unit: str
    step: Callable[[], None]
    batch: int = 1
    operations: int = 0
    seconds: float = 0.0
    slices: list[float] = field(default_factory=list)

    def run_for(self, budget: float) -> None:
        operations, started = 0, time.perf_counter()
        while True:
            self.step()
            operations += self.batch
            elapsed = time.perf_counter() - started
            if elapsed >= budget:
                break
        self.operations += operations
        self.seconds += elapsed
        self.slices.append(operations / elapsed)

    @property
    def rate(self) -> float:
        return self.operations / self.seconds

    def line(self) -> str:
        spread = f"{min(self.slices):,.1f}..{max(self.slices):,.1f}"
        return (
            f"{self.name}: {self.rate:,.1f} {self.unit}/s "
            f"({self.operations:,} in {self.seconds:.1f} s; slices {spread})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (about 10 s)")
    parser.add_argument("--seconds", type=float, help="time per measure (default 8, quick 2)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 4, quick 2)")
    parser.add_argument("--database", default="qyzmet_bench_signing", help="scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of jws_verify before the figures"
    )
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 8.0)
    rounds = args.rounds or (2 if args.quick else 4)

    server_url = os.environ.get("QYZMET_DATABASE_URL") or DEFAULT_URL
    if urlsplit(server_url).scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/signing.py measures on PostgreSQL: set QYZMET_DATABASE_URL to one")
    bench_url = with_database(server_url, args.database)
    admin_url = with_database(server_url, "postgres")
    recreate(admin_url, args.database)
    try:
        measures = _prepare(bench_url)
        for _round in range(rounds):
            for measure in measures.values():
                measure.run_for(seconds / rounds)
        if args.profile:
            _profile(measures["jws_verify"])
    finally:
        if not args.keep:
            drop(admin_url, args.database)

    for measure in measures.values():
        print(measure.line())
    raw, platform = measures["raw_verify"].rate, measures["jws_verify"].rate
    print(f"ratio raw_ecdsa_verify_per_s/platform_jws_verify_per_s: {raw / platform:.2f}")


def _prepare(bench_url: str) -> dict[str, Measure]:
    """Set the platform up in the scratch database and return the measures, warmed."""
    os.environ["QYZMET_DATABASE_URL"] = bench_url
    os.environ["QYZMET_HOME"] = tempfile.mkdtemp(prefix="qyzmet-bench-signing-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qyzmet.settings")
    import django

    django.setup()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from django.core.management import call_command
    from weasyprint import HTML

    from qyzmet.documents.formats.pades import pades_sign
    from qyzmet.documents.models import DocumentFormat
    from qyzmet.documents.services import document_issue
    from qyzmet.identity.models import Agency, Person
    from qyzmet.identity.national_ids import iin_build
    from qyzmet.identity.services import agency_ensure_defaults
    from qyzmet.trust.authority import seal_certificate_ensure, signing_identity, trust_init
    from qyzmet.trust.jws import b64url, b64url_decode, canonical_json, jws_sign, jws_verify
    from qyzmet.trust.timestamps import timestamper

    call_command("migrate", verbosity=0, interactive=False)
    agency_ensure_defaults()
    trust_init()
    agency = Agency.objects.get(code="internal-affairs")
    seal = signing_identity(seal_certificate_ensure(agency=agency))
    iin = iin_build(date(1990, 5, 17), "M", 1)
    assert iin is not None
    owner = Person.objects.create(iin=iin)
    facts = {
        "full_name": "Sadykov Arman",
        "iin": owner.iin,
        "birth_date": "1990-05-17",
        "address": "Astana, Esil, Mangilik El 12, flat 45",
    }

    def issue_pdf() -> None:
        document_issue(
            kind="address-certificate",
            format=DocumentFormat.PDF,
            owner=owner,
            agency=agency,
            language="en",
            title="Address certificate",
            context=facts,
            actor="bench",
        )

    rendered = HTML(string="<h1>Address certificate</h1><p>Sadykov Arman, Astana</p>")
    pdf = rendered.write_pdf()
    tsa = timestamper()

    def sign_pdf() -> None:
        pades_sign(pdf, signer=seal, timestamper=tsa, field_name="Seal")

    payloads = [
        canonical_json({"kind": "population-extract", "iin": owner.iin, "request": n})
        for n in range(PAYLOADS)
    ]
    tokens = [jws_sign(p, signer=seal) for p in payloads]
    signed = list(zip(tokens, payloads, strict=True))
    # The same messages for the raw check: the JWS signing input, its r||s value as DER.
    public_key = seal.certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    raw = []
    for token, payload in signed:
        protected, _, value = token.split(".")
        rs = b64url_decode(value)
        der = encode_dss_signature(int.from_bytes(rs[:32]), int.from_bytes(rs[32:]))
        raw.append((der, f"{protected}.{b64url(payload)}".encode("ascii")))
    ecdsa = ec.ECDSA(hashes.SHA256())

    def cycling(items: list[T], action: Callable[[T], object]) -> Callable[[], None]:
        """A step that applies ``action`` to the next BATCH items, round the list."""
        position = 0

        def step() -> None:
            nonlocal position
            for item in items[position : position + BATCH]:
                action(item)
            position = (position + BATCH) % len(items)

        return step

    def verify_jws(item: tuple[str, bytes]) -> None:
        if not jws_verify(item[0], item[1]).valid:
            raise AssertionError("a platform signature did not verify")

    measures = {
        "document_issue": Measure("document_issue (PDF, end to end)", "documents", issue_pdf),
        "pades_sign": Measure("pades_sign (PDF, with platform time stamp)", "signatures", sign_pdf),
        "jws_sign": Measure(
            "jws_sign (agency seal, ES256)",
            "signatures",
            cycling(payloads, lambda p: jws_sign(p, signer=seal)),
            batch=BATCH,
        ),
        "jws_verify": Measure(
            "jws_verify (platform path, trust cache warm)",
            "verifications",
            cycling(signed, verify_jws),
            batch=BATCH,
        ),
        "raw_verify": Measure(
            "raw ECDSA P-256 verify (cryptography, DER, SHA-256)",
            "verifications",
            cycling(raw, lambda item: public_key.verify(item[0], item[1], ecdsa)),
            batch=BATCH,
        ),
    }
    issue_pdf()  # warm: fonts, templates, the seal key
    sign_pdf()
    for token, payload in signed:
        verify_jws((token, payload))
    return measures


def _profile(measure: Measure) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        measure.step()
    profiler.disable()
    print(f"cProfile of {measure.name}, {20 * measure.batch:,} calls:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
