"""What one national node sends another, and what it gets back: the envelope, the receipt
and the error signal, as XML each signed with XAdES by the node that writes it (EAEU
practice for inter-state exchange of electronic documents). Pure functions: no database.

    <Envelope xmlns="urn:qyzmet:crossborder:1">
      <MessageId>…</MessageId> <ConversationId>…</ConversationId> <Sequence>1</Sequence>
      <Sender country="KZ" organisation="990240000010"/>
      <Receiver country="KG" organisation="…"/>
      <DocumentType>criminal-record-certificate-request</DocumentType>
      <CreatedAt>2026-12-04T10:00:00+00:00</CreatedAt>
      <Documents>
        <Document name="request.xml" mediaType="application/xml" sha256="…">base64</Document>
      </Documents>
      <ds:Signature>…</ds:Signature>
    </Envelope>

Each enclosed document keeps the signature its author made (inside its bytes: XAdES, PAdES);
the envelope's signature binds the digests of all of them to the header. A receipt names
the message, the digest of the envelope as received and the digest of each document; an
error signal names what was refused and why. Reading any of them (``*_open``) checks that
its one signature is intact and covers the whole document; whether the signer is trusted,
and was at the signing time, is for the caller (it knows the partner's trust list).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from lxml import etree  # type: ignore[import-untyped]

from qyzmet.documents.formats import FormatError, SignatureFacts
from qyzmet.documents.formats.xades import xades_inspect, xades_sign, xml_parse
from qyzmet.trust.signer import SigningIdentity

NS = "urn:qyzmet:crossborder:1"
_N = f"{{{NS}}}"
COUNTRY_CODE_LENGTH = 2  # ISO 3166-1 alpha-2
# Why an envelope was refused: the codes of an error signal.
ERROR_CODES = frozenset(
    {"malformed", "altered", "forged", "untrusted-signer", "unknown-partner", "replayed",
     "misrouted", "unsupported-document-type"}
)  # fmt: skip


class EnvelopeError(ValueError):
    """The bytes are not a well-formed, intact envelope (receipt, error signal) of this
    format. ``code`` is one of ERROR_CODES: ``malformed`` or ``altered``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Party:
    country: str  # ISO 3166-1 alpha-2, "KZ"
    organisation: str  # the organisation's identifier in its country (BIN in Kazakhstan)


@dataclass(frozen=True)
class Enclosure:
    name: str
    media_type: str
    content: bytes  # as its author signed it

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Envelope:
    message_id: UUID
    conversation_id: UUID
    sequence: int  # 1, 2, ... within the conversation: the receiver keeps this order
    sender: Party
    receiver: Party
    document_type: str
    created_at: datetime
    documents: tuple[Enclosure, ...]


@dataclass(frozen=True)
class Receipt:
    message_id: UUID
    conversation_id: UUID
    sender: Party  # who received the envelope and signs the receipt
    receiver: Party  # who sent it
    received_at: datetime
    envelope_sha256: str
    documents: tuple[tuple[str, str], ...]  # (name, sha256) of each document received


@dataclass(frozen=True)
class ErrorSignal:
    message_id: UUID | None  # None when the envelope was too broken to name it
    sender: Party
    code: str
    detail: str
    envelope_sha256: str
    at: datetime


T = TypeVar("T")


@dataclass(frozen=True)
class Opened(Generic[T]):
    """What was read, the bytes it came in, and the facts of its signature."""

    value: T
    xml: bytes
    signature: SignatureFacts

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


# --- writing --------------------------------------------------------------------------------


def _element(parent: etree._Element, tag: str, text: str = "", **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _N + tag, attrib=attributes)
    if text:
        element.text = text
    return element


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    _element(parent, tag, country=party.country, organisation=party.organisation)


def _signed(root: etree._Element, signer: SigningIdentity) -> bytes:
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return xades_sign(xml, signer=signer)


def envelope_seal(envelope: Envelope, signer: SigningIdentity) -> bytes:
    """``envelope`` as XML, signed by the sending node's ``signer``."""
    root = etree.Element(_N + "Envelope", nsmap={None: NS})
    _element(root, "MessageId", str(envelope.message_id))
    _element(root, "ConversationId", str(envelope.conversation_id))
    _element(root, "Sequence", str(envelope.sequence))
    _party(root, "Sender", envelope.sender)
    _party(root, "Receiver", envelope.receiver)
    _element(root, "DocumentType", envelope.document_type)
    _element(root, "CreatedAt", envelope.created_at.isoformat())
    documents = _element(root, "Documents")
    for document in envelope.documents:
        _element(
            documents, "Document", base64.b64encode(document.content).decode(),
            name=document.name, mediaType=document.media_type, sha256=document.sha256,
        )  # fmt: skip
    return _signed(root, signer)


def receipt_seal(receipt: Receipt, signer: SigningIdentity) -> bytes:
    """``receipt`` as XML, signed by the receiving node's ``signer``."""
    root = etree.Element(_N + "Receipt", nsmap={None: NS})
    _element(root, "MessageId", str(receipt.message_id))
    _element(root, "ConversationId", str(receipt.conversation_id))
    _party(root, "Sender", receipt.sender)
    _party(root, "Receiver", receipt.receiver)
    _element(root, "ReceivedAt", receipt.received_at.isoformat())
    _element(root, "EnvelopeSha256", receipt.envelope_sha256)
    documents = _element(root, "Documents")
    for name, sha256 in receipt.documents:
        _element(documents, "Document", name=name, sha256=sha256)
    return _signed(root, signer)


def error_signal_seal(signal: ErrorSignal, signer: SigningIdentity) -> bytes:
    """``signal`` as XML, signed by the refusing node's ``signer``."""
    if signal.code not in ERROR_CODES:
        raise ValueError(f"unknown error code {signal.code!r}")
    root = etree.Element(_N + "ErrorSignal", nsmap={None: NS})
    if signal.message_id is not None:
        _element(root, "MessageId", str(signal.message_id))
    _party(root, "Sender", signal.sender)
    _element(root, "Code", signal.code)
    _element(root, "Detail", signal.detail)
    _element(root, "EnvelopeSha256", signal.envelope_sha256)
    _element(root, "At", signal.at.isoformat())
    return _signed(root, signer)


def receipt_for(opened: Opened[Envelope], signer: SigningIdentity, at: datetime) -> bytes:
    """The receipt of an opened envelope, binding what was received, signed."""
    envelope = opened.value
    return receipt_seal(
        Receipt(
            message_id=envelope.message_id, conversation_id=envelope.conversation_id,
            sender=envelope.receiver, receiver=envelope.sender, received_at=at,
            envelope_sha256=opened.sha256,
            documents=tuple((d.name, d.sha256) for d in envelope.documents),
        ),
        signer,
    )  # fmt: skip


# --- reading --------------------------------------------------------------------------------


def _root(xml: bytes, tag: str) -> tuple[etree._Element, SignatureFacts]:
    """The root of a signed ``tag`` document and the facts of its one signature, or
    EnvelopeError: malformed (not this document, no single signature over all of it) or
    altered (the signature does not match the bytes)."""
    try:
        root = xml_parse(xml)
        facts = xades_inspect(xml, root=root)
    except FormatError as error:
        raise EnvelopeError("malformed", str(error)) from error
    if root.tag != _N + tag:
        raise EnvelopeError("malformed", f"not a {tag} of {NS}")
    if len(facts) != 1:
        raise EnvelopeError("malformed", f"a {tag} carries exactly one signature")
    (signature,) = facts
    if not signature.intact:
        problem = signature.integrity_problem
        raise EnvelopeError("altered", f"the signature does not match the bytes: {problem}")
    if not signature.covers_whole_document:
        raise EnvelopeError("malformed", f"the signature does not cover the whole {tag}")
    return root, signature


def _text(root: etree._Element, tag: str) -> str:
    found = root.find(_N + tag)
    if found is None or not (found.text or "").strip():
        raise EnvelopeError("malformed", f"{tag} is missing")
    return str(found.text).strip()


def _uuid(root: etree._Element, tag: str) -> UUID:
    try:
        return UUID(_text(root, tag))
    except ValueError as error:
        raise EnvelopeError("malformed", f"{tag} is not a UUID") from error


def _moment(root: etree._Element, tag: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(root, tag))
    except ValueError as error:
        raise EnvelopeError("malformed", f"{tag} is not a date and time") from error
    if moment.tzinfo is None:
        raise EnvelopeError("malformed", f"{tag} has no time zone")
    return moment


def _party_of(root: etree._Element, tag: str) -> Party:
    found = root.find(_N + tag)
    country = found.get("country", "") if found is not None else ""
    organisation = found.get("organisation", "") if found is not None else ""
    if len(country) != COUNTRY_CODE_LENGTH or not country.isalpha() or not organisation:
        raise EnvelopeError("malformed", f"{tag} needs a country (two letters) and an organisation")
    return Party(country.upper(), organisation)


def _enclosure(element: etree._Element) -> Enclosure:
    name, media_type, sha256 = (element.get(a, "") for a in ("name", "mediaType", "sha256"))
    if not (name and media_type and sha256):
        raise EnvelopeError("malformed", "a Document needs a name, a mediaType and a sha256")
    try:
        content = base64.b64decode(element.text or "", validate=True)
    except binascii.Error as error:
        raise EnvelopeError("malformed", f"document {name} is not base64") from error
    document = Enclosure(name, media_type, content)
    if document.sha256 != sha256.lower():
        raise EnvelopeError("altered", f"document {name} does not match its digest")
    return document


def envelope_open(xml: bytes) -> Opened[Envelope]:
    """Read an envelope whose one signature is intact and covers it all, and whose documents
    match their digests; EnvelopeError (malformed or altered) otherwise."""
    root, signature = _root(xml, "Envelope")
    try:
        sequence = int(_text(root, "Sequence"))
    except ValueError as error:
        raise EnvelopeError("malformed", "Sequence is not a number") from error
    if sequence < 1:
        raise EnvelopeError("malformed", "Sequence starts at 1")
    documents = root.find(_N + "Documents")
    enclosures = tuple(_enclosure(d) for d in (documents if documents is not None else ()))
    if not enclosures:
        raise EnvelopeError("malformed", "an envelope encloses at least one document")
    envelope = Envelope(
        message_id=_uuid(root, "MessageId"), conversation_id=_uuid(root, "ConversationId"),
        sequence=sequence, sender=_party_of(root, "Sender"), receiver=_party_of(root, "Receiver"),
        document_type=_text(root, "DocumentType"), created_at=_moment(root, "CreatedAt"),
        documents=enclosures,
    )  # fmt: skip
    return Opened(envelope, xml, signature)


def receipt_open(xml: bytes) -> Opened[Receipt]:
    root, signature = _root(xml, "Receipt")
    documents = root.find(_N + "Documents")
    receipt = Receipt(
        message_id=_uuid(root, "MessageId"), conversation_id=_uuid(root, "ConversationId"),
        sender=_party_of(root, "Sender"), receiver=_party_of(root, "Receiver"),
        received_at=_moment(root, "ReceivedAt"), envelope_sha256=_text(root, "EnvelopeSha256"),
        documents=tuple(
            (d.get("name", ""), d.get("sha256", ""))
            for d in (documents if documents is not None else ())
        ),
    )  # fmt: skip
    return Opened(receipt, xml, signature)


def error_signal_open(xml: bytes) -> Opened[ErrorSignal]:
    root, signature = _root(xml, "ErrorSignal")
    code = _text(root, "Code")
    if code not in ERROR_CODES:
        raise EnvelopeError("malformed", f"unknown error code {code!r}")
    signal = ErrorSignal(
        message_id=_uuid(root, "MessageId") if root.find(_N + "MessageId") is not None else None,
        sender=_party_of(root, "Sender"), code=code, detail=_text(root, "Detail"),
        envelope_sha256=_text(root, "EnvelopeSha256"), at=_moment(root, "At"),
    )  # fmt: skip
    return Opened(signal, xml, signature)


def receipt_matches(receipt: Receipt, *, message_id: UUID, envelope_sha256: str) -> bool:
    """Does ``receipt`` acknowledge exactly the envelope the sender keeps: this message, and
    these bytes? The digest binds every byte of it (header, parties, each document), so the
    sender keeps the two together as evidence only when both agree."""
    return receipt.message_id == message_id and receipt.envelope_sha256 == envelope_sha256
