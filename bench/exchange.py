"""How fast does the exchange mediate, against the registry API it sits beside?

    .venv/bin/python bench/exchange.py [--seconds N] [--clients N] [--threads N] [--processes N]

Creates a scratch database (``qyzmet_bench_exchange``) on the PostgreSQL server that
QYZMET_DATABASE_URL names (default: postgres@127.0.0.1:5432), migrates it, sets up the
platform PKI and the exchange (``exchange_init``), generates a population, and makes
the two kinds of caller the node serves:

- an operator's access token (scope ``registries:read``) for the direct registry API,
  ``GET /api/v1/registries/population/persons/{iin}``;
- a client subsystem with its own key, certified by the platform CA and granted the
  population record, for the mediated path
  ``GET /r1/QZ/GOV/990240000010/population/person/{iin}``: a fresh client assertion
  (ES256) on every request, checked, authorised, answered by the local registry and
  logged as an exchange record.

Then it starts one ``qyzmet serve`` process on a free loopback port and drives it from
--clients separate client processes (so the clients' GIL is not the server's), each
with one kept-alive connection, asking for different people in turn. The two paths
run in interleaved rounds for --seconds each in all. It prints requests per second, the
median and 99th percentile latency and the server's CPU use (in cores, and per request:
one process is held to about one core by its GIL) of each, and last the ratio of direct
registry API throughput to mediated throughput (target: at most 2). The scratch database
is dropped at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scratch_databases import drop, recreate, with_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qyzmet_bench"
PERSON = "QZ/GOV/990240000010/population/person"
CLIENT = "QZ/GOV/990240000030/benefits-office"
PURPOSE = "benefit-assignment"
WARM_SECONDS = 1.0


@dataclass
class Measure:
    """One way of asking for a person, and what the clients measured of it."""

    name: str
    route: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""
    server_cpu: float = 0.0  # CPU seconds the server process used meanwhile

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def line(self) -> str:
        errors = f"; {self.errors:,} errors, first: {self.first_error}" if self.errors else ""
        return (
            f"{self.name} (GET {self.route}): {self.rate:,.1f} requests/s, "
            f"p50 {self.percentile(0.50) * 1000:.1f} ms, p99 {self.percentile(0.99) * 1000:.1f} ms "
            f"({self.requests:,} in {self.seconds:.1f} s; server CPU "
            f"{self.server_cpu / self.seconds:.2f} cores, "
            f"{self.server_cpu / max(self.requests, 1) * 1000:.2f} ms a request{errors})"
        )


# Set in the parent before the client processes fork, read by them.
_base_url = ""
_token = ""
_iins: list[str] = []
_signer: object = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="time per path, in all")
    parser.add_argument("--clients", type=int, default=8, help="client processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="server processes"
    )
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds")
    parser.add_argument("--persons", type=int, default=2000, help="population size")
    parser.add_argument("--database", default="qyzmet_bench_exchange", help="scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    server_url = os.environ.get("QYZMET_DATABASE_URL") or DEFAULT_URL
    if urlsplit(server_url).scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/exchange.py measures on PostgreSQL: set QYZMET_DATABASE_URL to one")
    bench_url = with_database(server_url, args.database)
    admin_url = with_database(server_url, "postgres")
    recreate(admin_url, args.database)
    server: subprocess.Popen[bytes] | None = None
    home = Path(tempfile.mkdtemp(prefix="qyzmet-bench-exchange-"))
    try:
        port = _free_port()
        global _base_url
        _base_url = f"http://127.0.0.1:{port}"
        _prepare(bench_url, home, args.persons)
        server = _serve(bench_url, home, port, args.threads, args.processes)
        measures = [
            Measure("direct registry API", "/api/v1/registries/population/persons/{iin}"),
            Measure("mediated exchange", f"/r1/{PERSON}/{{iin}}"),
        ]
        for measure in measures:
            _drive(measure, server.pid, args.clients, WARM_SECONDS)  # warm caches, connections
            measure.requests = measure.errors = 0
            measure.seconds = measure.server_cpu = 0.0
            measure.latencies.clear()
        for _round in range(args.rounds):
            for measure in measures:
                _drive(measure, server.pid, args.clients, args.seconds / args.rounds)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if not args.keep:
            drop(admin_url, args.database)
        shutil.rmtree(home, ignore_errors=True)

    print(
        f"qyzmet serve: {args.processes} processes × {args.threads} threads; "
        f"{args.clients} client processes, "
        f"{args.persons:,} persons, {args.rounds} interleaved rounds"
    )
    for measure in measures:
        print(measure.line())
    direct, mediated = measures
    print(f"ratio direct_per_s/mediated_per_s: {direct.rate / mediated.rate:.2f}")


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(bench_url: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QYZMET_DATABASE_URL": bench_url,
        "QYZMET_HOME": str(home),
        "QYZMET_PUBLIC_URL": _base_url,
        "DJANGO_SETTINGS_MODULE": "qyzmet.settings",
    }


def _prepare(bench_url: str, home: Path, persons: int) -> None:
    """Set up the node in the scratch database; leave the callers' secrets in globals."""
    os.environ.update(_environment(bench_url, home))
    import django

    django.setup()
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from qyzmet.exchange.services import (
        certificate_register,
        exchange_init,
        grant_give,
        subsystem_add,
    )
    from qyzmet.identity.models import AccountKind, Agency, Person
    from qyzmet.identity.services import agency_ensure_defaults, staff_account_create, token_create
    from qyzmet.registries.generator import population_generate
    from qyzmet.trust.authority import chain_of, system_certificate_issue, trust_init, x509_of
    from qyzmet.trust.signer import SigningIdentity

    call_command("migrate", verbosity=0, interactive=False)
    agency_ensure_defaults()
    trust_init()
    exchange_init(actor="bench")
    population_generate(persons=persons, seed=1)

    operator = staff_account_create(
        username="bench-operator",
        password=secrets.token_urlsafe(24),
        kind=AccountKind.OPERATOR,
        display_name="Bench operator",
    )
    issued = token_create(
        account=operator,
        name="bench",
        scopes=["registries:read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    # The client system's own key, certified from its CSR as `qyzmet exchange certify` does.
    subsystem = subsystem_add(identifier=CLIENT, actor="bench")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CLIENT)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    certificate = system_certificate_issue(
        agency=Agency.objects.get(code="labour"),
        csr_pem=csr.public_bytes(Encoding.PEM),
        actor="bench",
    )
    chain = (x509_of(certificate), *chain_of(certificate))
    certificate_register(
        subsystem=subsystem,
        pem=b"".join(c.public_bytes(Encoding.PEM) for c in chain),
        actor="bench",
    )
    grant_give(client=CLIENT, service=PERSON, purposes=[PURPOSE], actor="bench")

    global _token, _iins, _signer
    _token = issued.secret
    _iins = list(
        Person.objects.filter(population__isnull=False)
        .order_by("iin")
        .values_list("iin", flat=True)
    )
    _signer = SigningIdentity(private_key=key, certificate=chain[0], chain=chain[1:])
    connections.close_all()  # the client processes fork from here


def _serve(
    bench_url: str, home: Path, port: int, threads: int, processes: int
) -> subprocess.Popen[bytes]:
    log = (home / "serve.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "qyzmet.cli", "serve", "--port", str(port),
         "--threads", str(threads), "--processes", str(processes)],
        env=_environment(bench_url, home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{_base_url}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.terminate()
    sys.exit(f"the server did not start:\n{(home / 'serve.log').read_text()[-4000:]}")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of a process and its serving children (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return own + sum(_cpu_seconds(int(kid)) for kid in kids)


def _drive(measure: Measure, server: int, clients: int, seconds: float) -> None:
    """Run ``clients`` processes against ``measure`` together for ``seconds``; add up."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    go = context.Event()
    workers = [
        context.Process(target=_client, args=(measure.route, index, clients, go, seconds, results))
        for index in range(clients)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.2)  # every client connected and waiting
    cpu = _cpu_seconds(server)
    go.set()
    for _ in workers:
        requests, errors, latencies, first_error = results.get(timeout=seconds + 60)
        measure.requests += requests
        measure.errors += errors
        measure.latencies.extend(latencies)
        measure.first_error = measure.first_error or first_error
    measure.server_cpu += _cpu_seconds(server) - cpu
    for worker in workers:
        worker.join()
    measure.seconds += seconds


def _client(route: str, index: int, clients: int, go: Event, seconds: float, results: Any) -> None:
    """One client process: one kept-alive connection, a request at a time, until time."""
    from qyzmet.exchange.assertions import assertion_make, request_hash, request_message
    from qyzmet.trust.signer import SigningIdentity

    assert isinstance(_signer, SigningIdentity)
    mediated = route.startswith("/r1/")
    connection = http.client.HTTPConnection(urlsplit(_base_url).netloc, timeout=30)
    connection.connect()
    requests = errors = 0
    latencies: list[float] = []
    first_error = ""
    position = index
    go.wait()
    deadline = time.perf_counter() + seconds
    while True:
        iin = _iins[position % len(_iins)]
        position += clients
        target = route.format(iin=iin)
        if mediated:
            assertion = assertion_make(
                signer=_signer,
                client=CLIENT,
                audience=_base_url,
                message_hash=request_hash(request_message("GET", target, b"")),
            )
            headers = {
                "X-Road-Client": CLIENT,
                "X-Road-Issue": "bench",
                "X-Qyzmet-Purpose": PURPOSE,
                "Authorization": f"Bearer {assertion}",
            }
        else:
            headers = {"Authorization": f"Bearer {_token}"}
        started = time.perf_counter()
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read()
        finished = time.perf_counter()
        if finished > deadline:
            break
        if response.status == 200:
            requests += 1
            latencies.append(finished - started)
        else:
            errors += 1
            first_error = first_error or f"{response.status} {body[:200]!r}"
    connection.close()
    results.put((requests, errors, latencies, first_error))


if __name__ == "__main__":
    main()
