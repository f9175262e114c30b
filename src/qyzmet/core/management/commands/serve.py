from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from waitress import serve

from qyzmet.wsgi import application

# The largest request waitress accepts: a document to verify (20 MB) and, for a detached
# signature, the signed file, with multipart overhead. Anything bigger is refused before
# it is buffered.
MAX_REQUEST_BODY = 41 * 1024 * 1024


class Command(BaseCommand):
    help = "Serve the portal and the API (WSGI, multi-threaded). Run workers separately."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        self.stdout.write(f"serving on http://{host}:{port}/")
        serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="qyzmet",
            max_request_body_size=MAX_REQUEST_BODY,
        )
