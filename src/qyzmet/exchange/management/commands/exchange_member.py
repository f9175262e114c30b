from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.exchange.models import MemberClass
from qyzmet.exchange.services import member_add


class Command(BaseCommand):
    help = "Register an organisation as an exchange member."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--class", dest="member_class", choices=MemberClass.values, required=True
        )
        parser.add_argument("--code", required=True, help="the member code: its BIN")
        parser.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            member = member_add(
                member_class=options["member_class"],
                code=options["code"],
                name=options["name"],
                actor="operator:cli",
            )
        except Problem as problem:
            raise CommandError(problem.detail) from None
        self.stdout.write(f"member {member}")
