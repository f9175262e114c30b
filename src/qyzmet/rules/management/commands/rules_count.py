from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from qyzmet.core.inputs import day_argument
from qyzmet.registries.models import PopulationRecord
from qyzmet.rules.commandline import rule_load, rule_refused
from qyzmet.rules.population import eligible_population
from qyzmet.rules.syntax import RuleError


class Command(BaseCommand):
    help = "Count everyone in the population register who qualifies under a rule, in one query."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rule", metavar="RULE", help="a rule file, CODE or CODE@VERSION")
        parser.add_argument("--on", type=day_argument, help="the day to decide for (default today)")
        parser.add_argument("--sql", action="store_true", help="print the query")

    def handle(self, *args: Any, **options: Any) -> None:
        text, rule = rule_load(options["rule"])
        on = options["on"] or timezone.localdate()
        started = time.perf_counter()
        try:
            eligible = eligible_population(rule, on=on)
            if options["sql"]:
                self.stdout.write(str(eligible.query))
                started = time.perf_counter()
            count = eligible.count()
        except RuleError as error:
            raise rule_refused(error, text.label) from error
        seconds = time.perf_counter() - started
        total = PopulationRecord.objects.count()
        self.stdout.write(
            f"{text.label} on {on:%Y-%m-%d}: {count:,} of {total:,} people qualify "
            f"(SQL {seconds:.3f} s)"
        )
