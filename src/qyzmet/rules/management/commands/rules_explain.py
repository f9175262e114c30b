from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qyzmet.core.inputs import day_argument
from qyzmet.exchange.client import ExchangeClient
from qyzmet.rules.commandline import rule_load, rule_refused
from qyzmet.rules.explanations import explain
from qyzmet.rules.facts import FactSource
from qyzmet.rules.person import dossier_read, evaluate
from qyzmet.rules.services import decision_make
from qyzmet.rules.sources import ExchangeSource, PersonUnknown, RegistrySource
from qyzmet.rules.syntax import RuleError


class Command(BaseCommand):
    help = (
        "Decide a rule for one person and say why, clause by clause. Reads this node's "
        "registries, or the exchange as --through CLIENT for --purpose (then the person "
        "sees the reads in their data tracker)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rule", metavar="RULE", help="a rule file, CODE or CODE@VERSION")
        parser.add_argument("--iin", required=True)
        parser.add_argument("--on", type=day_argument, help="the day to decide for")
        parser.add_argument("--language", choices=("kk", "ru", "en"), default="en")
        parser.add_argument("--through", metavar="CLIENT", help="an exchange client identifier")
        parser.add_argument("--purpose", default="", help="with --through: the purpose code")
        parser.add_argument("--issue", default="", help="with --through: the case number")
        parser.add_argument(
            "--record", action="store_true", help="keep the decision (a published rule only)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text, rule = rule_load(options["rule"])
        on = options["on"] or timezone.localdate()
        source: FactSource = RegistrySource()
        if options["through"]:
            if not options["purpose"]:
                raise CommandError("--through needs --purpose: why the data is read")
            source = ExchangeSource(
                ExchangeClient.local(options["through"]),
                purpose=options["purpose"],
                issue=options["issue"],
            )
        try:
            if options["record"]:
                if text.version is None:
                    raise CommandError("--record keeps decisions of published rules only")
                decided = decision_make(
                    version=text.version, iin=options["iin"], on=on, source=source, actor="cli"
                )
                outcome, dossier = decided.outcome, decided.dossier
            else:
                dossier = dossier_read(source, options["iin"], rule)
                outcome = evaluate(rule, dossier, on=on)
        except PersonUnknown as error:
            raise CommandError(str(error)) from error
        except RuleError as error:
            raise rule_refused(error, options["rule"]) from error
        explanation = explain(outcome, dossier, rule.source, on=on, language=options["language"])
        self.stdout.write(f"{text.label}, IIN {options['iin']}, on {on:%Y-%m-%d}")
        for line in explanation.lines():
            self.stdout.write(line)
        if options["record"]:
            self.stdout.write(f"decision {decided.decision.public_id}")
