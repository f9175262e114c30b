"""Sample documents for the demo and the tests: one of each format, about a real record."""

from __future__ import annotations

from django.utils.translation import gettext, override

from qyzmet.documents.models import Document, DocumentFormat
from qyzmet.documents.services import document_issue
from qyzmet.identity.models import Agency, Person
from qyzmet.registries.selectors import address_line, population_record_of


def samples_issue(*, person: Person, language: str, actor: str) -> list[Document]:
    """Issue an address certificate (PDF), a population extract (XML) and one as JSON."""
    record = population_record_of(person)
    agency = Agency.objects.get(code="internal-affairs")
    script = "lat" if language == "en" else language
    surname = getattr(record, f"surname_{script}")
    given = getattr(record, f"given_name_{script}")
    facts = {
        "full_name": f"{surname} {given}",
        "iin": person.iin,
        "birth_date": record.birth_date.isoformat(),
        "address": address_line(record.address, language),
    }
    with override(language):
        titles = {
            "address-certificate": gettext("Address certificate"),
            "population-extract": gettext("Extract from the population register"),
        }
    return [
        document_issue(
            kind=kind,
            format=format,
            owner=person,
            agency=agency,
            language=language,
            title=titles[kind],
            context=facts,
            actor=actor,
        )
        for kind, format in (
            ("address-certificate", DocumentFormat.PDF),
            ("population-extract", DocumentFormat.XML),
            ("population-extract", DocumentFormat.JSON),
        )
    ]
