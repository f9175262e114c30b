from __future__ import annotations

from typing import Any

import pyotp
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.identity.models import Account
from qyzmet.portal.management.commands.demo import DEMO_OFFICERS


class Command(BaseCommand):
    help = "Print the current one-time login code of a demo officer or operator (demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", choices=[name for name, _ in DEMO_OFFICERS] + ["operator"])

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        account = Account.objects.filter(username=username).first()
        if account is None or not account.totp_secret:
            raise CommandError(f"no demo account {username}; run `qyzmet demo` first")
        self.stdout.write(pyotp.TOTP(account.totp_secret).now())
