from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.errors import Problem
from qyzmet.crossborder.delivery import messages_send_now
from qyzmet.crossborder.evidence import DIRECTIONS, evidence_export
from qyzmet.crossborder.models import IncomingMessage, OutgoingMessage, RefusedEnvelope

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Show the cross-border journal, or one message; export a message's evidence; "
        "send what waits for a partner now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message_id", nargs="?", type=UUID)
        parser.add_argument("--evidence", type=Path, help="write the message's evidence (ZIP)")
        parser.add_argument("--send-now", metavar="COUNTRY", nargs="?", const="",
                            help="attempt every queued message (to COUNTRY) again now")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["send_now"] is not None:
            count = messages_send_now(country=options["send_now"] or None)
            self.stdout.write(f"{count} message(s) queued for another attempt now")
            return
        message_id = options["message_id"]
        if message_id is None:
            self._journal()
            return
        self._message(message_id, options["evidence"])

    def _journal(self) -> None:
        for sent in OutgoingMessage.objects.select_related("partner").order_by("-created_at")[
            :SHOWN
        ]:
            self.stdout.write(
                f"out {sent.message_id} → {sent.partner.country} {sent.document_type} "
                f"{sent.status} attempts={sent.attempts} {sent.last_error}".rstrip()
            )
        for got in IncomingMessage.objects.select_related("partner").order_by("-received_at")[
            :SHOWN
        ]:
            self.stdout.write(
                f"in  {got.message_id} ← {got.partner.country} {got.document_type} "
                f"{got.status} {got.outcome}".rstrip()
            )
        for refused in RefusedEnvelope.objects.order_by("-at")[:SHOWN]:
            self.stdout.write(
                f"refused {refused.message_id or '-'} ← {refused.sender_country or '?'} "
                f"{refused.code}: {refused.detail}"
            )

    def _message(self, message_id: UUID, evidence: Path | None) -> None:
        for direction in DIRECTIONS:
            try:
                archive = evidence_export(direction, message_id)
            except Problem:
                continue
            if evidence is not None:
                evidence.write_bytes(archive)
                self.stdout.write(f"wrote {evidence} ({len(archive)} bytes)")
            sent = OutgoingMessage.objects.filter(message_id=message_id).first()
            got = IncomingMessage.objects.filter(message_id=message_id).first()
            if sent is not None:
                self.stdout.write(
                    f"{direction} {message_id}: {sent.status} {sent.last_error}".rstrip()
                )
            elif got is not None:
                self.stdout.write(f"{direction} {message_id}: {got.status} {got.outcome}".rstrip())
            else:
                self.stdout.write(f"{direction} {message_id}")
            return
        raise CommandError(f"no message {message_id} in the journal")
