"""Trust lists in the ETSI TS 119 612 XML format: how a node publishes the roots that sign
its envelopes and documents, and reads a partner state's. Pure functions: no database.

A service (here: a certification authority's root, or a time-stamping authority) has a
status history: each status holds from its starting time until the next one starts. A
foreign signature is judged by the statuses that held at the time it was made, so a root
withdrawn today still vouches for what it signed while it was granted.

Only what validation needs is read: the scheme territory, the list's issue time and
sequence number, and per service its type, name, certificate and status history. A list
is signed by its scheme operator (XAdES, whole document); reading checks that the
signature is intact, and the caller checks that the signer is the operator it expects.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree  # type: ignore[import-untyped]

from qyzmet.crossborder.envelope import Opened
from qyzmet.documents.formats import FormatError
from qyzmet.documents.formats.xades import xades_inspect, xades_sign, xml_parse
from qyzmet.trust.signer import SigningIdentity

NS = "http://uri.etsi.org/02231/v2#"
_N = f"{{{NS}}}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TSL_TAG = "http://uri.etsi.org/19612/TSLTag"
TSL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
CA = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
TSA = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
_STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
GRANTED, WITHDRAWN = _STATUS + "granted", _STATUS + "withdrawn"
# Statuses under which a service vouches for what it signed (older lists use the others).
TRUSTED_STATUSES = frozenset(
    {GRANTED, _STATUS + "recognisedatnationallevel", "http://uri.etsi.org/TrstSvc/Svcstatus/accredited",
     "http://uri.etsi.org/TrstSvc/Svcstatus/undersupervision"}
)  # fmt: skip


class TrustListError(ValueError):
    """Not a readable, intact trust list."""


@dataclass(frozen=True)
class Status:
    status: str  # a URI, e.g. GRANTED
    since: datetime


@dataclass(frozen=True)
class TrustedService:
    kind: str  # CA or TSA
    name: str
    certificate: x509.Certificate
    history: tuple[Status, ...]  # oldest first

    def status_at(self, moment: datetime) -> str | None:
        """The status that held at ``moment``; None before the first one started."""
        held = [s for s in self.history if s.since <= moment]
        return max(held, key=lambda s: s.since).status if held else None

    def trusted_at(self, moment: datetime) -> bool:
        return self.status_at(moment) in TRUSTED_STATUSES


@dataclass(frozen=True)
class TrustList:
    territory: str  # ISO 3166-1 alpha-2
    operator: str
    sequence: int
    issued_at: datetime
    next_update: datetime
    services: tuple[TrustedService, ...]


def anchors_at(trust_list: TrustList, moment: datetime, kind: str = CA) -> list[x509.Certificate]:
    """The certificates of ``kind`` the list vouched for at ``moment``."""
    return [s.certificate for s in trust_list.services if s.kind == kind and s.trusted_at(moment)]


# --- writing --------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, text: str = "") -> etree._Element:
    element = etree.SubElement(parent, _N + tag)
    if text:
        element.text = text
    return element


def _name(parent: etree._Element, tag: str, text: str) -> None:
    _sub(_sub(parent, tag), "Name", text).set(_XML_LANG, "en")


def _service_information(
    parent: etree._Element, tag: str, service: TrustedService, status: Status
) -> None:
    information = _sub(parent, tag)
    _sub(information, "ServiceTypeIdentifier", service.kind)
    _name(information, "ServiceName", service.name)
    digital_id = _sub(_sub(information, "ServiceDigitalIdentity"), "DigitalId")
    der = service.certificate.public_bytes(serialization.Encoding.DER)
    _sub(digital_id, "X509Certificate", base64.b64encode(der).decode())
    _sub(information, "ServiceStatus", status.status)
    _sub(information, "StatusStartingTime", status.since.isoformat())


def trust_list_write(trust_list: TrustList, signer: SigningIdentity) -> bytes:
    """``trust_list`` as TS 119 612 XML, signed by its scheme operator's ``signer``."""
    root = etree.Element(_N + "TrustServiceStatusList", nsmap={None: NS}, TSLTag=TSL_TAG)
    scheme = _sub(root, "SchemeInformation")
    _sub(scheme, "TSLVersionIdentifier", "5")
    _sub(scheme, "TSLSequenceNumber", str(trust_list.sequence))
    _sub(scheme, "TSLType", TSL_TYPE)
    _name(scheme, "SchemeOperatorName", trust_list.operator)
    _sub(scheme, "SchemeTerritory", trust_list.territory)
    _sub(scheme, "ListIssueDateTime", trust_list.issued_at.isoformat())
    _sub(_sub(scheme, "NextUpdate"), "dateTime", trust_list.next_update.isoformat())
    provider = _sub(_sub(root, "TrustServiceProviderList"), "TrustServiceProvider")
    _name(_sub(provider, "TSPInformation"), "TSPName", trust_list.operator)
    services = _sub(provider, "TSPServices")
    for service in trust_list.services:
        if not service.history:
            raise ValueError(f"service {service.name!r} has no status")
        element = _sub(services, "TSPService")
        *earlier, current = sorted(service.history, key=lambda s: s.since)
        _service_information(element, "ServiceInformation", service, current)
        if earlier:
            history = _sub(element, "ServiceHistory")
            for status in reversed(earlier):  # newest first, as the standard lists them
                _service_information(history, "ServiceHistoryInstance", service, status)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return xades_sign(xml, signer=signer)


# --- reading --------------------------------------------------------------------------------


def _text(element: etree._Element, path: str) -> str:
    found = element.findtext(path, namespaces={"t": NS})
    if not found or not found.strip():
        raise TrustListError(f"{path} is missing")
    return str(found).strip()


def _moment(element: etree._Element, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(element, path).replace("Z", "+00:00"))
    except ValueError as error:
        raise TrustListError(f"{path} is not a date and time") from error
    if moment.tzinfo is None:
        raise TrustListError(f"{path} has no time zone")
    return moment


def _certificate(information: etree._Element) -> x509.Certificate:
    text = _text(information, "t:ServiceDigitalIdentity/t:DigitalId/t:X509Certificate")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as error:
        raise TrustListError("a service's certificate is not readable") from error


def _status(information: etree._Element) -> Status:
    return Status(
        _text(information, "t:ServiceStatus"), _moment(information, "t:StatusStartingTime")
    )


def _service(element: etree._Element) -> TrustedService:
    information = element.find(_N + "ServiceInformation")
    if information is None:
        raise TrustListError("a service has no ServiceInformation")
    history: Sequence[etree._Element] = element.findall(
        f"{_N}ServiceHistory/{_N}ServiceHistoryInstance"
    )
    statuses = sorted([_status(information), *map(_status, history)], key=lambda s: s.since)
    return TrustedService(
        kind=_text(information, "t:ServiceTypeIdentifier"),
        name=_text(information, "t:ServiceName/t:Name"),
        certificate=_certificate(information),
        history=tuple(statuses),
    )


def trust_list_read(xml: bytes) -> Opened[TrustList]:
    """A trust list whose one signature is intact and covers it all; TrustListError else."""
    try:
        root = xml_parse(xml)
        facts = xades_inspect(xml)
    except FormatError as error:
        raise TrustListError(str(error)) from error
    if root.tag != _N + "TrustServiceStatusList":
        raise TrustListError("not a TS 119 612 trust list")
    if len(facts) != 1 or not facts[0].intact or not facts[0].covers_whole_document:
        raise TrustListError("a trust list carries one intact signature over all of it")
    scheme = root.find(_N + "SchemeInformation")
    if scheme is None:
        raise TrustListError("SchemeInformation is missing")
    try:
        sequence = int(_text(scheme, "t:TSLSequenceNumber"))
    except ValueError as error:
        raise TrustListError("TSLSequenceNumber is not a number") from error
    services = root.findall(
        f"{_N}TrustServiceProviderList/{_N}TrustServiceProvider/{_N}TSPServices/{_N}TSPService"
    )
    trust_list = TrustList(
        territory=_text(scheme, "t:SchemeTerritory").upper(),
        operator=_text(scheme, "t:SchemeOperatorName/t:Name"),
        sequence=sequence,
        issued_at=_moment(scheme, "t:ListIssueDateTime"),
        next_update=_moment(scheme, "t:NextUpdate/t:dateTime"),
        services=tuple(_service(s) for s in services),
    )
    return Opened(trust_list, xml, facts[0])
