"""/api/v1/trust: the caller's certificates, key files and signatures.

Personal signing (remote signing confirmed by a one-time code, key files) is for citizens:
their certificates name them by IIN. An officer signs for their agency as a system, with
the agency's own certificate (a SEAL issued from the system's CSR). Certificates and key
files are credentials and, like access tokens, are managed from a logged-in session only.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Router, Schema, Status
from pydantic import BeforeValidator, Field, WithJsonSchema

from qyzmet.core.errors import PROBLEM_CONTENT_TYPE, Problem
from qyzmet.core.inputs import PLAIN_TEXT, StrictIn
from qyzmet.identity.authentication import ANY_AUTH, principal_of, session_auth
from qyzmet.identity.models import Account, Agency
from qyzmet.identity.selectors import Principal
from qyzmet.identity.services import actor_of
from qyzmet.trust import selectors
from qyzmet.trust.authority import certificate_revoke, key_file_issue
from qyzmet.trust.jws import b64url
from qyzmet.trust.models import Certificate, Purpose, Signature
from qyzmet.trust.signing import (
    code_destination,
    signature_record,
    signing_request_confirm,
    signing_request_create,
)

router = Router(tags=["trust"], auth=ANY_AUTH)

READ, SIGN = "trust:read", "signatures:submit"
SHA256_HEX = r"^[0-9a-fA-F]{64}$"

# The same names as trust.algorithms.ALGORITHMS and authority.REVOCATION_REASONS (a test
# keeps them so), spelt out for the OpenAPI document.
KeyAlgorithm = Literal["ecdsa-p256", "rsa-2048", "ed25519"]
JwsAlgorithm = Literal["ES256", "RS256", "EdDSA"]
KeyFilePurpose = Literal["sign", "auth"]  # trust.models.Purpose.SIGN and .AUTH
RevocationReason = Literal[
    "unspecified", "key-compromise", "affiliation-changed", "superseded", "cessation-of-operation"
]


def _problems(*statuses: int) -> dict[str, Any]:
    """OpenAPI answers an operation gives beyond those every operation can give."""
    content = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "responses": {
            status: {"description": HTTPStatus(status).phrase, "content": content}
            for status in statuses
        }
    }


def _base64url(text: object) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def _base64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64") from error


# Binary values travel as text; they are decoded while the request is parsed, so a value
# that is not base64 is a 422 about that field like any other schema error.
Base64UrlBytes = Annotated[
    bytes,
    BeforeValidator(_base64url),
    WithJsonSchema({"type": "string", "contentEncoding": "base64url"}),
]
Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_base64),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]


def _citizen(principal: Principal, scope: str) -> Account:
    """The caller, if a citizen whose token (if any) has ``scope``; personal signing is theirs."""
    if principal.person_id is None or not principal.allows(scope):
        raise Http404
    return principal.account


# --- certificates ----------------------------------------------------------------------


class CertificateOut(Schema):
    serial: str = Field(description="hexadecimal")
    purpose: str = Field(description="sign or auth")
    algorithm: str
    subject: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    key_holder: str = Field(
        description="platform-sealed (remote signing) or subject (a key file the holder keeps)"
    )


def _certificate_out(certificate: Certificate) -> CertificateOut:
    return CertificateOut(
        serial=certificate.serial,
        purpose=certificate.purpose,
        algorithm=certificate.algorithm,
        subject=certificate.subject,
        not_before=certificate.not_before,
        not_after=certificate.not_after,
        revoked_at=certificate.revoked_at,
        key_holder=certificate.key_holder,
    )


@router.get("/certificates", response=list[CertificateOut], summary="My certificates")
def certificates_list(request: HttpRequest) -> list[CertificateOut]:
    principal = principal_of(request)
    if not principal.allows(READ):
        return []
    return [_certificate_out(c) for c in selectors.certificates_of(principal.account)]


class RevokeIn(StrictIn):
    reason: RevocationReason


Serial = Annotated[str, Path(max_length=40, pattern=r"^[0-9a-fA-F]+$", description="hex")]


@router.post(
    "/certificates/{serial}/revoke",
    response=CertificateOut,
    auth=session_auth,
    summary="Revoke one of my certificates",
)
def certificates_revoke(request: HttpRequest, serial: Serial, payload: RevokeIn) -> CertificateOut:
    """Signatures made before the revocation stay valid; later ones are refused."""
    account = principal_of(request).account
    certificate = selectors.certificate_get_for(account, serial=serial)
    revoked = certificate_revoke(
        certificate=certificate, reason=payload.reason, actor=actor_of(account)
    )
    return _certificate_out(revoked)


class KeyFileIn(StrictIn):
    password: str = Field(
        min_length=8, max_length=200, pattern=PLAIN_TEXT, description="encrypts the key file"
    )
    algorithm: KeyAlgorithm = "ecdsa-p256"
    purpose: KeyFilePurpose = Field(
        default="sign",
        description="sign: for signing documents; auth: for logging in on /login/key-file/",
    )


class KeyFileOut(Schema):
    certificate: CertificateOut
    key_file: str = Field(
        description="PKCS#12 (base64), the only copy of the private key; the platform keeps "
        "the certificate alone"
    )


@router.post(
    "/key-files",
    response={201: KeyFileOut},
    auth=session_auth,
    summary="Issue a signing or login certificate in a key file",
    openapi_extra=_problems(429),
)
def key_files_create(
    request: HttpRequest, payload: KeyFileIn, response: HttpResponse
) -> Status[KeyFileOut]:
    account = _citizen(principal_of(request), SIGN)
    certificate, key_file = key_file_issue(
        account=account,
        password=payload.password,
        algorithm=payload.algorithm,
        actor=actor_of(account),
        purpose=Purpose(payload.purpose),
    )
    response["Cache-Control"] = "no-store"
    return Status(
        201,
        KeyFileOut(
            certificate=_certificate_out(certificate),
            key_file=base64.b64encode(key_file).decode("ascii"),
        ),
    )


# --- signatures ------------------------------------------------------------------------


class SignatureOut(Schema):
    id: UUID
    method: str = Field(description="remote, key-file or system")
    content_sha256: str
    description: str
    signed_at: datetime
    certificate_serial: str
    algorithm: str = Field(description="JWS name: ES256, RS256 or EdDSA")
    value: str = Field(description="base64url; over the 32 bytes of content_sha256")
    timestamp_token: str | None = Field(description="RFC 3161 token over the value, base64")


def _signature_out(signature: Signature) -> SignatureOut:
    token = signature.timestamp_token
    return SignatureOut(
        id=signature.public_id,
        method=signature.method,
        content_sha256=signature.content_sha256,
        description=signature.description,
        signed_at=signature.signed_at,
        certificate_serial=signature.certificate.serial,
        algorithm=signature.algorithm,
        value=b64url(bytes(signature.value)),
        timestamp_token=base64.b64encode(bytes(token)).decode("ascii") if token else None,
    )


class SigningRequestIn(StrictIn):
    content_sha256: str = Field(pattern=SHA256_HEX, description="SHA-256 of what is signed")
    description: str = Field(
        min_length=1, max_length=200, pattern=PLAIN_TEXT, description="shown in the message"
    )


class SigningRequestOut(Schema):
    id: UUID
    expires_at: datetime
    sent_to: str = Field(description="where the one-time code went, masked")


@router.post(
    "/signing-requests",
    response={201: SigningRequestOut},
    summary="Start a remote signature (a code is sent to my phone)",
    openapi_extra=_problems(409, 429),
)
def signing_requests_create(
    request: HttpRequest, payload: SigningRequestIn
) -> Status[SigningRequestOut]:
    """At most 5 requests in 15 minutes (then 429); the code expires after 5 minutes."""
    account = _citizen(principal_of(request), SIGN)
    created = signing_request_create(
        account=account, content_sha256=payload.content_sha256, description=payload.description
    )
    return Status(
        201,
        SigningRequestOut(
            id=created.public_id, expires_at=created.expires_at, sent_to=code_destination(account)
        ),
    )


class ConfirmIn(StrictIn):
    code: str = Field(pattern=r"^[0-9]{6}$", description="the six digits sent to the signer")


@router.post(
    "/signing-requests/{id}/confirm",
    response=SignatureOut,
    summary="Sign: confirm a remote signature with the code",
    openapi_extra=_problems(409, 410, 429),
)
def signing_requests_confirm(request: HttpRequest, id: UUID, payload: ConfirmIn) -> SignatureOut:
    """A code works once (409 after); three wrong codes end the request (429); an expired
    code is refused with 410."""
    account = _citizen(principal_of(request), SIGN)
    found = selectors.signing_request_get_for(account, id)
    return _signature_out(signing_request_confirm(request=found, code=payload.code))


class SignatureSubmitIn(StrictIn):
    content_sha256: str = Field(pattern=SHA256_HEX)
    algorithm: JwsAlgorithm
    value: Base64UrlBytes = Field(
        min_length=32, max_length=768, description="base64url; ECDSA as r||s"
    )
    certificate: Base64Bytes = Field(
        min_length=100, max_length=12288, description="the signer's certificate, base64 DER"
    )
    description: str = Field(default="", max_length=200, pattern=PLAIN_TEXT)
    agency: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=PLAIN_TEXT,
        description="officers: the agency signed for, if they belong to more than one",
    )


def _agency_acting(principal: Principal, code: str | None) -> Agency:
    """The agency an officer signs for: the one named, or the only one they belong to."""
    if code is None:
        if len(principal.agency_codes) != 1:
            raise Problem(422, "You belong to several agencies: name the one you sign for.")
        (code,) = principal.agency_codes
    if code not in principal.agency_codes:
        raise Problem(422, "You do not belong to this agency.", code="not-a-member")
    return Agency.objects.select_related("organisation").get(code=code)


@router.post(
    "/signatures",
    response={201: SignatureOut},
    summary="Record a signature made with a key file or an agency system's key",
)
def signatures_submit(request: HttpRequest, payload: SignatureSubmitIn) -> Status[SignatureOut]:
    """A citizen submits a signature made with their key file's certificate; an officer (a
    session, or an agency system's token with signatures:submit) one made with their
    agency's certificate. The value must verify over the 32 digest bytes, and the
    certificate must be the caller's (or their agency's), trusted and unrevoked (else 422)."""
    principal = principal_of(request)
    if not principal.allows(SIGN) or not (principal.person_id or principal.is_officer):
        raise Http404
    account = principal.account if principal.person_id is not None else None
    if account is not None and payload.agency is not None:
        raise Problem(422, "Only officers sign for an agency.")
    agency = _agency_acting(principal, payload.agency) if account is None else None
    signature = signature_record(
        certificate_der=payload.certificate,
        algorithm=payload.algorithm,
        value=payload.value,
        content_sha256=payload.content_sha256,
        description=payload.description,
        account=account,
        agency=agency,
    )
    return Status(201, _signature_out(signature))


@router.get("/signatures/{id}", response=SignatureOut, summary="A signature I made")
def signature_get(request: HttpRequest, id: UUID) -> SignatureOut:
    """Signatures with the caller's own certificates (an agency system's signature is
    answered in full when it is recorded, and not kept for the officer to read back)."""
    principal = principal_of(request)
    if not principal.allows(READ):
        raise Http404
    return _signature_out(selectors.signature_get_for(principal.account, id))
