from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.identity.services import oauth_client_register


class Command(BaseCommand):
    help = (
        "Register an OAuth client (a bank app, a bot) for the authorization-code flow with "
        "PKCE; prints its client id and, for a confidential client, its secret (shown once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="shown to citizens on the consent page")
        parser.add_argument(
            "--redirect-uri", action="append", required=True, dest="redirect_uris",
            help="an exact https:// address the citizen is sent back to (repeatable)",
        )  # fmt: skip
        parser.add_argument(
            "--public", action="store_true",
            help="a client that cannot keep a secret (a mobile app): PKCE only, no secret",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registered = oauth_client_register(
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                confidential=not options["public"],
            )
        except Problem as problem:
            raise CommandError(problem.detail) from problem
        self.stdout.write(f"client_id: {registered.application.client_id}")
        if registered.secret:
            self.stdout.write(f"client_secret: {registered.secret}")
            self.stdout.write("The secret is stored hashed: give it to the integrator now.")
