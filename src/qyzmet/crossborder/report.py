"""The signed validation report: this node, as a trusted third party between states,
states whether a foreign signature was valid when it was made.

    <ValidationReport xmlns="urn:qyzmet:crossborder:1">
      <Document sha256="…"/>
      <ValidatedAt>…</ValidatedAt>
      <Signature>
        <Indication>TOTAL-PASSED</Indication>
        <Signer>CN=…</Signer> <Territory>KG</Territory>
        <Moment source="timestamp">…</Moment>
        <Problem>…</Problem>…
        <Statement xml:lang="ru">Подпись … была действительна на момент её создания…</Statement>
      </Signature>
      <ds:Signature>…</ds:Signature>   <!-- this node's seal -->
    </ValidationReport>

The machine-readable parts are the same in every language; the statement is in the
language asked for (kk, ru or en). ``xml:lang`` marks the statements, not the root: on the
root, inclusive C14N would carry it into the signed properties, which signers and
verifiers canonicalise differently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree  # type: ignore[import-untyped]

from qyzmet.crossborder.envelope import NS
from qyzmet.crossborder.validation import ForeignValidation
from qyzmet.documents.formats.xades import xades_sign
from qyzmet.trust.signer import SigningIdentity

LANGUAGES = ("kk", "ru", "en")
_N = f"{{{NS}}}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def statement(result: ForeignValidation) -> str:
    """The finding in words, in the active language."""
    moment = result.moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    source = {
        "timestamp": _("by its time stamp"),
        "claimed": _("as the signer claims"),
        "now": _("at the time of checking"),
    }[result.moment_source]
    if result.indication == "TOTAL-PASSED":
        return _(
            "The signature of %(signer)s was valid when it was made, %(moment)s (%(source)s), "
            "under the trust list of %(territory)s."
        ) % {"signer": result.signer, "moment": moment, "source": source,
             "territory": result.territory}  # fmt: skip
    if result.indication == "TOTAL-FAILED":
        return _("The signature does not match the document: it was altered or is not genuine.")
    return _(
        "It cannot be confirmed that the signature of %(signer)s was valid when it was made, "
        "%(moment)s (%(source)s), under the trust list of %(territory)s: %(problems)s."
    ) % {"signer": result.signer or "?", "moment": moment, "source": source,
         "territory": result.territory, "problems": ", ".join(result.problems)}  # fmt: skip


def validation_report_write(
    document: bytes,
    results: Sequence[ForeignValidation],
    *,
    language: str,
    at: datetime,
    signer: SigningIdentity,
) -> bytes:
    """The report on ``document``'s signatures, in ``language``, signed with ``signer``."""
    if language not in LANGUAGES:
        raise ValueError(f"a report is in kk, ru or en, not {language!r}")
    root = etree.Element(_N + "ValidationReport", nsmap={None: NS})
    etree.SubElement(root, _N + "Document", sha256=hashlib.sha256(document).hexdigest())
    etree.SubElement(root, _N + "ValidatedAt").text = at.isoformat()
    with translation.override(language):
        for result in results:
            element = etree.SubElement(root, _N + "Signature")
            etree.SubElement(element, _N + "Indication").text = result.indication
            etree.SubElement(element, _N + "Signer").text = result.signer
            etree.SubElement(element, _N + "Territory").text = result.territory
            moment = etree.SubElement(element, _N + "Moment", source=result.moment_source)
            moment.text = result.moment.isoformat()
            for problem in result.problems:
                etree.SubElement(element, _N + "Problem").text = problem
            said = etree.SubElement(element, _N + "Statement")
            said.set(_XML_LANG, language)
            said.text = statement(result)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return xades_sign(xml, signer=signer)
