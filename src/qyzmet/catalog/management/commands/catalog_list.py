from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qyzmet.catalog.selectors import service_definition, services_current, situations_current


class Command(BaseCommand):
    help = "List the published services (current versions) and life situations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="only this agency's services")
        parser.add_argument("--language", default="en", choices=["kk", "ru", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["language"]
        for version in services_current(agency=options["agency"]):
            definition = service_definition(version)
            self.stdout.write(
                f"{version.service.code} v{version.number} [{version.service.agency.code}] "
                f"{definition.name.get(language)}"
            )
        if options["agency"] is None:
            for situation in situations_current():
                name = situation.definition["name"][language]
                self.stdout.write(
                    f"life situation {situation.situation.code} v{situation.number} {name}"
                )
