"""The node a bench measures: a scratch QYZMET_HOME and database made ready the way an
installation is (migrations, PKI, the shipped catalogue, the exchange), ``qyzmet serve``
and ``qyzmet worker`` started on a free loopback port, and where the CPU went meanwhile
(the server, the workers, PostgreSQL, the whole machine, the load generator; Linux)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from scratch_databases import drop, recreate, with_database

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/qyzmet_bench"


def platform_setup() -> None:
    """In the database QYZMET_DATABASE_URL names (Django set up): migrate, the platform
    PKI, the shipped catalogue and the exchange."""
    from django.core.management import call_command

    from qyzmet.catalog.services import catalogue_publish_shipped
    from qyzmet.exchange.services import exchange_init
    from qyzmet.trust.authority import trust_init

    call_command("migrate", verbosity=0, interactive=False)
    trust_init()
    catalogue_publish_shipped(actor="bench")
    exchange_init(actor="bench")


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Processes:
    """The node under test: one ``qyzmet serve`` and the ``qyzmet worker`` processes."""

    home: Path
    environment: dict[str, str]
    port: int  # where ``serve`` listens, on loopback
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    retired_cpu: float = 0.0  # CPU seconds of workers that are gone

    def serve(self, processes: int, threads: int) -> None:
        """Start ``qyzmet serve`` and wait until /readyz answers 200."""
        port = self.port
        log = (self.home / "serve.log").open("wb")
        self.server = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "qyzmet.cli", "serve", "--port", str(port),
             "--threads", str(threads), "--processes", str(processes)],
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/readyz"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                if self.server.poll() is not None:
                    break
                time.sleep(0.2)
        sys.exit(f"the server did not start:\n{(self.home / 'serve.log').read_text()[-4000:]}")

    def worker_start(self) -> subprocess.Popen[bytes]:
        log = (self.home / f"worker-{len(self.workers)}.log").open("ab")
        worker = subprocess.Popen(
            [sys.executable, "-m", "qyzmet.cli", "worker"],
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.workers.append(worker)
        return worker

    def worker_cpu(self) -> float:
        return self.retired_cpu + sum(cpu_seconds(w.pid) for w in self.workers if _alive(w))

    def stop(self) -> None:
        for process in [self.server, *self.workers]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [self.server, *self.workers]:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextmanager
def scratch_node(
    bench: str, database: str, *, keep: bool, settings: dict[str, str]
) -> Iterator[Processes]:
    """A node to measure: the scratch database ``database``, made new on the PostgreSQL
    server QYZMET_DATABASE_URL names; a temporary QYZMET_HOME; a free loopback port; and
    the environment (with ``settings``) its processes run with, set in this process too.
    Afterwards its processes stop and both are removed, unless ``keep``."""
    server_url = os.environ.get("QYZMET_DATABASE_URL") or DEFAULT_SERVER
    if urlsplit(server_url).scheme not in {"postgres", "postgresql"}:
        sys.exit(f"bench/{bench}.py measures on PostgreSQL: set QYZMET_DATABASE_URL to one")
    admin_url = with_database(server_url, "postgres")
    recreate(admin_url, database)
    home = Path(tempfile.mkdtemp(prefix=f"qyzmet-bench-{bench}-"))
    port = free_port()
    environment = {
        **os.environ,
        "QYZMET_DATABASE_URL": with_database(server_url, database),
        "QYZMET_HOME": str(home),
        "QYZMET_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SETTINGS_MODULE": "qyzmet.settings",
        **settings,
    }
    node = Processes(home=home, environment=environment, port=port)
    os.environ.update(environment)
    try:
        yield node
    finally:
        node.stop()
        if keep:
            print(f"kept: database {database}, QYZMET_HOME {home}", file=sys.stderr)
        else:
            drop(admin_url, database)
            shutil.rmtree(home, ignore_errors=True)


def _alive(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is None


# --- where the CPU went -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of a process and its children, recursively (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def machine_busy() -> float:
    """CPU seconds all cores spent busy so far (everything on the machine)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_backends(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving ``database`` (Linux, same host)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"postgres: ") and f" {database} ".encode() in command:
            found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


@dataclass(frozen=True)
class Usage:
    seconds: float
    server: float
    workers: float
    postgres: float
    machine: float
    bench: float

    def line(self, count: int, what: str) -> str:
        """Cores used by each part; ``what``: the unit ``count`` counts (server CPU per)."""
        per = self.server / max(count, 1) * 1000
        return (
            f"server {self.server / self.seconds:.2f} cores ({per:.1f} ms {what}), "
            f"PostgreSQL {self.postgres / self.seconds:.2f}, "
            f"workers {self.workers / self.seconds:.2f}, this load generator "
            f"{self.bench / self.seconds:.2f}; whole machine busy "
            f"{self.machine / self.seconds:.2f} of {os.cpu_count()}"
        )


@dataclass(frozen=True)
class Snapshot:
    at: float
    server: float
    workers: float
    postgres: dict[int, float]
    machine: float
    bench: float


def cpu_snapshot(node: Processes) -> Snapshot:
    assert node.server is not None
    database = urlsplit(node.environment["QYZMET_DATABASE_URL"]).path.lstrip("/")
    return Snapshot(
        time.monotonic(),
        cpu_seconds(node.server.pid),
        node.worker_cpu(),
        postgres_backends(database),
        machine_busy(),
        time.process_time(),
    )


def cpu_since(node: Processes, before: Snapshot, seconds: float) -> Usage:
    after = cpu_snapshot(node)
    postgres = sum(cpu - before.postgres.get(pid, 0.0) for pid, cpu in after.postgres.items())
    return Usage(
        seconds,
        after.server - before.server,
        after.workers - before.workers,
        postgres,
        after.machine - before.machine,
        after.bench - before.bench,
    )
