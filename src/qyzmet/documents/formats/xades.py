"""XAdES signatures: make an enveloped XAdES-BES signature with signxml, read them back.

xmlsec1 (1.2.37, OpenSSL) accepts what :func:`xades_sign` makes, trusting only the root::

    xmlsec1 --verify --trusted-pem root.pem signed.xml

It exits 0 and prints ``OK`` (then ``SignedInfo References (ok/all): 3/3``) on stderr, or exits
1 with ``FAIL`` for a changed document. No ``--id-attr`` is needed: xmlsec1 resolves ``Id``
attributes inside the signature (the ``#...SignedProperties`` and ``#...KeyInfo``
references), and the document itself is referenced as ``URI=""``, never by an Id on its root
(that would need ``--id-attr:Id <root element name>``). No ``--untrusted-pem`` either: the
issuing CA travels in ``KeyInfo``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree  # type: ignore[import-untyped]
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
from signxml.signer import SignatureReference
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from qyzmet.documents.formats import FormatError, SignatureFacts, require_key_matches_certificate
from qyzmet.trust.signer import SigningIdentity

_DS = "http://www.w3.org/2000/09/xmldsig#"
_XADES = "http://uri.etsi.org/01903/v1.3.2#"
_NS = {"ds": _DS, "xades": _XADES}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
# Transforms that change how the document is serialised, not what part of it is signed.
_CANONICALISATIONS = frozenset(method.value for method in CanonicalizationMethod)
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    DigestAlgorithm.SHA1.value: hashes.SHA1,
    DigestAlgorithm.SHA224.value: hashes.SHA224,
    DigestAlgorithm.SHA256.value: hashes.SHA256,
    DigestAlgorithm.SHA384.value: hashes.SHA384,
    DigestAlgorithm.SHA512.value: hashes.SHA512,
}


def xades_sign(xml: bytes, *, signer: SigningIdentity) -> bytes:
    """``xml`` with an enveloped XAdES-BES signature appended to its root element, as UTF-8.

    The signature covers the whole document (reference ``""`` with the enveloped-signature
    transform), its SignedProperties (SigningTime, SigningCertificateV2) and its KeyInfo, which
    holds the signer's certificate then ``signer.chain``. RSA keys sign with RSA-SHA256, EC keys
    with ECDSA-SHA256; canonicalisation is C14N 1.0, which every XML-DSig verifier knows.
    Raises :class:`FormatError`: ``not-xml`` for bytes that are not well-formed XML without
    DTD, ``unsupported-key`` for Ed25519 (signxml has no EdDSA), ``key-certificate-mismatch``
    when the key is not the certificate's.
    """
    require_key_matches_certificate(signer)
    key = signer.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        algorithm = SignatureMethod.RSA_SHA256
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = SignatureMethod.ECDSA_SHA256
    else:
        raise FormatError("unsupported-key", "XAdES signing needs an RSA or EC key")
    root = _parse(xml)
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
    serialised: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return serialised


def xades_inspect(xml: bytes) -> list[SignatureFacts]:
    """The facts of every ``ds:Signature`` in ``xml``, in document order; empty if none.

    A signature is intact when its SignatureValue verifies with the certificate its XAdES
    SigningCertificate(V2) names (found among the KeyInfo certificates), every Reference digest
    matches and the signed properties are consistent. ``covers_whole_document`` is True when a
    Reference points at the whole document (``""`` or the root's Id) with no transform other
    than enveloped-signature and canonicalisation. ``claimed_signing_time`` is read from the
    verified SignedProperties when intact. Certificate validity and trust are not looked at.
    XAdES signature timestamps are not read: ``timestamp_*`` stay None. Raises
    :class:`FormatError` (``not-xml``) for bytes that are not well-formed XML without DTD.
    """
    root = _parse(xml)
    signatures = list(root.iter(f"{{{_DS}}}Signature"))
    return [_facts(xml, root, index, signature) for index, signature in enumerate(signatures)]


def _parse(xml: bytes) -> etree._Element:
    # No DTDs, entities or network: documents come from outside.
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


class _WholeDocumentSigner(XAdESSigner):
    """Refers to the document as ``URI=""`` even when its root element has an Id.

    signxml would write ``#<root Id>``, which means the same bytes but which verifiers resolve
    only when told which attribute is an ID (xmlsec1 needs ``--id-attr``); ``""`` needs nothing.
    """

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
    facts = SignatureFacts(
        format="xades",
        intact=False,
        integrity_problem=None,
        signer_certificate=None,
        embedded_certificates=tuple(certificates or ()),
        claimed_signing_time=_signing_time(signature),
        timestamp_time=None,
        timestamp_certificate=None,
        timestamp_intact=None,
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
    except ValueError:
        # signxml's InvalidInput, and what escapes it from values of the wrong shape
        return replace(facts, integrity_problem="malformed-signature")
    verified_time = None
    for result in results:
        signed_properties = getattr(result, "signed_properties", None)
        if signed_properties is not None:
            verified_time = _parse_time(signed_properties.findtext("xades:SigningTime", None, _NS))
    return replace(facts, intact=True, claimed_signing_time=verified_time)


def _keyinfo_certificates(signature: etree._Element) -> list[x509.Certificate] | None:
    """The KeyInfo certificates, or None when one of them is not a certificate."""
    certificates = []
    for element in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS):
        try:
            der = base64.b64decode("".join((element.text or "").split()), validate=True)
            certificates.append(x509.load_der_x509_certificate(der))
        except (binascii.Error, ValueError):
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
