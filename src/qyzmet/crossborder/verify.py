"""This node as a trusted third party: is a document signed in a partner state valid, as
of when it was signed, by that state's trust list? Answers with a signed report."""

from __future__ import annotations

from django.utils import timezone

from qyzmet.core.errors import Problem
from qyzmet.crossborder.delivery import partner_get, partner_trust_list
from qyzmet.crossborder.node import own_signer
from qyzmet.crossborder.report import validation_report_write
from qyzmet.crossborder.validation import ForeignValidation, foreign_signature_validate
from qyzmet.documents.formats import FormatError, SignatureFacts
from qyzmet.documents.formats.pades import pades_inspect
from qyzmet.documents.formats.xades import xades_inspect


def _facts(data: bytes) -> list[SignatureFacts]:
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip()
    try:
        if head.startswith(b"%PDF"):
            return pades_inspect(data)
        if head.startswith(b"<"):
            return xades_inspect(data)
    except (FormatError, ValueError) as error:
        raise Problem(422, f"The document cannot be read: {error}", code="unreadable") from error
    raise Problem(422, "Only signed XML (XAdES) and PDF (PAdES) documents are checked here.")


def foreign_document_validate(data: bytes, *, country: str) -> list[ForeignValidation]:
    """Each signature of ``data``, judged by the trust list of the partner ``country``
    (where it was signed) as of the moment it was made."""
    trust_list = partner_trust_list(partner_get(country))
    found = _facts(data)
    if not found:
        raise Problem(422, "The document carries no signature.", code="no-signature")
    now = timezone.now()
    return [foreign_signature_validate(facts, trust_list, now=now) for facts in found]


def validation_report(data: bytes, *, country: str, language: str) -> bytes:
    """The report on ``data``'s signatures in ``language``, signed by this node's seal."""
    results = foreign_document_validate(data, country=country)
    return validation_report_write(
        data, results, language=language, at=timezone.now().replace(microsecond=0),
        signer=own_signer(),
    )  # fmt: skip
