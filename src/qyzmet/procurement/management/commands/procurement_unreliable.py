from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qyzmet.core.errors import Problem
from qyzmet.core.inputs import day_argument
from qyzmet.procurement.services import unreliable_supplier_list


class Command(BaseCommand):
    help = "Put an organisation on the registry of unreliable suppliers until a date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bin", help="the organisation's business number")
        parser.add_argument("--until", type=day_argument, required=True, help="YYYY-MM-DD")
        parser.add_argument("--reason", required=True, help="the decision it rests on")

    def handle(self, *args: Any, **options: Any) -> None:
        until = timezone.make_aware(datetime.combine(options["until"], time()))
        try:
            unreliable_supplier_list(
                bin_=options["bin"], reason=options["reason"], until=until, actor="operator:cli"
            )
        except Problem as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"{options['bin']} cannot bid until {options['until']}")
