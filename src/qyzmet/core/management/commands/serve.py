from __future__ import annotations

import contextlib
import os
import signal
import socket
import traceback
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from waitress import serve

from qyzmet.wsgi import application

# The largest request waitress accepts: a document to verify (20 MB) and, for a detached
# signature, the signed file, with multipart overhead. Anything bigger is refused before
# it is buffered.
MAX_REQUEST_BODY = 41 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Serve the portal and the API (WSGI, multi-threaded; --processes N forks N processes "
        "sharing one socket, to use N cores). Run workers separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--processes", type=int, default=1)

    def handle(
        self, *args: Any, host: str, port: int, threads: int, processes: int, **options: Any
    ) -> None:
        if not 1 <= processes <= 64:
            raise CommandError("--processes must be between 1 and 64")
        self.stdout.write(f"serving on http://{host}:{port}/")
        if processes == 1:
            _serve(threads, host=host, port=port)
            return
        # Python runs one thread at a time per process: on N cores, N processes share the
        # listening socket and the kernel hands each connection to one of them.
        listener = socket.create_server((host, port))
        connections.close_all()  # no connection may be shared across fork
        children: set[int] = set()
        stopping: list[bool] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.append(True)
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)

        # Installed before forking: a stop that comes meanwhile reaches the children made.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for _ in range(processes):
            children.add(_fork_server(listener, threads))
        listener.close()
        while children:
            pid, status = os.wait()
            children.discard(pid)
            if status and children and not stopping:  # one died on its own: stop them all
                self.stderr.write(f"serving process {pid} ended ({status}); stopping")
                stop(signal.SIGTERM, None)


def _serve(threads: int, **where: Any) -> None:
    serve(
        application,
        threads=threads,
        ident="qyzmet",
        max_request_body_size=MAX_REQUEST_BODY,
        **where,
    )


def _fork_server(listener: socket.socket, threads: int) -> int:
    pid = os.fork()
    if pid == 0:  # the child serves until it is told to stop
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it with SIGTERM
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            _serve(threads, sockets=[listener])
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    return pid
