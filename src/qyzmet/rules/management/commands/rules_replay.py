from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.rules.explanations import explain
from qyzmet.rules.models import Decision
from qyzmet.rules.selectors import decision_get
from qyzmet.rules.services import decision_replay


class Command(BaseCommand):
    help = (
        "Evaluate a kept decision again from its rule version and the facts it was made on, "
        "and explain it; exits non-zero if the outcome differs from the one kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("decision", metavar="DECISION", help="the decision's id")
        parser.add_argument("--language", choices=("kk", "ru", "en"), default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            decision = decision_get(UUID(options["decision"]))
        except (ValueError, Decision.DoesNotExist) as error:
            raise CommandError(f"no decision {options['decision']!r}") from error
        replayed = decision_replay(decision)
        version = decision.rule_version
        self.stdout.write(
            f"{version.rule.code} v{version.number}, IIN {decision.iin}, on {decision.on:%Y-%m-%d},"
            f" decided {decision.made_at:%Y-%m-%d %H:%M} by {decision.made_by}"
        )
        explanation = explain(
            replayed.outcome, replayed.dossier, replayed.rule.source,
            on=decision.on, language=options["language"],
        )  # fmt: skip
        for line in explanation.lines():
            self.stdout.write(line)
        if replayed.outcome.eligible != decision.eligible:
            raise CommandError("the replayed outcome differs from the kept decision")
