"""Document pages: verify a signed file or a code, the citizen's wallet, and shared links.

Verification is public and stores nothing: uploads are read into memory by
:class:`MemoryUploadHandler` (never spooled to disk), checked and dropped. The wallet shows
a citizen their own documents only; anything else is a 404, so nobody learns what exists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from typing import Any
from uuid import UUID

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from qyzmet.core import formatting
from qyzmet.core.formatting import Fact
from qyzmet.documents.codes import short_code_normalise
from qyzmet.documents.forms import ShareForm, VerifyCodeForm, VerifyUploadForm
from qyzmet.documents.models import Document, DocumentFormat, ShareLink
from qyzmet.documents.selectors import (
    document_by_code,
    document_get_for_owner,
    share_get_for_owner,
    wallet_of,
)
from qyzmet.documents.services import (
    document_content,
    share_link_create,
    share_link_open,
    share_link_revoke,
)
from qyzmet.documents.verification import (
    MAX_UPLOAD,
    SignatureReport,
    ValidationReport,
    problem_message,
    verify_bytes,
)
from qyzmet.identity.models import Account, Agency, Person
from qyzmet.trust.validation import ChainLink

# A request may carry the file and, for a detached signature, the signed file: refuse a
# larger body before reading any of it.
MAX_REQUEST = 2 * MAX_UPLOAD + 64 * 1024

# File-level problems that say the upload was not something we can verify at all: the form
# shows them as input errors on the field named here, not as a NOT VALID report.
INPUT_PROBLEMS = {"unknown-format": "file", "too-large": "file", "content-needed": "content"}

# The session carries a new share link from the POST that made it to the page that shows it,
# once: only its hash is stored anywhere else.
NEW_SHARE = "documents.new_share"

SIGNATURE_FORMATS = {
    "pades": "PAdES (PDF)",
    "xades": "XAdES (XML)",
    "jws": "JWS (JSON)",
    "cms": "CMS (.p7s)",
}


class MemoryUploadHandler(FileUploadHandler):
    """Keep each uploaded file in memory, never on disk; drop one larger than ``limit``.

    Django's default handlers spool big uploads to a temporary file; verification promises
    to store nothing. A dropped file's field is named in :attr:`oversized` so that the form
    can say why it is missing.
    """

    def __init__(self, request: HttpRequest, limit: int = MAX_UPLOAD) -> None:
        super().__init__(request)
        self.limit = limit
        self.oversized: set[str] = set()
        # Not named ``file``: Django closes a handler's ``file`` whenever an upload is skipped,
        # which would close the buffer of a file received earlier in the same request.
        self._buffer = BytesIO()

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self._buffer = BytesIO()
        if self.content_length is not None and self.content_length > self.limit:
            self.oversized.add(field_name)
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.oversized.add(self.field_name)
            self._buffer = BytesIO()
            raise SkipFile
        self._buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        buffer, self._buffer = self._buffer, BytesIO()
        buffer.seek(0)
        return InMemoryUploadedFile(
            file=buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


# Presentation: the report as plain strings in the reader's language.


@dataclass(frozen=True)
class ChainEntry:
    subject: str
    facts: list[Fact]


@dataclass(frozen=True)
class SignatureSummary:
    number: int
    valid: bool
    facts: list[Fact]
    chain: list[ChainEntry]
    problems: list[str]


@dataclass(frozen=True)
class DocumentSummary:
    title: str
    language: str
    short_code: str
    facts: list[Fact]


@dataclass(frozen=True)
class ReportPage:
    valid: bool
    reasons: list[str]
    signatures: list[SignatureSummary]
    document: DocumentSummary | None


def _moment(value: datetime, language: str) -> str:
    """A point in time in the platform's zone, with its UTC offset so it reads anywhere."""
    local = timezone.localtime(value)
    offset = local.strftime("%z")
    time = f"{local:%H:%M} (UTC{offset[:3]}:{offset[3:]})"
    return pgettext("date and time; keep the placeholders", "{date}, {time}").format(
        date=formatting.long_date(local.date(), language), time=time
    )


def _day(value: datetime, language: str) -> str:
    return formatting.long_date(timezone.localtime(value).date(), language)


def _agency_name(agency: Agency, language: str) -> str:
    return str(getattr(agency, f"name_{language}", "") or agency.name_en)


def _national_id(value: str) -> str:
    """``BIN123456789012`` as people write it, ``BIN 123456789012``."""
    for prefix in ("IIN", "BIN"):
        if value.startswith(prefix):
            return f"{prefix} {value[len(prefix) :]}"
    return value


def _revocation(signature: SignatureReport, language: str) -> str:
    if signature.revoked_at is None and not signature.revocation_checked:
        return gettext(
            "Not checked: the certificate was issued by another authority, whose revocations "
            "this platform does not know."
        )
    if signature.revoked_at is None:
        return gettext("Not revoked.")
    when = _moment(signature.revoked_at, language)
    if "revoked" in signature.problems:
        return gettext("Revoked on %(when)s, before the signature was made.") % {"when": when}
    return gettext(
        "Revoked on %(when)s, after the signature was made. This does not affect the signature: "
        "the certificate was valid when it was used."
    ) % {"when": when}


def _signing_time(signature: SignatureReport, language: str) -> list[Fact]:
    label = gettext("Signed at")
    if signature.signed_at is None:
        return [
            Fact(
                label,
                gettext(
                    "The signature does not say when it was made, so the certificate was "
                    "checked as it stands now."
                ),
            )
        ]
    when = _moment(signature.signed_at, language)
    if signature.time_proven:
        proof = gettext("Proven by a time stamp from a trusted authority.")
    else:
        proof = gettext(
            "Not proven: no trusted time stamp vouches for it, so the certificate was "
            "checked as it stands now."
        )
    return [Fact(label, when), Fact(gettext("Signing time"), proof)]


def _common_name(distinguished_name: str) -> str:
    """``CN=qyzmet Root CA,O=qyzmet,C=KZ`` as people name it: ``qyzmet Root CA``."""
    try:
        name = x509.Name.from_rfc4514_string(distinguished_name)
    except ValueError:
        return distinguished_name
    names = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else distinguished_name


def _chain_entry(link: ChainLink, language: str) -> ChainEntry:
    facts = [
        Fact(gettext("Issued by"), _common_name(link.issuer)),
        Fact(gettext("Serial number"), link.serial),
        Fact(
            gettext("Valid"),
            gettext("from %(start)s to %(end)s")
            % {"start": _day(link.not_before, language), "end": _day(link.not_after, language)},
        ),
    ]
    if link.revoked_at is not None:
        facts.append(Fact(gettext("Revoked on"), _moment(link.revoked_at, language)))
    facts.append(Fact(gettext("Full name in the certificate"), link.subject))
    return ChainEntry(subject=_common_name(link.subject), facts=facts)


def _signature_summary(number: int, signature: SignatureReport, language: str) -> SignatureSummary:
    unknown = gettext("Unknown: the signature carries no certificate.")
    facts = [
        Fact(gettext("Signed by"), signature.signer or unknown),
        *(
            [Fact(gettext("IIN or BIN"), _national_id(signature.signer_id))]
            if signature.signer_id
            else []
        ),
        *_signing_time(signature, language),
        Fact(gettext("Certificate revocation"), _revocation(signature, language)),
        Fact(
            gettext("Signature format"),
            SIGNATURE_FORMATS.get(signature.format, signature.format),
        ),
    ]
    return SignatureSummary(
        number=number,
        valid=signature.valid,
        facts=facts,
        chain=[_chain_entry(link, language) for link in signature.chain],
        problems=[problem_message(code) for code in signature.problems],
    )


def _document_summary(document: Document, language: str) -> DocumentSummary:
    return DocumentSummary(
        title=document.title,
        language=document.language,
        short_code=document.short_code,
        facts=[
            Fact(gettext("Issued by"), _agency_name(document.agency, language)),
            Fact(gettext("Issued on"), _day(document.issued_at, language)),
            Fact(gettext("Verification code"), document.short_code),
        ],
    )


def report_page(report: ValidationReport, language: str) -> ReportPage:
    """Everything in ``report`` as a reader of ``language`` sees it."""
    return ReportPage(
        valid=report.valid,
        reasons=report.messages(),
        signatures=[
            _signature_summary(number, signature, language)
            for number, signature in enumerate(report.signatures, 1)
        ],
        document=_document_summary(report.document, language) if report.document else None,
    )


# Verification: public.


def _verify_page(
    request: HttpRequest,
    *,
    upload_form: VerifyUploadForm | None = None,
    code_form: VerifyCodeForm | None = None,
    report: ReportPage | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "upload_form": upload_form or VerifyUploadForm(),
        "code_form": code_form or VerifyCodeForm(),
        "report": report,
        "max_upload_mb": MAX_UPLOAD // (1024 * 1024),
    }
    return render(request, "documents/verify.html", context, status=status)


def _announced_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django's own parser refuses it with a 400


@csrf_exempt  # checked in _verify_upload, once the upload handler is in place
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if _announced_length(request) > MAX_REQUEST:
            # Not read at all: refused on the size it announces.
            form = VerifyUploadForm(data={}, files={}, oversized={"file"})
            form.is_valid()
            return _verify_page(request, upload_form=form, status=400)
        handler = MemoryUploadHandler(request)
        request.upload_handlers = [handler]
        return _verify_upload(request, handler)
    if "code" not in request.GET:
        return _verify_page(request)
    code_form = VerifyCodeForm(request.GET)
    if code_form.is_valid():
        code = code_form.cleaned_data["code"]
        if document_by_code(code) is not None:
            return redirect("documents:verify-code", code=code)
        code_form.add_error(
            "code", gettext("No document has this verification code. Check it and try again.")
        )
    return _verify_page(request, code_form=code_form, status=400)


@csrf_protect
def _verify_upload(request: HttpRequest, handler: MemoryUploadHandler) -> HttpResponse:
    form = VerifyUploadForm(request.POST, request.FILES, oversized=handler.oversized)
    if not form.is_valid():
        return _verify_page(request, upload_form=form, status=400)
    data = form.cleaned_data["file"].read()
    content = form.cleaned_data["content"].read() if form.cleaned_data["content"] else None
    report = verify_bytes(data, content=content)
    refused = [code for code in report.problems if code in INPUT_PROBLEMS]
    if refused and not report.signatures:
        for code in refused:
            form.add_error(INPUT_PROBLEMS[code], problem_message(code))
        return _verify_page(request, upload_form=form, status=400)
    return _verify_page(request, report=report_page(report, get_language()))


def _code_unknown(request: HttpRequest) -> HttpResponse:
    return render(request, "documents/code_unknown.html", status=404)


@require_safe
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The page a QR code opens: the registered document's stored bytes, verified now."""
    canonical = short_code_normalise(code)
    if canonical and canonical != code:
        return redirect("documents:verify-code", code=canonical, permanent=True)
    document = document_by_code(canonical)
    if document is None:
        return _code_unknown(request)
    language = get_language()
    page = replace(
        report_page(verify_bytes(document_content(document)), language),
        document=_document_summary(document, language),
    )
    context = {"report": page, "document": document, "format": _format_label(document)}
    return render(request, "documents/verify_document.html", context)


@never_cache  # personal data: no shared cache may keep it
@require_safe
def verify_file(request: HttpRequest, code: str) -> HttpResponse:
    """The original file of a registered document: whoever holds the code holds the paper."""
    document = document_by_code(code)
    if document is None:
        return _code_unknown(request)
    return _file_response(document)


def _format_label(document: Document) -> str:
    return str(DocumentFormat(document.format).label)


def _file_response(document: Document) -> HttpResponse:
    response = HttpResponse(document_content(document), content_type=document.blob.media_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    return response


# The wallet: the logged-in citizen's own documents.


def _account(request: HttpRequest) -> Account:
    """The logged-in account of a view behind ``login_required``."""
    user = request.user
    if not isinstance(user, Account):
        raise PermissionDenied
    return user


def _own_person(request: HttpRequest) -> tuple[Account, Person]:
    """The account and its person, for wallet actions; staff without a person see nothing."""
    account = _account(request)
    if account.person is None:
        raise Http404
    return account, account.person


@dataclass(frozen=True)
class ShareRow:
    public_id: UUID
    created: str
    expires: str
    downloads: int


@dataclass(frozen=True)
class WalletItem:
    public_id: UUID
    title: str
    language: str
    short_code: str
    facts: list[Fact]
    share_form: ShareForm
    shares: list[ShareRow]


def _wallet_items(
    person: Person, language: str, *, failed: tuple[UUID, ShareForm] | None = None
) -> list[WalletItem]:
    live = ShareLink.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    documents = wallet_of(person.pk).prefetch_related(
        Prefetch("shares", queryset=live.order_by("expires_at"), to_attr="live")
    )
    items = []
    for document in documents:
        if failed is not None and failed[0] == document.public_id:
            form = failed[1]
        else:
            form = ShareForm(auto_id=f"share-{document.public_id}-%s")
        items.append(
            WalletItem(
                public_id=document.public_id,
                title=document.title,
                language=document.language,
                short_code=document.short_code,
                facts=[
                    Fact(gettext("Issued on"), _day(document.issued_at, language)),
                    Fact(gettext("Issued by"), _agency_name(document.agency, language)),
                    Fact(gettext("Format"), _format_label(document)),
                    Fact(gettext("Verification code"), document.short_code),
                ],
                share_form=form,
                shares=[
                    ShareRow(
                        public_id=link.public_id,
                        created=_moment(link.created_at, language),
                        expires=_moment(link.expires_at, language),
                        downloads=link.downloads,
                    )
                    for link in document.live
                ],
            )
        )
    return items


def _wallet_page(
    request: HttpRequest,
    person: Person,
    *,
    failed: tuple[UUID, ShareForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "items": _wallet_items(person, get_language(), failed=failed),
        "new_share": request.session.pop(NEW_SHARE, None),
        "failed_form": failed[1] if failed else None,
    }
    return render(request, "documents/wallet.html", context, status=status)


@login_required
@never_cache
@require_safe
def wallet(request: HttpRequest) -> HttpResponse:
    person = _account(request).person
    if person is None:
        return render(request, "documents/wallet_citizens_only.html")
    return _wallet_page(request, person)


@login_required
@never_cache
@require_safe
def document_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _account, person = _own_person(request)
    return _file_response(document_get_for_owner(person.pk, public_id))


@login_required
@require_POST
def share_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    account, person = _own_person(request)
    document = document_get_for_owner(person.pk, public_id)
    form = ShareForm(request.POST, auto_id=f"share-{document.public_id}-%s")
    if not form.is_valid():
        return _wallet_page(request, person, failed=(document.public_id, form), status=400)
    link, token = share_link_create(
        document=document, account=account, lifetime=form.lifetime_value()
    )
    request.session[NEW_SHARE] = {
        "title": document.title,
        "language": document.language,
        "url": settings.QYZMET_PUBLIC_URL + reverse("documents:shared", args=[token]),
        "expires": _moment(link.expires_at, get_language()),
    }
    return redirect(reverse("documents:wallet") + "#new-link")


@login_required
@require_POST
def share_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    account, person = _own_person(request)
    link = share_get_for_owner(person.pk, public_id)
    share_link_revoke(link=link, account=account)
    messages.success(
        request,
        gettext("The link to “%(title)s” is revoked: it no longer opens the document.")
        % {"title": link.document.title},
    )
    return redirect("documents:wallet")


# Shared links: public, while they live.


@never_cache
@require_GET  # not HEAD: every request through the link counts as a download
def shared(request: HttpRequest, token: str) -> HttpResponse:
    document = share_link_open(token)
    if document is None:
        return render(request, "documents/share_invalid.html", status=404)
    return _file_response(document)
