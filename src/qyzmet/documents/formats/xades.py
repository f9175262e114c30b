"""XAdES signatures: make an enveloped XAdES-BES or -T signature with signxml, read them back.

xmlsec1 (1.2.37, OpenSSL) accepts what :func:`xades_sign` makes, trusting only the root::

    xmlsec1 --verify --trusted-pem root.pem signed.xml

It exits 0 and prints ``OK`` (then ``SignedInfo References (ok/all): 3/3``) on stderr, or exits
1 with ``FAIL`` for a changed document. No ``--id-attr`` is needed: xmlsec1 resolves ``Id``
attributes inside the signature (the ``#...SignedProperties`` and ``#...KeyInfo``
references), and the document itself is referenced as ``URI=""``, never by an Id on its root
(that would need ``--id-attr:Id <root element name>``). No ``--untrusted-pem`` either: the
issuing CA travels in ``KeyInfo``. The signature time stamp of XAdES-T sits in
``UnsignedProperties``, which no Reference covers: xmlsec1 neither checks nor minds it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree  # type: ignore[import-untyped]
from pyhanko.sign.timestamps import TimeStamper
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
from signxml.signer import SignatureReference
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from qyzmet.documents.formats import FormatError, SignatureFacts, require_key_matches_certificate
from qyzmet.documents.formats.cms import _from_asn1, check_timestamp
from qyzmet.trust.signer import SigningIdentity

_DS = "http://www.w3.org/2000/09/xmldsig#"
_XADES = "http://uri.etsi.org/01903/v1.3.2#"
_NS = {"ds": _DS, "xades": _XADES}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
# Transforms that change how the document is serialised, not what part of it is signed.
_CANONICALISATIONS = frozenset(method.value for method in CanonicalizationMethod)
# The canonicalisations lxml computes exactly for an element, as (exclusive, with_comments).
# C14N 1.1 is left out: lxml would silently compute 1.0 instead.
_ELEMENT_CANONICALISATIONS = {
    CanonicalizationMethod.CANONICAL_XML_1_0.value: (False, False),
    CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS.value: (False, True),
    CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value: (True, False),
    CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS.value: (True, True),
}
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    DigestAlgorithm.SHA1.value: hashes.SHA1,
    DigestAlgorithm.SHA224.value: hashes.SHA224,
    DigestAlgorithm.SHA256.value: hashes.SHA256,
    DigestAlgorithm.SHA384.value: hashes.SHA384,
    DigestAlgorithm.SHA512.value: hashes.SHA512,
}


def xades_sign(
    xml: bytes, *, signer: SigningIdentity, timestamper: TimeStamper | None = None
) -> bytes:
    """``xml`` with an enveloped XAdES signature appended to its root element, as UTF-8.

    The signature covers the whole document (reference ``""`` with the enveloped-signature
    transform), its SignedProperties (SigningTime, SigningCertificateV2) and its KeyInfo, which
    holds the signer's certificate then ``signer.chain``. RSA keys sign with RSA-SHA256, EC keys
    with ECDSA-SHA256; canonicalisation is C14N 1.0, which every XML-DSig verifier knows.
    With a ``timestamper`` the signature is XAdES-T: an unsigned SignatureTimeStamp holds an
    RFC 3161 token over SHA-256 of the C14N 1.0 ``ds:SignatureValue`` element (EN 319 132-1);
    without one it is XAdES-BES. Raises :class:`FormatError`: ``not-xml`` for bytes that are
    not well-formed XML without DTD, ``unsupported-key`` for Ed25519 (signxml has no EdDSA),
    ``key-certificate-mismatch`` when the key is not the certificate's. Must not be called
    from a running event loop.
    """
    require_key_matches_certificate(signer)
    key = signer.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        algorithm = SignatureMethod.RSA_SHA256
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = SignatureMethod.ECDSA_SHA256
    else:
        raise FormatError("unsupported-key", "XAdES signing needs an RSA or EC key")
    root = xml_parse(xml)
    xades_signer = _WholeDocumentSigner(
        signature_algorithm=algorithm,
        digest_algorithm=DigestAlgorithm.SHA256,
        # signxml 5.2 computes XAdES reference digests that neither it nor xmlsec1 can verify
        # under exclusive C14N; inclusive 1.0 works everywhere.
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    try:
        signed = xades_signer.sign(
            root,
            key=key,
            cert=[signer.certificate, *signer.chain],
            # A KeyValue beside the certificate is a second, unbound statement of the key.
            always_add_key_value=False,
        )
    except InvalidInput as error:
        raise FormatError("not-xml", str(error)) from error
    if timestamper is not None:
        _add_signature_timestamp(xades_signer.signature, timestamper)
    serialised: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return serialised


def xades_inspect(xml: bytes, *, root: etree._Element | None = None) -> list[SignatureFacts]:
    """The facts of every ``ds:Signature`` in ``xml``, in document order; empty if none.

    A signature is intact when its SignatureValue verifies with the certificate its XAdES
    SigningCertificate(V2) names (found among the KeyInfo certificates), every Reference digest
    matches and the signed properties are consistent. ``covers_whole_document`` is True when a
    Reference points at the whole document (``""`` or the root's Id) with no transform other
    than enveloped-signature and canonicalisation. ``claimed_signing_time`` is read from the
    verified SignedProperties when intact. Certificate validity and trust are not looked at.
    The first SignatureTimeStamp, if any, fills ``timestamp_*`` as for CMS: intact when the
    token's signature verifies and it time-stamps this signature's canonicalised SignatureValue;
    its certificates join ``embedded_certificates``. Raises :class:`FormatError` (``not-xml``)
    for bytes that are not well-formed XML without DTD. ``root``: ``xml`` as the caller
    already parsed it with :func:`xml_parse` (it is not parsed again).
    """
    root = xml_parse(xml) if root is None else root
    signatures = list(root.iter(f"{{{_DS}}}Signature"))
    return [_facts(xml, root, index, signature) for index, signature in enumerate(signatures)]


def xml_parse(xml: bytes) -> etree._Element:
    """The root of ``xml``, parsed as documents from outside must be: no DTD, no entities,
    no network. Raises :class:`FormatError` (``not-xml``) otherwise."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False
    )
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as error:
        raise FormatError("not-xml", f"not well-formed XML: {error}") from error
    if root.getroottree().docinfo.internalDTD is not None:
        raise FormatError("not-xml", "XML with a DTD is not accepted")
    return root


def _add_signature_timestamp(signature: etree._Element, timestamper: TimeStamper) -> None:
    """Append the SignatureTimeStamp unsigned property over ``signature``'s SignatureValue."""
    algorithm = CanonicalizationMethod.CANONICAL_XML_1_0.value
    stamped = _canonical_signature_value(signature, algorithm)
    if stamped is None:  # signxml always writes a SignatureValue; this is not expected
        raise FormatError("cannot-sign", "the signature has no SignatureValue to time-stamp")
    token: asn1_cms.ContentInfo = asyncio.run(
        timestamper.async_timestamp(hashlib.sha256(stamped).digest(), "sha256")
    )
    qualifying = signature.find("ds:Object/xades:QualifyingProperties", _NS)
    unsigned = etree.SubElement(qualifying, f"{{{_XADES}}}UnsignedProperties")
    properties = etree.SubElement(unsigned, f"{{{_XADES}}}UnsignedSignatureProperties")
    timestamp = etree.SubElement(
        properties,
        f"{{{_XADES}}}SignatureTimeStamp",
        Id=f"{signature.get('Id')}-SignatureTimeStamp",
    )
    etree.SubElement(timestamp, f"{{{_DS}}}CanonicalizationMethod", Algorithm=algorithm)
    encapsulated = etree.SubElement(timestamp, f"{{{_XADES}}}EncapsulatedTimeStamp")
    encapsulated.text = base64.b64encode(token.dump()).decode("ascii")


def _canonical_signature_value(signature: etree._Element, algorithm: str) -> bytes | None:
    """The SignatureValue element as a time stamp covers it; None if absent or the algorithm
    is not one computed here."""
    value = signature.find("ds:SignatureValue", _NS)
    if value is None or algorithm not in _ELEMENT_CANONICALISATIONS:
        return None
    exclusive, with_comments = _ELEMENT_CANONICALISATIONS[algorithm]
    # An element's C14N keeps the namespaces in scope from its ancestors, as the spec wants.
    canonical: bytes = etree.tostring(
        value, method="c14n", exclusive=exclusive, with_comments=with_comments
    )
    return canonical


class _WholeDocumentSigner(XAdESSigner):
    """Refers to the document as ``URI=""`` even when its root element has an Id, and keeps
    the signature element it made in :attr:`signature`.

    signxml would write ``#<root Id>``, which means the same bytes but which verifiers resolve
    only when told which attribute is an ID (xmlsec1 needs ``--id-attr``); ``""`` needs nothing.
    """

    signature: etree._Element

    def _unpack(
        self, data: etree._Element, references: list[SignatureReference] | None
    ) -> tuple[etree._Element, etree._Element, list[etree._Element], list[SignatureReference]]:
        # signxml annotates references as a list but passes None when the caller gave none
        signature, document, c14n_inputs, unpacked = super()._unpack(
            data,
            references,  # type: ignore[arg-type]
        )
        if references is None:
            # no explicit references: signxml made one, for the whole (enveloped) document
            unpacked = [replace(reference, URI="") for reference in unpacked]
        # The document may hold other signatures; this is the one being made.
        self.signature = signature
        return signature, document, c14n_inputs, unpacked


class _NthSignatureVerifier(XAdESVerifier):
    """signxml verifies the first signature it finds; this one verifies the n-th."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self._index = index

    def _get_signature(self, root: etree._Element) -> etree._Element:
        # signxml calls this on fresh copies of the document, so the index stays meaningful.
        return list(root.iter(f"{{{_DS}}}Signature"))[self._index]


def _facts(
    xml: bytes, root: etree._Element, index: int, signature: etree._Element
) -> SignatureFacts:
    certificates = _keyinfo_certificates(signature)
    stamp = _timestamp_facts(signature)
    facts = SignatureFacts(
        format="xades",
        intact=False,
        integrity_problem=None,
        signer_certificate=None,
        # The token's certificates too: the consumer needs the TSA's issuers to build its
        # chain, and they travel only inside the token.
        embedded_certificates=tuple(dict.fromkeys([*(certificates or ()), *stamp.carried])),
        claimed_signing_time=_signing_time(signature),
        timestamp_time=stamp.time,
        timestamp_certificate=stamp.tsa_certificate,
        timestamp_intact=stamp.intact,
        covers_whole_document=_covers_whole_document(root, signature),
    )
    if certificates is None:
        return replace(facts, integrity_problem="malformed-signature")
    if not certificates:
        return replace(facts, integrity_problem="signer-certificate-missing")
    signer, problem = _signer_certificate(signature, certificates)
    facts = replace(facts, signer_certificate=signer)
    if problem is not None:
        return replace(facts, integrity_problem=problem)
    config = XAdESSignatureConfiguration(
        expect_references=True,
        # Whether the certificate was valid at some moment is a trust question, answered
        # elsewhere; pin signxml's clock inside the validity period so it does not ask.
        verification_time=signer.not_valid_before_utc,
    )
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", _NS)
    if method is None or method.get("Algorithm") not in {
        allowed.value for allowed in config.signature_methods
    }:
        # signxml knows no EdDSA, GOST or the like, and refuses SHA-1
        return replace(facts, integrity_problem="unsupported-algorithm")
    try:
        results = _NthSignatureVerifier(index).verify(xml, x509_cert=signer, expect_config=config)
    except InvalidDigest:
        return replace(facts, integrity_problem="digest-mismatch")
    except InvalidSignature:
        return replace(facts, integrity_problem="bad-signature-value")
    except (ValueError, etree.DocumentInvalid):
        # signxml's InvalidInput, what escapes it from values of the wrong shape, and its
        # XAdES schema check (e.g. an EncapsulatedTimeStamp that is not base64)
        return replace(facts, integrity_problem="malformed-signature")
    verified_time = None
    for result in results:
        signed_properties = getattr(result, "signed_properties", None)
        if signed_properties is not None:
            verified_time = _parse_time(signed_properties.findtext("xades:SigningTime", None, _NS))
    return replace(facts, intact=True, claimed_signing_time=verified_time)


@dataclass(frozen=True)
class _Stamp:
    time: datetime | None = None
    tsa_certificate: x509.Certificate | None = None
    intact: bool | None = None  # None: no SignatureTimeStamp
    carried: tuple[x509.Certificate, ...] = ()


def _timestamp_facts(signature: etree._Element) -> _Stamp:
    """The first SignatureTimeStamp of ``signature``, checked as CMS checks its own."""
    timestamp = signature.find(
        "ds:Object/xades:QualifyingProperties/xades:UnsignedProperties"
        "/xades:UnsignedSignatureProperties/xades:SignatureTimeStamp",
        _NS,
    )
    if timestamp is None:
        return _Stamp()
    method = timestamp.find("ds:CanonicalizationMethod", _NS)
    # EN 319 132-1: without a CanonicalizationMethod, inclusive C14N 1.0 applies.
    algorithm = (
        method.get("Algorithm", "")
        if method is not None
        else CanonicalizationMethod.CANONICAL_XML_1_0.value
    )
    stamped = _canonical_signature_value(signature, algorithm)
    damaged = _Stamp(intact=False)
    try:
        token_der = base64.b64decode(
            "".join(timestamp.findtext("xades:EncapsulatedTimeStamp", "", _NS).split()),
            validate=True,
        )
        token = asn1_cms.ContentInfo.load(token_der, strict=True)
        token.native  # noqa: B018 - asn1crypto parses lazily: broken DER fails here
        if token["content_type"].native != "signed_data":
            return damaged
        # What XAdES stamps is the canonical SignatureValue element.
        at, tsa, intact, carried = check_timestamp(token, stamped or b"")
        return _Stamp(
            time=at,
            tsa_certificate=_from_asn1(tsa) if tsa is not None else None,
            intact=intact and stamped is not None,
            carried=tuple(_from_asn1(c) for c in carried),
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        # not base64, not DER, or a CMS structure (or certificate) of the wrong shape
        return damaged


def _keyinfo_certificates(signature: etree._Element) -> list[x509.Certificate] | None:
    """The KeyInfo certificates, or None when one of them is not a certificate."""
    certificates = []
    for element in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS):
        try:
            der = base64.b64decode("".join((element.text or "").split()), validate=True)
            certificates.append(x509.load_der_x509_certificate(der))
        except (binascii.Error, ValueError, x509.InvalidVersion):
            return None
    return certificates


def _signer_certificate(
    signature: etree._Element, certificates: list[x509.Certificate]
) -> tuple[x509.Certificate, str | None]:
    """The KeyInfo certificate whose digest the signed SigningCertificate(V2) property holds.

    When there is none, the first KeyInfo certificate stands in and the problem is named:
    ``malformed-signature`` without a usable SigningCertificate property (not XAdES-BES),
    ``signing-certificate-mismatch`` when it names a certificate that is not there.
    """
    cert_digest = signature.find(
        "ds:Object/xades:QualifyingProperties/xades:SignedProperties"
        "/xades:SignedSignatureProperties/*/xades:Cert/xades:CertDigest",
        _NS,
    )
    if cert_digest is None:
        return certificates[0], "malformed-signature"
    method = cert_digest.find("ds:DigestMethod", _NS)
    hash_type = _DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    if hash_type is None:
        return certificates[0], "unsupported-algorithm"
    try:
        wanted = base64.b64decode(cert_digest.findtext("ds:DigestValue", "", _NS), validate=True)
    except binascii.Error:
        return certificates[0], "malformed-signature"
    for certificate in certificates:
        if certificate.fingerprint(hash_type()) == wanted:
            return certificate, None
    return certificates[0], "signing-certificate-mismatch"


def _covers_whole_document(root: etree._Element, signature: etree._Element) -> bool:
    whole = {"", f"#{root.get('Id')}"} if root.get("Id") else {""}
    for reference in signature.iterfind("ds:SignedInfo/ds:Reference", _NS):
        if reference.get("URI") not in whole:
            continue
        transforms = [
            transform.get("Algorithm")
            for transform in reference.iterfind("ds:Transforms/ds:Transform", _NS)
        ]
        if all(t == _ENVELOPED or t in _CANONICALISATIONS for t in transforms):
            return True
    return False


def _signing_time(signature: etree._Element) -> datetime | None:
    return _parse_time(
        signature.findtext(
            "ds:Object/xades:QualifyingProperties/xades:SignedProperties"
            "/xades:SignedSignatureProperties/xades:SigningTime",
            None,
            _NS,
        )
    )


def _parse_time(text: str | None) -> datetime | None:
    """An xs:dateTime as an aware datetime; None when absent, malformed or without a zone."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
