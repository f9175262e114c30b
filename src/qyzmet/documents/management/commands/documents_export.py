from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.core.audit import audit_record
from qyzmet.documents.models import Document
from qyzmet.documents.services import document_content, verification_url
from qyzmet.identity.models import Person


class Command(BaseCommand):
    help = "Export every document of one person, with a manifest (data portability)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iin", required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(iin=options["iin"]).first()
        if person is None:
            raise CommandError(f"no person with IIN {options['iin']}")
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        manifest = []
        documents = Document.objects.filter(owner=person).select_related("agency", "blob")
        for document in documents.order_by("issued_at"):
            (out / document.filename).write_bytes(document_content(document))
            manifest.append(
                {
                    "file": document.filename,
                    "title": document.title,
                    "kind": document.kind,
                    "format": document.format,
                    "language": document.language,
                    "issued_at": document.issued_at.isoformat(),
                    "agency": document.agency.code,
                    "sha256": document.blob_id,
                    "verification_code": document.short_code,
                    "verification_url": verification_url(document.short_code),
                }
            )
        (out / "manifest.json").write_text(
            json.dumps({"iin": person.iin, "documents": manifest}, ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
        audit_record(
            actor="operator:cli",
            action="documents.export",
            object_type="person",
            object_id=person.iin,
            data={"documents": len(manifest), "out": str(out)},
        )
        self.stdout.write(f"exported {len(manifest)} documents to {out}")
