from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.rules.commandline import rule_refused
from qyzmet.rules.services import rule_publish
from qyzmet.rules.syntax import RuleError


class Command(BaseCommand):
    help = (
        "Publish rule files as new versions (the code is the file name without .rule, "
        "unless --code is given). A file whose text is already the latest version is left."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--code", help="the rule's code (only with one file)")
        parser.add_argument("--actor", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"] and len(options["files"]) > 1:
            raise CommandError("--code names one rule: give one file with it")
        for name in options["files"]:
            path = Path(name)
            code = options["code"] or path.stem
            try:
                source = path.read_text("utf-8")
                version = rule_publish(code=code, source=source, actor=options["actor"])
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"{name}: cannot read: {error}") from error
            except RuleError as error:
                raise rule_refused(error, name) from error
            self.stdout.write(f"{code} v{version.number} ({version.digest[:12]})")
