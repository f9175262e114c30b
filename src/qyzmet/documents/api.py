"""/api/v1/documents: the calling citizen's document wallet and share links, and the public
verification of any signed file or registered document.

A document is visible to its owner only: a citizen sees the documents issued to them, and
every other caller (another citizen, an officer, the operator) gets an empty wallet and a
404 for any single document. Verification needs no login at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from ninja import File, Path, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from pydantic import Field

from qyzmet.core.errors import Problem, problem_response
from qyzmet.core.inputs import PLAIN_TEXT, StrictIn
from qyzmet.documents import selectors
from qyzmet.documents.codes import short_code_normalise
from qyzmet.documents.models import Document, DocumentFormat, ShareLink
from qyzmet.documents.services import (
    MEDIA_TYPES,
    document_content,
    share_link_create,
    share_link_revoke,
    verification_url,
)
from qyzmet.documents.verification import (
    MAX_UPLOAD,
    SignatureReport,
    ValidationReport,
    problem_message,
    verify_bytes,
)
from qyzmet.identity.authentication import ANY_AUTH, principal_of
from qyzmet.identity.models import Agency
from qyzmet.identity.selectors import Principal

router = Router(tags=["documents"], auth=ANY_AUTH)

READ, SHARE = "documents:read", "documents:share"

# Verification is for anyone holding a document: no login, no token, and nothing is
# recorded about who asked. OpenAPI says so with an empty security requirement.
PUBLIC: dict[str, Any] = {"security": [{}]}


def _agency_name(agency: Agency) -> str:
    language = get_language() or "en"
    return str(getattr(agency, f"name_{language}", agency.name_en))


def _owner(principal: Principal, scope: str) -> int | None:
    """Whose documents the caller may see with this scope: their own person, or nobody."""
    return principal.person_id if principal.allows(scope) else None


# --- the wallet ------------------------------------------------------------------------


class DocumentOut(Schema):
    id: UUID
    title: str
    kind: str
    format: str = Field(description="pdf (PAdES), xml (XAdES) or json (JWS)")
    language: str
    issued_at: datetime
    agency: str = Field(description="code of the issuing agency")
    agency_name: str = Field(description="in the language of the request")
    short_code: str = Field(description="printed under the QR code; anyone may verify by it")
    verification_url: str
    sha256: str = Field(description="of the signed file, hexadecimal")
    size: int = Field(description="bytes")
    media_type: str


def _document_out(document: Document) -> DocumentOut:
    return DocumentOut(
        id=document.public_id,
        title=document.title,
        kind=document.kind,
        format=document.format,
        language=document.language,
        issued_at=document.issued_at,
        agency=document.agency.code,
        agency_name=_agency_name(document.agency),
        short_code=document.short_code,
        verification_url=verification_url(document.short_code),
        sha256=document.blob.sha256,
        size=document.blob.size,
        media_type=document.blob.media_type,
    )


@router.get("", response=list[DocumentOut], summary="My documents (the wallet)")
def documents_list(request: HttpRequest) -> list[DocumentOut]:
    owner = _owner(principal_of(request), READ)
    return [_document_out(d) for d in selectors.wallet_of(owner)] if owner else []


# The verification routes come before /{id}: a path like /verify would otherwise be taken
# for a document id (and refused as not a UUID).


class UploadTooLarge(Problem):
    def __init__(self) -> None:
        super().__init__(413, problem_message("too-large"), code="too-large")


def _upload_guarded(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse an upload larger than a file and its detached content before reading it, and
    answer a damaged multipart body with a 400 problem (Django raises on it, a 500)."""

    @functools.wraps(run)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > 2 * MAX_UPLOAD + 64 * 1024:
            return problem_response(request, 413, problem_message("too-large"), code="too-large")
        try:
            request.FILES  # noqa: B018 - parse now, where its errors can be answered
        except RequestDataTooBig:
            return problem_response(
                request, 413, "The request body is larger than this API accepts.", code="too-large"
            )
        except (MultiPartParserError, TooManyFilesSent):
            return problem_response(
                request, 400, "The request body is not valid multipart/form-data.",
                code="malformed-multipart",
            )  # fmt: skip
        return run(request, *args, **kwargs)

    return guarded


class MessageOut(Schema):
    code: str = Field(description="stable; see the list of problem codes")
    message: str = Field(description="in the language of the request (Accept-Language)")


def _messages_out(codes: tuple[str, ...]) -> list[MessageOut]:
    return [MessageOut(code=code, message=problem_message(code)) for code in codes]


class ChainLinkOut(Schema):
    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime


class SignatureReportOut(Schema):
    format: str = Field(description="pades, xades, jws or cms")
    valid: bool
    signer: str = Field(description="common name of the signer's certificate")
    signer_id: str = Field(description="IIN or BIN from the certificate, if it names one")
    signed_at: datetime | None
    time_proven: bool = Field(description="the signing time is vouched for by a trusted TSA")
    revoked_at: datetime | None = Field(
        description="when the signer's certificate was revoked (also if after the signature)"
    )
    revocation_checked: bool = Field(
        description="false when the certificate comes from a CA whose revocations the "
        "platform does not know (an imported national CA): revocation was not checked"
    )
    chain: list[ChainLinkOut] = Field(description="the signer's certificate first")
    problems: list[MessageOut]


class VerifiedDocumentOut(Schema):
    short_code: str
    title: str
    issued_at: datetime
    agency: str
    agency_name: str


class ReportOut(Schema):
    valid: bool
    format: str = Field(description="pdf, xml, json or cms; empty when not recognised")
    problems: list[MessageOut] = Field(description="about the file as a whole")
    signatures: list[SignatureReportOut]
    document: VerifiedDocumentOut | None = Field(
        description="the document this platform registered with exactly these bytes"
    )


def _signature_report_out(report: SignatureReport) -> SignatureReportOut:
    return SignatureReportOut(
        format=report.format,
        valid=report.valid,
        signer=report.signer,
        signer_id=report.signer_id,
        signed_at=report.signed_at,
        time_proven=report.time_proven,
        revoked_at=report.revoked_at,
        revocation_checked=report.revocation_checked,
        chain=[
            ChainLinkOut(
                subject=link.subject,
                issuer=link.issuer,
                serial=link.serial,
                not_before=link.not_before,
                not_after=link.not_after,
            )
            for link in report.chain
        ],
        problems=_messages_out(report.problems),
    )


def _report_out(report: ValidationReport) -> ReportOut:
    document = report.document
    return ReportOut(
        valid=report.valid,
        format=report.format,
        problems=_messages_out(report.problems),
        signatures=[_signature_report_out(s) for s in report.signatures],
        document=VerifiedDocumentOut(
            short_code=document.short_code,
            title=document.title,
            issued_at=document.issued_at,
            agency=document.agency.code,
            agency_name=_agency_name(document.agency),
        )
        if document
        else None,
    )


def _read_limited(upload: UploadedFile) -> bytes:
    if upload.size is None or upload.size > MAX_UPLOAD:
        raise UploadTooLarge()
    data: bytes = upload.read()
    return data


@router.post(
    "/verify",
    response=ReportOut,
    auth=None,
    tags=["verification"],
    summary="Verify a signed file",
    openapi_extra=PUBLIC,
)
@decorate_view(_upload_guarded)
def verify_upload(
    request: HttpRequest,
    file: Annotated[
        UploadedFile, File(description="a signed PDF, XML, JSON or a detached CMS signature")
    ],
    content: Annotated[
        UploadedFile | None, File(description="the signed file, for a detached CMS signature")
    ] = None,
) -> ReportOut:
    """Checks every signature of the file: intact, by a trusted certificate valid (and not
    revoked) when it was made, and names the registered document if it is one of ours.

    Each file may be up to 20 MB. The answer is a report even for a file that is not signed
    or not recognised (``valid`` is false and ``problems`` say why)."""
    data = _read_limited(file)
    detached = _read_limited(content) if content is not None else None
    return _report_out(verify_bytes(data, content=detached))


@router.get(
    "/verify/{code}",
    response=ReportOut,
    auth=None,
    tags=["verification"],
    summary="Verify a registered document by its code",
    openapi_extra=PUBLIC,
)
def verify_code(
    request: HttpRequest,
    code: Annotated[
        str,
        Path(
            max_length=40,
            pattern=PLAIN_TEXT,
            description="the code under the QR code; any case, spaces or dashes",
        ),
    ],
) -> ReportOut:
    if not short_code_normalise(code):
        raise Problem(
            422, "This is not a verification code: it has 12 letters and digits.", code="bad-code"
        )
    document = selectors.document_by_code(code)
    if document is None:
        raise Http404
    return _report_out(verify_bytes(document_content(document)))


@router.get("/{id}", response=DocumentOut, summary="One of my documents")
def document_get(request: HttpRequest, id: UUID) -> DocumentOut:
    return _document_out(selectors.document_get_for_owner(_owner(principal_of(request), READ), id))


SIGNED_JSON_SCHEMA = {
    "type": "object",
    "description": "a signed JSON document",
    "required": ["payload", "signature"],
    "properties": {
        "payload": {"type": "object"},
        "signature": {"type": "string", "description": "detached JWS with the signer's x5c"},
        "timestamp": {"type": "string", "description": "RFC 3161 token over the JWS, base64"},
    },
}


@router.get(
    "/{id}/content",
    response={200: None},
    summary="Download one of my documents",
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed file, as issued (with a Content-Disposition name)",
                "content": {
                    MEDIA_TYPES[DocumentFormat.PDF]: {
                        "schema": {"type": "string", "format": "binary"}
                    },
                    MEDIA_TYPES[DocumentFormat.XML]: {
                        "schema": {"type": "string", "format": "binary"}
                    },
                    MEDIA_TYPES[DocumentFormat.JSON]: {"schema": SIGNED_JSON_SCHEMA},
                },
            }
        }
    },
)
@decorate_view(never_cache)  # the file itself: no cache along the way may keep it
def document_download(request: HttpRequest, id: UUID) -> HttpResponse:
    document = selectors.document_get_for_owner(_owner(principal_of(request), READ), id)
    return HttpResponse(
        document_content(document),
        content_type=document.blob.media_type,
        headers={
            "Content-Disposition": content_disposition_header(True, document.filename),
        },
    )


# --- share links -----------------------------------------------------------------------


class ShareOut(Schema):
    id: UUID
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    downloads: int


def _share_out(link: ShareLink) -> ShareOut:
    return ShareOut(
        id=link.public_id,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        downloads=link.downloads,
    )


class ShareCreateIn(StrictIn):
    lifetime_hours: int = Field(ge=1, le=720, description="1 hour to 30 days")


class ShareCreatedOut(ShareOut):
    url: str = Field(description="shown once; anyone holding it may download the document")


@router.post(
    "/{id}/shares",
    response={201: ShareCreatedOut},
    summary="Share one of my documents by a link",
)
def shares_create(
    request: HttpRequest, id: UUID, payload: ShareCreateIn
) -> Status[ShareCreatedOut]:
    principal = principal_of(request)
    document = selectors.document_get_for_owner(_owner(principal, SHARE), id)
    link, token = share_link_create(
        document=document,
        account=principal.account,
        lifetime=timedelta(hours=payload.lifetime_hours),
    )
    url = settings.QYZMET_PUBLIC_URL + reverse("documents:shared", args=[token])
    return Status(201, ShareCreatedOut(**_share_out(link).model_dump(), url=url))


@router.get(
    "/{id}/shares", response=list[ShareOut], summary="Live share links of one of my documents"
)
def shares_list(request: HttpRequest, id: UUID) -> list[ShareOut]:
    """Links that still work: revoked and expired ones are left out."""
    document = selectors.document_get_for_owner(_owner(principal_of(request), READ), id)
    return [_share_out(link) for link in selectors.live_shares_of(document)]


@router.delete(
    "/{id}/shares/{share_id}", response=ShareOut, summary="Revoke a share link of my document"
)
def shares_revoke(request: HttpRequest, id: UUID, share_id: UUID) -> ShareOut:
    principal = principal_of(request)
    link = selectors.share_get_for_owner(_owner(principal, SHARE), share_id)
    if link.document.public_id != id:
        raise Http404
    return _share_out(share_link_revoke(link=link, account=principal.account))
