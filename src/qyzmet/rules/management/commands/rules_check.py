from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.rules.checker import rule_check
from qyzmet.rules.commandline import rule_refused
from qyzmet.rules.syntax import RuleError


class Command(BaseCommand):
    help = "Parse and type-check rule files; errors name the file, line and column."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for name in options["files"]:
            try:
                rule = rule_check(Path(name).read_text("utf-8"))
            except (OSError, UnicodeDecodeError) as error:
                failed += 1
                self.stderr.write(f"{name}: cannot read: {error}")
            except RuleError as error:
                failed += 1
                self.stderr.write(str(rule_refused(error, name)))
            else:
                uses = ", ".join(sorted(rule.collections)) or "the person's own facts only"
                self.stdout.write(f"{name}: ok (reads {uses})")
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} rule files have errors")
