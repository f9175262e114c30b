from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.models import QuerySet
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
                self.stdout.write(_runnable(eligible))
                started = time.perf_counter()
            count = eligible.count()
        except RuleError as error:
            raise rule_refused(error, options["rule"]) from error
        seconds = time.perf_counter() - started
        total = PopulationRecord.objects.count()
        self.stdout.write(
            f"{text.label} on {on:%Y-%m-%d}: {count:,} of {total:,} people qualify "
            f"(SQL {seconds:.3f} s)"
        )


def _runnable(query: QuerySet[PopulationRecord]) -> str:
    """The query as SQL one can paste into psql (parameters quoted in place)."""
    sql, params = query.query.sql_with_params()
    if connection.vendor == "postgresql":
        return str(connection.ops.compose_sql(sql, params))  # type: ignore[attr-defined]
    return str(query.query)  # SQLite: Django's rendering, values unquoted
