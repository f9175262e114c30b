from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from waitress import serve

from qyzmet.wsgi import application


class Command(BaseCommand):
    help = "Serve the portal and the API (WSGI, multi-threaded). Run workers separately."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        self.stdout.write(f"serving on http://{host}:{port}/")
        serve(application, host=host, port=port, threads=threads, ident="qyzmet")
