"""Agency nodes for tests that need more than one: each runs ``qyzmet serve`` as its own
process, on its own PostgreSQL database and QYZMET_HOME, and is set up through the
``qyzmet`` command as an operator would set it up.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from qyzmet.config import load_config

QYZMET = (sys.executable, "-m", "qyzmet.cli")
COMMAND_TIMEOUT = 120
START_TIMEOUT = 30.0
# What a node must not inherit from the test process: it has its own keys and secret.
_NOT_INHERITED = ("QYZMET_MASTER_KEY_FILE", "QYZMET_SECRET_KEY", "QYZMET_TSA_URL")


class CommandFailed(AssertionError):
    pass


@dataclass
class Node:
    """One node: a database, a home for its keys, a port, and (once started) a server."""

    name: str
    database_url: str
    home: Path
    port: int
    extra_environment: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    worker: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        env.update(
            QYZMET_DATABASE_URL=self.database_url,
            QYZMET_HOME=str(self.home),
            QYZMET_PUBLIC_URL=self.url,
            QYZMET_EXCHANGE_INSTANCE="QZ",
            QYZMET_EXCHANGE_MEDIATOR=f"mediator-{self.name}",
            DJANGO_SETTINGS_MODULE="qyzmet.settings",
        )
        env.update(self.extra_environment)
        return env

    def qyzmet(self, *args: str) -> str:
        """Run ``qyzmet ARGS...`` against this node; its standard output."""
        done = subprocess.run(  # noqa: S603 - our own command, arguments from the test
            [*QYZMET, *args],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise CommandFailed(
                f"node {self.name}: qyzmet {' '.join(args)} exited {done.returncode}\n"
                f"{done.stdout}{done.stderr}"
            )
        return done.stdout

    def shell(self, code: str) -> str:
        """Run Python in ``qyzmet manage shell`` on this node (for what has no command)."""
        return self.qyzmet("manage", "shell", "--no-imports", "-c", code)

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows of a query on this node's database, read directly."""
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def start(self, *, threads: int = 4) -> None:
        log = (self.home / "serve.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [*QYZMET, "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--threads", str(threads)],
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()

    def start_worker(self) -> None:
        """Run ``qyzmet worker`` (background tasks) beside the server."""
        log = (self.home / "worker.log").open("ab")
        self.worker = subprocess.Popen(  # noqa: S603 - our own command
            [*QYZMET, "worker"], env=self.environment(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def kill(self) -> None:
        """Kill the server and the worker at once (SIGKILL), as a crash would."""
        for process in (self.process, self.worker):
            if process is not None:
                process.kill()
                process.wait()
        self.process = self.worker = None

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            if get(self.url, "/healthz", {}).status == 200:
                return
            time.sleep(0.1)
        raise CommandFailed(f"node {self.name} did not start on {self.url}:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        for process in (self.process, self.worker):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.process = self.worker = None

    def log(self) -> str:
        path = self.home / "serve.log"
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def get(base_url: str, path: str, headers: dict[str, str]) -> Reply:
    """One GET over a fresh connection; a refused connection is status 0."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=15)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, headers, response.read())
    except ConnectionRefusedError:
        return Reply(0, {}, b"")
    finally:
        connection.close()


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@contextmanager
def nodes_running(names: list[str], *, run: str, homes: Path) -> Iterator[dict[str, Node]]:
    """Nodes with fresh databases named after the configured one and ``run`` (unique per
    test process); on leaving, their servers are stopped and their databases dropped."""
    configured = load_config().database_url
    if urlsplit(configured).scheme not in {"postgres", "postgresql"}:
        raise CommandFailed("nodes run on PostgreSQL: set QYZMET_DATABASE_URL to one")
    base = urlsplit(configured).path.lstrip("/") or "qyzmet"
    admin = _with_database(configured, "postgres")
    databases = {name: f"{base}_{run}_{name}".lower() for name in names}
    made: dict[str, Node] = {}
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name, database in databases.items():
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{database}"')
                home = homes / name
                home.mkdir(parents=True, exist_ok=True)
                made[name] = Node(name, _with_database(configured, database), home, free_port())
        yield made
    finally:
        for node in made.values():
            node.stop()
        with psycopg.connect(admin, autocommit=True) as connection:
            for database in databases.values():
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
