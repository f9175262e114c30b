from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qyzmet.identity.models import Account
from qyzmet.portal.management.commands.demo import DEMO_OFFICERS


class Command(BaseCommand):
    help = (
        "Print the current one-time code of a demo officer or operator, and the next one "
        "(a code works once: log in with one, sign a decision with the other; demo only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", choices=[name for name, _ in DEMO_OFFICERS] + ["operator"])

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        account = Account.objects.filter(username=username).first()
        if account is None or not account.totp_secret:
            raise CommandError(f"no demo account {username}; run `qyzmet demo` first")
        totp = pyotp.TOTP(account.totp_secret)
        now = timezone.now()
        following = totp.at(now + timedelta(seconds=totp.interval))
        self.stdout.write(f"{totp.at(now)} (next: {following})")
