from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.cases.models import Case
from qyzmet.core.errors import Problem
from qyzmet.crossborder.delivery import message_send, partner_get
from qyzmet.crossborder.envelope import Enclosure
from qyzmet.crossborder.flows import (
    CRIMINAL_RECORD_REQUEST,
    PENSION_RECORD_REQUEST,
    criminal_record_request,
    pension_record_request,
)
from qyzmet.crossborder.models import OutgoingMessage

ACTOR = "operator:cli"


class Command(BaseCommand):
    help = (
        "Send a document to a partner state: a certificate request for a case (--case), a "
        "pension record request (--national-id, --first-month, --last-month), or files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, help="the partner's country code")
        parser.add_argument("--type", required=True, dest="document_type")
        parser.add_argument("--case", help=f"the case number ({CRIMINAL_RECORD_REQUEST})")
        parser.add_argument(
            "--national-id", help=f"the person's id there ({PENSION_RECORD_REQUEST})"
        )
        parser.add_argument("--first-month", help="YYYY-MM")
        parser.add_argument("--last-month", help="YYYY-MM")
        parser.add_argument("--file", type=Path, action="append", default=[], dest="files")
        parser.add_argument("--conversation", type=UUID, help="continue this conversation")

    def _send(self, options: dict[str, Any]) -> OutgoingMessage:
        kind, country = options["document_type"], options["to"]
        if kind == CRIMINAL_RECORD_REQUEST:
            case = Case.objects.filter(number=options["case"] or "").first()
            if case is None:
                raise CommandError("--case names no case")
            return criminal_record_request(case=case, country=country, actor=ACTOR)
        if kind == PENSION_RECORD_REQUEST:
            if not (options["national_id"] and options["first_month"] and options["last_month"]):
                raise CommandError("give --national-id, --first-month and --last-month")
            return pension_record_request(
                country=country, national_id=options["national_id"],
                first_month=options["first_month"], last_month=options["last_month"], actor=ACTOR,
            )  # fmt: skip
        if not options["files"]:
            raise CommandError("give the documents to enclose with --file")
        documents = [
            Enclosure(path.name, mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                      path.read_bytes())
            for path in options["files"]
        ]  # fmt: skip
        return message_send(
            partner=partner_get(country), document_type=kind, documents=documents,
            conversation_id=options["conversation"], actor=ACTOR,
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            message = self._send(options)
        except (Problem, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{message.message_id} queued to {message.partner.country} "
            f"(conversation {message.conversation_id}, no. {message.sequence})"
        )
