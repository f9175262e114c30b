"""Detached CMS (CAdES) signatures over arbitrary bytes, and the reading of CMS SignedData.

The reading half (:func:`signed_data_facts`) is shared with PAdES, whose signatures are CMS
SignedData over a PDF byte range.

OpenSSL accepts what :func:`cms_sign_detached` makes with::

    openssl cms -verify -binary -inform DER -in sig.p7s -content file \\
        -CAfile root.pem -purpose any -out /dev/null

``-binary`` keeps OpenSSL from translating line endings in the content before digesting it;
``-purpose any`` stops it from demanding an S/MIME signing certificate (what a certificate may
be used for is the trust module's question); ``-out /dev/null`` keeps the content from being
echoed. It prints ``CMS Verification
successful`` on stderr and exits 0, or ``CMS Verification failure`` and exits 4. The issuing CA
need not be passed: it is embedded in the signature.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pyhanko.sign.general import check_ess_certid
from pyhanko.sign.signers.pdf_cms import (
    PdfCMSSignedAttributes,
    SimpleSigner,
    select_suitable_signing_md,
)
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import get_signing_cert_attr, validate_sig_integrity
from pyhanko_certvalidator.registry import SimpleCertificateStore

from qyzmet.documents.formats import (
    FormatError,
    FormatName,
    SignatureFacts,
    require_key_matches_certificate,
)
from qyzmet.trust.signer import SigningIdentity

# Digest of the signed content under the named algorithm; None if we know no such hash.
ContentDigest = Callable[[str], bytes | None]
# SHA-1 is left out on purpose: collisions can be made, so a SHA-1 signature proves nothing
# and is reported as an unsupported algorithm.
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_224": hashes.SHA3_224,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}


def cms_sign_detached(
    content: bytes, *, signer: SigningIdentity, timestamper: TimeStamper | None
) -> bytes:
    """A DER CMS SignedData over ``content``, detached (the content is not inside).

    It carries signingTime and signingCertificateV2 as signed attributes (CAdES-BES), the
    signer's certificate and ``signer.chain``, and — when ``timestamper`` is given — a signature
    timestamp token as an unsigned attribute (CAdES-T). The digest is SHA-256 (SHA-512 for
    Ed25519, as RFC 8419 requires). Raises :class:`FormatError` (``key-certificate-mismatch``)
    when the key is not the certificate's. Must not be called from a running event loop.
    """
    require_key_matches_certificate(signer)
    pyhanko_signer = pyhanko_signer_for(signer)
    digest_algorithm = digest_algorithm_for(signer)
    content_info = asyncio.run(
        pyhanko_signer.async_sign_general_data(
            content,
            digest_algorithm,
            detached=True,
            use_cades=True,
            timestamper=timestamper,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(UTC)),
        )
    )
    signature: bytes = content_info.dump()
    return signature


def cms_inspect(signature: bytes, content: bytes) -> list[SignatureFacts]:
    """The facts of every SignerInfo in a detached DER CMS ``signature`` over ``content``.

    Raises :class:`FormatError` (``not-cms``) when ``signature`` is not a CMS SignedData, and
    (``not-detached``) when it encapsulates content of its own. Never judges trust.
    """
    signed_data = _load_signed_data(signature)
    if signed_data["encap_content_info"]["content"] is not asn1_core.VOID:
        raise FormatError("not-detached", "CMS signature encapsulates its content")

    def digest_of(algorithm: str) -> bytes | None:
        return _digest(algorithm, content)

    try:
        return signed_data_facts(
            signed_data, format="cms", content_digest=digest_of, covers_whole_document=True
        )
    except (ValueError, KeyError, TypeError, x509.InvalidVersion) as error:
        # e.g. an embedded certificate that cryptography cannot parse
        raise FormatError("not-cms", f"malformed CMS SignedData: {error}") from error


def pyhanko_signer_for(signer: SigningIdentity) -> SimpleSigner:
    """A pyHanko signer holding ``signer``'s key, certificate and chain (all embedded)."""
    key_der = signer.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]  # unannotated __init__
    for certificate in signer.chain:
        registry.register(_to_asn1(certificate))
    return SimpleSigner(
        signing_cert=_to_asn1(signer.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=registry,
    )


def digest_algorithm_for(signer: SigningIdentity) -> str:
    """The digest for ``signer``'s key: SHA-256 for P-256 and RSA-2048, longer for larger keys,
    SHA-512 for Ed25519 (RFC 8419)."""
    public_key_der = signer.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    algorithm: str = select_suitable_signing_md(asn1_keys.PublicKeyInfo.load(public_key_der))
    return algorithm


def is_known_digest(algorithm: str) -> bool:
    """Whether ``algorithm`` (an asn1crypto digest name such as ``"sha256"``) can be computed
    here; a :data:`ContentDigest` answers None for the others."""
    return algorithm in _HASHES


def signed_data_facts(
    signed_data: asn1_cms.SignedData,
    *,
    format: FormatName,
    content_digest: ContentDigest,
    covers_whole_document: bool,
    claimed_signing_time: datetime | None = None,
) -> list[SignatureFacts]:
    """The facts of each SignerInfo of ``signed_data``, whose signed content has the digest
    ``content_digest(algorithm)``.

    A signer is intact only if its certificate is embedded, matches the signingCertificate(V2)
    attribute if there is one, the signature value verifies with that certificate's key, and
    the messageDigest attribute equals the content's digest. The signature timestamp token, if
    any, is checked the same way plus its message imprint. ``claimed_signing_time`` stands in
    when there is no signingTime attribute (PAdES puts it in the signature dictionary).
    """
    certificates = _certificates(signed_data)
    facts = []
    for signer_info in signed_data["signer_infos"]:
        signer_asn1, problem = _check_signer(
            signer_info, certificates, expected_content_type="data", content_digest=content_digest
        )
        token = _timestamp_token(signer_info)
        timestamp_time = timestamp_certificate = timestamp_intact = None
        token_certificates: list[asn1_x509.Certificate] = []
        if token is not None:
            timestamp_time, tsa_asn1, timestamp_intact, token_certificates = check_timestamp(
                token, signer_info["signature"].native
            )
            timestamp_certificate = _from_asn1(tsa_asn1) if tsa_asn1 is not None else None
        facts.append(
            SignatureFacts(
                format=format,
                intact=problem is None,
                integrity_problem=problem,
                signer_certificate=_from_asn1(signer_asn1) if signer_asn1 is not None else None,
                # The token's certificates too: the consumer needs the TSA's issuers to build
                # its chain, and they travel only inside the token.
                embedded_certificates=tuple(
                    _from_asn1(c) for c in _unique([*certificates, *token_certificates])
                ),
                claimed_signing_time=_signing_time(signer_info) or _aware(claimed_signing_time),
                timestamp_time=timestamp_time,
                timestamp_certificate=timestamp_certificate,
                timestamp_intact=timestamp_intact,
                covers_whole_document=covers_whole_document,
            )
        )
    return facts


def _load_signed_data(signature: bytes) -> asn1_cms.SignedData:
    try:
        content_info = asn1_cms.ContentInfo.load(signature, strict=True)
        content_type = content_info["content_type"].native
        signed_data = content_info["content"]
        # asn1crypto parses lazily: touch everything now so that broken DER fails here, as a
        # FormatError, and not later as some other error.
        signed_data.native  # noqa: B018
    except (ValueError, TypeError) as error:
        raise FormatError("not-cms", f"not a DER CMS SignedData: {error}") from error
    if content_type != "signed_data":
        raise FormatError("not-cms", f"CMS content is {content_type}, not SignedData")
    return signed_data


def _certificates(signed_data: asn1_cms.SignedData) -> list[asn1_x509.Certificate]:
    return [
        choice.chosen
        for choice in signed_data["certificates"] or ()
        if choice.name == "certificate"
    ]


def _check_signer(
    signer_info: asn1_cms.SignerInfo,
    certificates: list[asn1_x509.Certificate],
    *,
    expected_content_type: str,
    content_digest: ContentDigest,
) -> tuple[asn1_x509.Certificate | None, str | None]:
    """The signer's certificate among ``certificates`` and the first integrity problem, if any.

    Problems are checked from the most to the least specific, so a swapped certificate reads as
    ``signing-certificate-mismatch`` rather than as the bad signature value it also causes.
    """
    certificate = _find_signer_certificate(signer_info["sid"], certificates)
    if certificate is None:
        return None, "signer-certificate-missing"
    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs is not asn1_core.VOID:
        ess = get_signing_cert_attr(signed_attrs.untag())
        if ess is not None and not check_ess_certid(certificate, ess["certs"][0]):
            return certificate, "signing-certificate-mismatch"
    if not _key_fits(signer_info["signature_algorithm"], certificate):
        return certificate, "bad-signature-value"
    actual_digest = content_digest(signer_info["digest_algorithm"]["algorithm"].native)
    if actual_digest is None:
        return certificate, "unsupported-algorithm"
    try:
        digest_ok, signature_ok = validate_sig_integrity(
            signer_info, certificate, expected_content_type, actual_digest
        )
    except SignatureValidationError:
        # wrong content type or algorithm-protection attribute: the signed attributes do not
        # describe this content
        return certificate, "malformed-signature"
    except (NotImplementedError, AttributeError, ValueError):
        # pyHanko's ways of saying it does not know a hash or padding named in the signature
        return certificate, "unsupported-algorithm"
    if not signature_ok:
        return certificate, "bad-signature-value"
    if not digest_ok:
        return certificate, "digest-mismatch"
    return certificate, None


def _find_signer_certificate(
    sid: asn1_cms.SignerIdentifier, certificates: Iterable[asn1_x509.Certificate]
) -> asn1_x509.Certificate | None:
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                certificate.issuer == wanted["issuer"]
                and certificate.serial_number == wanted["serial_number"].native
            ):
                return certificate
        elif certificate.key_identifier == sid.chosen.native:
            return certificate
    return None


def _key_fits(
    signature_algorithm: asn1_cms.SignedDigestAlgorithm, certificate: asn1_x509.Certificate
) -> bool:
    """Whether the certificate's key is of the kind the signature algorithm needs.

    pyHanko asserts this instead of reporting it, so a mismatched key would otherwise surface
    as an AssertionError.
    """
    try:
        mechanism = signature_algorithm.signature_algo
    except ValueError:
        mechanism = signature_algorithm["algorithm"].native
    try:
        public_key = _from_asn1(certificate).public_key()
    except UnsupportedAlgorithm:  # e.g. a GOST key, which cryptography cannot load
        return False
    if mechanism in ("rsassa_pkcs1v15", "rsassa_pss"):
        return isinstance(public_key, rsa.RSAPublicKey)
    if mechanism == "ecdsa":
        return isinstance(public_key, ec.EllipticCurvePublicKey)
    if mechanism == "ed25519":
        return isinstance(public_key, ed25519.Ed25519PublicKey)
    return False


def _timestamp_token(signer_info: asn1_cms.SignerInfo) -> asn1_cms.ContentInfo | None:
    unsigned = signer_info["unsigned_attrs"]
    if unsigned is asn1_core.VOID:
        return None
    for attribute in unsigned:
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0]
    return None


def check_timestamp(
    token: asn1_cms.ContentInfo, stamped: bytes
) -> tuple[datetime | None, asn1_x509.Certificate | None, bool, list[asn1_x509.Certificate]]:
    """genTime, TSA certificate, intactness and certificates of a time-stamp token.

    Intact means the token's own signature verifies and its message imprint is the digest of
    ``stamped`` (a signature value, or what a format stamps), i.e. it time-stamps exactly that.
    """
    signed_data = token["content"]
    certificates = _certificates(signed_data)
    content = signed_data["encap_content_info"]["content"]
    tst_info = content.parsed if isinstance(content, asn1_core.ParsableOctetString) else None
    if tst_info is None or signed_data["encap_content_info"]["content_type"].native != "tst_info":
        return None, None, False, certificates
    tst_bytes = bytes(content)
    intact = True
    tsa_certificate: asn1_x509.Certificate | None = None
    for tsa_signer_info in signed_data["signer_infos"]:
        tsa_certificate, problem = _check_signer(
            tsa_signer_info,
            certificates,
            expected_content_type="tst_info",
            content_digest=lambda algorithm: _digest(algorithm, tst_bytes),
        )
        intact = intact and problem is None
    imprint = tst_info["message_imprint"]
    expected = _digest(imprint["hash_algorithm"]["algorithm"].native, stamped)
    intact = (
        intact
        and tsa_certificate is not None
        and expected is not None
        and expected == imprint["hashed_message"].native
    )
    return _aware(tst_info["gen_time"].native), tsa_certificate, intact, certificates


def _signing_time(signer_info: asn1_cms.SignerInfo) -> datetime | None:
    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs is asn1_core.VOID:
        return None
    for attribute in signed_attrs:
        if attribute["type"].native == "signing_time":
            return _aware(attribute["values"][0].native)
    return None


def _digest(algorithm: str, data: bytes) -> bytes | None:
    """The digest of ``data`` under the asn1crypto-named ``algorithm``; None if unknown."""
    hash_type = _HASHES.get(algorithm)
    if hash_type is None:
        return None
    digest = hashes.Hash(hash_type())
    digest.update(data)
    return digest.finalize()


def _aware(moment: datetime | None) -> datetime | None:
    """``moment`` if it carries a time zone; a zoneless claim is as good as none."""
    if moment is None or moment.tzinfo is None:
        return None
    return moment


def _unique(certificates: Iterable[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    seen: dict[bytes, asn1_x509.Certificate] = {}
    for certificate in certificates:
        seen.setdefault(certificate.dump(), certificate)
    return list(seen.values())


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _from_asn1(certificate: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())
