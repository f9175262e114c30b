"""`qyzmet serve --processes N`: N processes answer on one socket and stop together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    return [int(kid) for kid in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_several_processes_share_the_socket_and_stop_together(tmp_path: Path) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "QYZMET_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "QYZMET_HOME": str(tmp_path),
    }
    server = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "qyzmet.cli", "serve", "--port", str(port), "--processes", "2"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        workers = _children(server.pid)
        assert len(workers) == 2
        for _ in range(6):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                assert r.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
