"""The documents this node exchanges with partner states, and what it does with each.

(a) A certificate of no criminal record: an agency asks a partner state for one about the
applicant of a case; the partner's node answers with a certificate its seal signs, and the
answer is put on the case's timeline.

(b) A migrant worker's pension record (the EAEU pension agreement): a partner state's
pension fund asks for the work periods and incomes a person earned here; this node reads
them through its own exchange as the partner, which needs the person's consent and shows
in their data tracker, and answers with the record its employment register's seal signs,
or with a signed refusal when there is no consent.

Each enclosed document is XML in ``urn:qyzmet:crossborder:documents:1``, one element per
field, signed (XAdES, whole document) by the organisation that issued it.
"""

from __future__ import annotations

import json
from datetime import date

from django.utils import timezone
from lxml import etree  # type: ignore[import-untyped]

from qyzmet.cases.models import Case, EventKind
from qyzmet.cases.services import case_foreign_document_note
from qyzmet.core.errors import Problem
from qyzmet.crossborder import adapters
from qyzmet.crossborder.delivery import handles, message_send, partner_get, partner_trust_list
from qyzmet.crossborder.envelope import Enclosure, Envelope
from qyzmet.crossborder.models import IncomingMessage, OutgoingMessage, Partner
from qyzmet.crossborder.node import own_signer
from qyzmet.crossborder.validation import foreign_signature_validate
from qyzmet.documents.formats import FormatError
from qyzmet.documents.formats.xades import xades_inspect, xades_sign, xml_parse
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import Service
from qyzmet.identity.models import Agency
from qyzmet.registries.catalogue import BY_CODE
from qyzmet.trust.authority import seal_certificate_ensure, signing_identity
from qyzmet.trust.signer import SigningIdentity

DOCUMENTS_NS = "urn:qyzmet:crossborder:documents:1"
CRIMINAL_RECORD_REQUEST = "criminal-record-certificate-request"
CRIMINAL_RECORD_CERTIFICATE = "criminal-record-certificate"
PENSION_RECORD_REQUEST = "pension-record-request"
PENSION_RECORD = "pension-record"
DOCUMENT_TYPES = (
    CRIMINAL_RECORD_REQUEST, CRIMINAL_RECORD_CERTIFICATE, PENSION_RECORD_REQUEST, PENSION_RECORD,
)  # fmt: skip
PENSION_PURPOSE = "pension-assignment"  # the exchange purpose a partner's request reads under
INCOME_STATEMENT = "employment/income-statement"  # the consent-bound service it reads
XML = "application/xml"


# --- the documents ----------------------------------------------------------------------


def document_write(kind: str, fields: dict[str, str], signer: SigningIdentity) -> bytes:
    """``<kind>`` with one child element per field, signed by ``signer``."""
    root = etree.Element(f"{{{DOCUMENTS_NS}}}{kind}", nsmap={None: DOCUMENTS_NS})
    for name, value in fields.items():
        etree.SubElement(root, f"{{{DOCUMENTS_NS}}}{name}").text = value
    return xades_sign(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), signer=signer)


def document_read(content: bytes, kind: str, partner: Partner) -> dict[str, str]:
    """The fields of a ``kind`` document the partner's trust list vouches for; Problem
    (422) for anything else, which then fails the message that carried it."""
    try:
        root = xml_parse(content)
        (facts,) = xades_inspect(content)
    except (FormatError, ValueError) as error:
        raise Problem(422, f"the {kind} document is not one signed XML document") from error
    if root.tag != f"{{{DOCUMENTS_NS}}}{kind}":
        raise Problem(422, f"the document is not a {kind}")
    validation = foreign_signature_validate(facts, partner_trust_list(partner), now=timezone.now())
    if validation.indication != "TOTAL-PASSED":
        raise Problem(422, f"the {kind}'s signature is {validation.indication}")
    return {etree.QName(child).localname: child.text or "" for child in root}


def _agency_signer(registry: str) -> SigningIdentity:
    agency = Agency.objects.get(code=BY_CODE[registry].owner)
    return signing_identity(seal_certificate_ensure(agency=agency))


def _enclosure(name: str, content: bytes) -> tuple[Enclosure]:
    return (Enclosure(name, XML, content),)


def _only_document(envelope: Envelope) -> bytes:
    if len(envelope.documents) != 1:
        raise Problem(422, "exactly one document is expected")
    return envelope.documents[0].content


def _answer(
    message: IncomingMessage, envelope: Envelope, document_type: str, name: str, content: bytes
) -> OutgoingMessage:
    """Send ``content`` back to whoever sent ``envelope``, in the same conversation."""
    return message_send(
        partner=message.partner, document_type=document_type,
        documents=_enclosure(name, content), receiver_organisation=envelope.sender.organisation,
        conversation_id=envelope.conversation_id, actor="crossborder",
    )  # fmt: skip


def _request_of(message: IncomingMessage) -> OutgoingMessage:
    """This node's request that an answer in the same conversation answers."""
    request = OutgoingMessage.objects.filter(
        partner=message.partner, conversation_id=message.conversation_id, sequence=1
    ).first()
    if request is None:
        raise Problem(422, "no request of this node is in the conversation")
    return request


# --- (a) a certificate of no criminal record --------------------------------------------


def criminal_record_request(*, case: Case, country: str, actor: str) -> OutgoingMessage:
    """Ask ``country`` for a certificate about the applicant of ``case``; the case's agency
    signs the request, and the answer will be put on the case."""
    partner = partner_get(country)
    person = case.applicant.population
    request = document_write(
        "CriminalRecordCertificateRequest",
        {
            "Surname": person.surname_lat, "GivenName": person.given_name_lat,
            "BirthDate": person.birth_date.isoformat(), "NationalId": case.applicant.iin,
            "Citizenship": person.citizenship, "Reference": case.number,
        },
        signing_identity(seal_certificate_ensure(agency=case.agency)),
    )  # fmt: skip
    message = message_send(
        partner=partner, document_type=CRIMINAL_RECORD_REQUEST,
        documents=_enclosure("request.xml", request), case=case, actor=actor,
    )  # fmt: skip
    case_foreign_document_note(
        case=case, kind=EventKind.FOREIGN_REQUESTED, actor=actor,
        note=f"{CRIMINAL_RECORD_CERTIFICATE} ← {partner.country}",
        data={"country": partner.country, "message_id": str(message.message_id)},
    )  # fmt: skip
    return message


@handles(CRIMINAL_RECORD_REQUEST)
def criminal_record_answer(message: IncomingMessage, envelope: Envelope) -> str:
    """As the partner asked: a certificate saying what this state's register of
    convictions holds about the person, signed by this node's seal."""
    asked = document_read(
        _only_document(envelope), "CriminalRecordCertificateRequest", message.partner
    )
    identity = adapters.Identity(
        surname=asked.get("Surname", ""), given_name=asked.get("GivenName", ""),
        birth_date=asked.get("BirthDate", ""), national_id=asked.get("NationalId", ""),
    )  # fmt: skip
    convictions = adapters.convictions_register().convictions_of(identity)
    result = "record" if convictions else "no-record"
    certificate = document_write(
        "CriminalRecordCertificate",
        {
            "Surname": identity.surname, "GivenName": identity.given_name,
            "BirthDate": identity.birth_date, "NationalId": identity.national_id,
            "Result": result, "Convictions": "; ".join(convictions),
            "Reference": asked.get("Reference", ""), "IssuedOn": timezone.localdate().isoformat(),
        },
        own_signer(),
    )  # fmt: skip
    _answer(message, envelope, CRIMINAL_RECORD_CERTIFICATE, "certificate.xml", certificate)
    return f"certificate sent: {result}"


@handles(CRIMINAL_RECORD_CERTIFICATE)
def criminal_record_attach(message: IncomingMessage, envelope: Envelope) -> str:
    """Put the partner's certificate on the case it was asked for."""
    request = _request_of(message)
    if request.case is None:
        raise Problem(422, "the request was not made for a case")
    certificate = document_read(
        _only_document(envelope), "CriminalRecordCertificate", message.partner
    )
    result = certificate.get("Result", "")
    case_foreign_document_note(
        case=request.case, kind=EventKind.FOREIGN_RECEIVED, actor=message.partner.country,
        note=f"{CRIMINAL_RECORD_CERTIFICATE}: {result}",
        data={
            "country": message.partner.country, "message_id": str(message.message_id),
            "document_type": CRIMINAL_RECORD_CERTIFICATE, "result": result,
            "sha256": envelope.documents[0].sha256,
        },
    )  # fmt: skip
    return f"attached to case {request.case.number}: {result}"


# --- (b) a migrant worker's pension record ----------------------------------------------


def pension_record_request(
    *, country: str, national_id: str, first_month: str, last_month: str, actor: str
) -> OutgoingMessage:
    """Ask ``country`` for the record of what the person with ``national_id`` (their
    identifier there) earned there between two months (YYYY-MM); this state's pension
    register signs the request."""
    for month in (first_month, last_month):
        try:
            date.fromisoformat(f"{month}-01")
        except ValueError as error:
            raise Problem(422, f"{month!r} is not a month (YYYY-MM)") from error
    request = document_write(
        "PensionRecordRequest",
        {"NationalId": national_id, "FirstMonth": first_month, "LastMonth": last_month,
         "Purpose": PENSION_PURPOSE},
        _agency_signer("benefits"),
    )  # fmt: skip
    return message_send(
        partner=partner_get(country), document_type=PENSION_RECORD_REQUEST,
        documents=_enclosure("request.xml", request), actor=actor,
    )  # fmt: skip


def _income_statement_service() -> str:
    found = Service.objects.filter(identifier__endswith=f"/{INCOME_STATEMENT}").first()
    if found is None:
        raise Problem(503, "the income statement is not published: run `qyzmet exchange init`")
    return found.identifier


@handles(PENSION_RECORD_REQUEST)
def pension_record_answer(message: IncomingMessage, envelope: Envelope) -> str:
    """Read the person's incomes as the partner, under their consent, and answer them."""
    partner = message.partner
    asked = document_read(_only_document(envelope), "PensionRecordRequest", partner)
    if not partner.exchange_client:
        raise Problem(422, f"{partner.country} stands for no exchange client here")
    national_id = asked.get("NationalId", "")
    answer = ExchangeClient.local(partner.exchange_client).get(
        _income_statement_service(), national_id, purpose=PENSION_PURPOSE,
        issue=f"crossborder:{envelope.conversation_id}", message_id=str(envelope.message_id),
        query={"from": asked.get("FirstMonth", ""), "to": asked.get("LastMonth", "")},
    )  # fmt: skip
    fields = {"NationalId": national_id, "FirstMonth": asked.get("FirstMonth", ""),
              "LastMonth": asked.get("LastMonth", "")}  # fmt: skip
    if answer.status == 200:
        incomes = answer.json()
        listed = json.dumps(incomes, sort_keys=True, separators=(",", ":"))
        fields |= {"Result": "record", "Months": str(len(incomes)), "Incomes": listed}
    else:
        fields |= {"Result": "refused", "Reason": answer.error or f"HTTP {answer.status}"}
    record = document_write("PensionRecord", fields, _agency_signer("employment"))
    _answer(message, envelope, PENSION_RECORD, "pension-record.xml", record)
    return f"pension record sent: {fields['Result']}"


@handles(PENSION_RECORD)
def pension_record_receive(message: IncomingMessage, envelope: Envelope) -> str:
    """Check the record answers this node's request and is signed under the partner's list."""
    _request_of(message)
    record = document_read(_only_document(envelope), "PensionRecord", message.partner)
    if record.get("Result") != "record":
        return f"refused by {message.partner.country}: {record.get('Reason', '')}"
    return f"pension record received: {record.get('Months', '0')} months"
