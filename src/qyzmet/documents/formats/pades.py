"""PAdES signatures: make a B-T signature with pyHanko, read every signature in a PDF.

Poppler's ``pdfsig`` (22.12) accepts what :func:`pades_sign` makes once the root is in an NSS
database::

    certutil -N -d sql:DIR --empty-password
    certutil -A -d sql:DIR -n root -t "CT,C,C" -i root.pem
    pdfsig -nssdir sql:DIR -no-ocsp signed.pdf

``pdfsig`` exits 0 whatever it finds; read its output: ``Signature Validation: Signature is
Valid.`` and ``Certificate Validation: Certificate is Trusted.`` (``Digest Mismatch.`` for a
changed byte inside the signed range). It does not check Ed25519 signatures.
"""

from __future__ import annotations

import dataclasses
from io import BytesIO

from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    ModificationLevel,
)
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from qyzmet.documents.formats import FormatError, SignatureFacts, require_key_matches_certificate
from qyzmet.documents.formats.cms import (
    digest_algorithm_for,
    is_known_digest,
    pyhanko_signer_for,
    signed_data_facts,
)
from qyzmet.trust.signer import SigningIdentity

# Document timestamps (PAdES-LTA) are a TSA's seal over the file, not anyone's signature;
# they are not reported as signers.
_DOCUMENT_TIMESTAMP = "/ETSI.RFC3161"
# What pyHanko raises on bytes that are not a well-formed PDF: its own errors, and the
# built-in ones that escape from parsing objects of the wrong shape.
_READ_ERRORS = (PdfError, ValueError, KeyError, TypeError, IndexError, x509.InvalidVersion)


def pades_sign(
    pdf: bytes,
    *,
    signer: SigningIdentity,
    timestamper: TimeStamper | None,
    reason: str | None = None,
    field_name: str = "Signature1",
) -> bytes:
    """``pdf`` with one more signature appended as an incremental update.

    The signature is PAdES (``/ETSI.CAdES.detached``) over the whole file, carries the signer's
    certificate and ``signer.chain``, and — with a ``timestamper`` — a signature timestamp
    (B-T; without one it is B-B). Earlier revisions are left byte for byte, so earlier
    signatures stay valid. Raises :class:`FormatError` (``not-a-pdf``) for bytes that are not
    a readable PDF, (``cannot-sign``) e.g. when ``field_name`` is already signed, and
    (``key-certificate-mismatch``) when the key is not the certificate's. Must not be called
    from a running event loop.
    """
    require_key_matches_certificate(signer)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=True)
    except _READ_ERRORS as error:
        raise FormatError("not-a-pdf", f"not a readable PDF: {error}") from error
    metadata = PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm=digest_algorithm_for(signer),
    )
    pdf_signer = PdfSigner(metadata, signer=pyhanko_signer_for(signer), timestamper=timestamper)
    try:
        output = pdf_signer.sign_pdf(writer)
    except SigningError as error:
        raise FormatError("cannot-sign", str(error)) from error
    signed: bytes = output.getvalue()
    return signed


def pades_inspect(pdf: bytes) -> list[SignatureFacts]:
    """The facts of every signature in ``pdf``, oldest first (unreadable ones last, as
    ``malformed-signature``); empty when there is none. Document timestamps are not signatures
    and are left out.

    A signature is intact when its CMS verifies over its byte range (see
    :func:`~qyzmet.documents.formats.cms.signed_data_facts`) and what was appended after it, if
    anything, is only what PDF allows after signing: further signatures, validation data, form
    filling (pyHanko's default difference policy). Otherwise ``integrity_problem`` is
    ``content-after-signature`` or, for a byte range that leaves gaps or does not end its
    revision, ``incomplete-coverage``. ``covers_whole_document`` is True only for a signature
    over the entire file as it is. Raises :class:`FormatError` (``not-a-pdf``) when the bytes
    are not a readable PDF. Never judges trust.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=True)
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except _READ_ERRORS as error:
        raise FormatError("not-a-pdf", f"not a readable PDF: {error}") from error
    embedded: list[EmbeddedPdfSignature] = []
    malformed: list[SignatureFacts] = []
    for name, signature_ref, field_ref in fields:
        try:
            if signature_ref.get_object().get("/SubFilter") == _DOCUMENT_TIMESTAMP:
                continue
            embedded.append(EmbeddedPdfSignature(reader, field_ref, name))
        except _READ_ERRORS:
            malformed.append(_malformed())
    embedded.sort(key=lambda signature: signature.signed_revision)
    return [_facts_or_malformed(signature) for signature in embedded] + malformed


def _facts_or_malformed(signature: EmbeddedPdfSignature) -> SignatureFacts:
    # pyHanko and asn1crypto parse lazily, so a broken CMS blob or signature dictionary may
    # only fail here; that spoils this signature, not the reading of the others.
    try:
        return _facts(signature)
    except _READ_ERRORS:
        return _malformed()


def _facts(signature: EmbeddedPdfSignature) -> SignatureFacts:
    coverage = signature.evaluate_signature_coverage()

    def digest_of(algorithm: str) -> bytes | None:
        return signature.compute_digest(algorithm) if is_known_digest(algorithm) else None

    (facts,) = signed_data_facts(
        signature.signed_data,
        format="pades",
        content_digest=digest_of,
        covers_whole_document=coverage == SignatureCoverageLevel.ENTIRE_FILE,
        claimed_signing_time=signature.self_reported_timestamp,
    )
    if not facts.intact:
        return facts
    problem = _coverage_problem(signature, coverage)
    if problem is None:
        return facts
    return dataclasses.replace(facts, intact=False, integrity_problem=problem)


def _coverage_problem(
    signature: EmbeddedPdfSignature, coverage: SignatureCoverageLevel
) -> str | None:
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return None
    if coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return "incomplete-coverage"
    difference = DEFAULT_DIFF_POLICY.review_file(
        signature.reader,
        signature.signed_revision,
        field_mdp_spec=signature.fieldmdp,
        doc_mdp=signature.docmdp_level,
    )
    if not isinstance(difference, DiffResult):
        return "content-after-signature"
    level = difference.modification_level
    docmdp = signature.docmdp_level
    # the same rule pyHanko's own validator applies: anything unclassifiable is too much, and
    # a certification signature's DocMDP level caps what later revisions may do
    if level == ModificationLevel.OTHER or (docmdp is not None and level.value > docmdp.value):
        return "content-after-signature"
    return None


def _malformed() -> SignatureFacts:
    return SignatureFacts(
        format="pades",
        intact=False,
        integrity_problem="malformed-signature",
        signer_certificate=None,
        embedded_certificates=(),
        claimed_signing_time=None,
        timestamp_time=None,
        timestamp_certificate=None,
        timestamp_intact=None,
        covers_whole_document=False,
    )
