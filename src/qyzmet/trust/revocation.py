"""Revocation status for relying parties: CRLs per CA and an OCSP responder (RFC 6960)."""

from __future__ import annotations

from datetime import timedelta

from asn1crypto import keys
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.utils import timezone

from qyzmet.trust.algorithms import algorithm_of_key
from qyzmet.trust.authority import (
    REVOCATION_REASONS,
    _private_key,
    ca_certificate,
    x509_of,
)
from qyzmet.trust.models import Certificate, Purpose

CRL_VALIDITY = timedelta(days=1)
OCSP_VALIDITY = timedelta(hours=1)


def crl_build(ca: Certificate) -> bytes:
    """A DER CRL listing every revoked certificate ``ca`` issued, valid for a day."""
    ca_x509 = x509_of(ca)
    now = timezone.now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_x509.subject)
        .last_update(now)
        .next_update(now + CRL_VALIDITY)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_x509.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    revoked = (
        Certificate.objects.filter(issuer=ca, revoked_at__isnull=False)
        .exclude(pk=ca.pk)
        .only("serial", "revoked_at", "revocation_reason")
        .iterator()
    )
    for certificate in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(int(certificate.serial, 16))
            .revocation_date(certificate.revoked_at)  # type: ignore[arg-type]
            .add_extension(
                x509.CRLReason(REVOCATION_REASONS[certificate.revocation_reason]), critical=False
            )
            .build()
        )
    key = _private_key(ca)
    return builder.sign(key, algorithm_of_key(key).certificate_hash()).public_bytes(
        serialization.Encoding.DER
    )


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


def ocsp_respond(request_der: bytes) -> bytes:
    """Answer a DER OCSP request for a certificate of the platform's CAs (RFC 6960).

    Certificates the platform never issued get "unknown"; malformed requests get
    ``malformedRequest``. Responses are signed by the delegated OCSP responder.
    """
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        serial = format(request.serial_number, "x")
        # A CertID hashed with anything but SHA-1/224/256/384/512 (e.g. MD5) cannot be
        # matched or answered in kind.
        cert_id_hash = request.hash_algorithm
    except (ValueError, UnsupportedAlgorithm):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    responder = ca_certificate(Purpose.OCSP)
    issuer = responder.issuer
    if issuer is None:
        return _unsuccessful(ocsp.OCSPResponseStatus.INTERNAL_ERROR)
    issuer_x509 = x509_of(issuer)
    if request.issuer_key_hash != _key_hash(issuer_x509, cert_id_hash):
        return _unknown(request, responder, issuer_x509)
    found = Certificate.objects.filter(serial=serial, issuer=issuer).first()
    if found is None:
        return _unknown(request, responder, issuer_x509)
    now = timezone.now()
    revoked = found.revoked_at is not None and found.revoked_at <= now
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=x509_of(found),
        issuer=issuer_x509,
        # The answer's CertID must use the request's hash, or the client cannot match it.
        algorithm=cert_id_hash,
        cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
        this_update=now,
        next_update=now + OCSP_VALIDITY,
        revocation_time=found.revoked_at if revoked else None,
        revocation_reason=REVOCATION_REASONS[found.revocation_reason] if revoked else None,
    )
    return _signed(builder, request, responder)


def _key_hash(issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    public = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # RFC 6960 hashes the subjectPublicKey BIT STRING's value, not the whole SPKI.
    bit_string = keys.PublicKeyInfo.load(public)["public_key"].contents[1:]
    digest = hashes.Hash(algorithm)
    digest.update(bit_string)
    return digest.finalize()


def _unknown(request: ocsp.OCSPRequest, responder: Certificate, issuer: x509.Certificate) -> bytes:
    now = timezone.now()
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=request.hash_algorithm,
        cert_status=ocsp.OCSPCertStatus.UNKNOWN,
        this_update=now,
        next_update=now + OCSP_VALIDITY,
        revocation_time=None,
        revocation_reason=None,
    )
    return _signed(builder, request, responder)


def _signed(
    builder: ocsp.OCSPResponseBuilder, request: ocsp.OCSPRequest, responder: Certificate
) -> bytes:
    responder_x509 = x509_of(responder)
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder_x509).certificates(
        [responder_x509]
    )
    nonce = next((e.value for e in request.extensions if isinstance(e.value, x509.OCSPNonce)), None)
    if nonce is not None:
        builder = builder.add_extension(nonce, critical=False)
    key = _private_key(responder)
    response = builder.sign(key, algorithm_of_key(key).certificate_hash())
    return response.public_bytes(serialization.Encoding.DER)
