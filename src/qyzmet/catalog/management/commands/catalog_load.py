from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.catalog.commandline import catalogue_checked, problems_said
from qyzmet.catalog.services import catalogue_publish, catalogue_publish_shipped


class Command(BaseCommand):
    help = (
        "Check a catalogue directory and publish every changed service and life situation "
        "as its next version (all or nothing). Without DIR: the catalogue qyzmet ships, "
        "with the rules it uses."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", metavar="DIR", type=Path, nargs="?")
        parser.add_argument("--actor", default="cli", help="who publishes (for the audit)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory, actor = options["directory"], options["actor"]
        if directory is None:
            with problems_said(self.stderr.write):
                published = catalogue_publish_shipped(actor=actor)
        else:
            catalogue = catalogue_checked(directory, self.stderr.write)
            published = catalogue_publish(catalogue=catalogue, actor=actor)
        for item in published:
            state = "published" if item.new else "unchanged"
            self.stdout.write(f"{item.kind} {item.code} v{item.number}: {state}")
        new = sum(item.new for item in published)
        self.stdout.write(f"{new} new versions, {len(published) - new} unchanged")
