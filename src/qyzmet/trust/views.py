"""Trust pages: what relying parties fetch (certificates, CRLs, OCSP, time stamps, the trust
list), and the citizen's signing pages (my certificates and key files, sign a file).

The relying-party endpoints speak their protocols (RFC 5280, 6960, 3161) to programs, need
no login and never answer a bad body with a 500. The signing pages are for people: plain
forms that work without JavaScript, except signing with a key file, which happens in the
browser (static/trust/keyfile-sign.js) so that the key never reaches the platform.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_der_x509_certificate, ocsp
from cryptography.x509.oid import NameOID
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qyzmet.core.errors import Problem
from qyzmet.identity.models import Account
from qyzmet.identity.services import actor_of
from qyzmet.trust.authority import certificate_revoke, key_file_issue, x509_of
from qyzmet.trust.forms import (
    KeyFileIssueForm,
    KeyFileSignatureForm,
    RevokeForm,
    SigningCodeForm,
    SignTargetForm,
    UploadForm,
    description_clean,
)
from qyzmet.trust.models import (
    AnchorKind,
    Certificate,
    KeyHolder,
    Purpose,
    Signature,
    SigningRequest,
    TrustAnchor,
)
from qyzmet.trust.revocation import crl_build, ocsp_respond
from qyzmet.trust.selectors import (
    certificate_get_for,
    certificates_of,
    published_certificate,
    signature_get_for,
    signatures_of,
    signing_request_get_for,
)
from qyzmet.trust.signing import (
    CODE_ATTEMPTS,
    code_destination,
    confirms_with_authenticator,
    signature_record,
    signing_link_mac,
    signing_request_confirm,
    signing_request_create,
)
from qyzmet.trust.timestamps import timestamp_time, tsa_respond

# --- relying parties --------------------------------------------------------------------

# Certificates of the platform's own services are public; people's carry personal data.
CA_PURPOSES = (Purpose.ROOT_CA, Purpose.ISSUING_CA)
# An OCSP request or a time-stamp query is a few hundred bytes; a few KiB leaves room for
# extensions and requestor certificates without letting anyone make us parse megabytes.
PROTOCOL_BODY_MAX = 16 * 1024
OCSP_GET_MAX = 4 * 1024  # characters of base64 in the path (RFC 5019 expects under 255)
# What relying parties may cache; responses stay valid longer (CRL a day, OCSP an hour),
# but a revocation should reach them soon.
REVOCATION_MAX_AGE = 300
CERTIFICATE_MAX_AGE = 24 * 3600


def _plain(status: int, text: str, **headers: str) -> HttpResponse:
    return HttpResponse(
        text + "\n", status=status, content_type="text/plain; charset=utf-8", headers=headers
    )


def _protocol_body(request: HttpRequest, media_type: str) -> bytes | HttpResponse:
    """The body of a protocol POST, or the HTTP error that refuses it."""
    if request.content_type != media_type:
        return _plain(415, f"Send the request as {media_type}.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _plain(400, "The Content-Length header is not a number.")
    if declared > PROTOCOL_BODY_MAX:
        return _plain(413, f"The request is larger than {PROTOCOL_BODY_MAX} bytes.")
    body = request.read(PROTOCOL_BODY_MAX + 1)
    if len(body) > PROTOCOL_BODY_MAX:
        return _plain(413, f"The request is larger than {PROTOCOL_BODY_MAX} bytes.")
    return body


@require_safe
def certificate_download(request: HttpRequest, serial: str) -> HttpResponse:
    """A CA-side certificate (root, issuing CA, TSA, OCSP responder) as DER: what AIA points to."""
    certificate = published_certificate(serial)
    return HttpResponse(
        bytes(certificate.der),
        content_type="application/pkix-cert",
        headers={
            "Cache-Control": f"public, max-age={CERTIFICATE_MAX_AGE}",
            "Content-Disposition": f'inline; filename="{certificate.serial}.crt"',
        },
    )


@require_safe
def crl_download(request: HttpRequest, serial: str) -> HttpResponse:
    """The current CRL of one of the platform's CAs, signed on request."""
    ca = published_certificate(serial, CA_PURPOSES)
    try:
        crl = crl_build(ca)
    except Problem as problem:
        return _plain(problem.status, problem.detail)
    return HttpResponse(
        crl,
        content_type="application/pkix-crl",
        headers={"Cache-Control": f"public, max-age={REVOCATION_MAX_AGE}"},
    )


def _ocsp_reply(request_der: bytes, cache: bool) -> HttpResponse:
    try:
        body = ocsp_respond(request_der)
    except Problem:
        # No responder yet (or its key is missing): RFC 6960's way to say "ask again later".
        body = ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.TRY_LATER
        ).public_bytes(serialization.Encoding.DER)
        cache = False
    headers = {"Cache-Control": f"public, max-age={REVOCATION_MAX_AGE}" if cache else "no-store"}
    return HttpResponse(body, content_type="application/ocsp-response", headers=headers)


@csrf_exempt
@require_POST
def ocsp_post(request: HttpRequest) -> HttpResponse:
    """RFC 6960 over HTTP POST: a DER OCSPRequest in, a signed OCSPResponse out."""
    body = _protocol_body(request, "application/ocsp-request")
    if isinstance(body, HttpResponse):
        return body
    return _ocsp_reply(body, cache=False)


@require_safe
def ocsp_get(request: HttpRequest, encoded: str) -> HttpResponse:
    """RFC 6960 appendix A.1: GET {url}/{url-encoded base64 of the DER OCSPRequest}."""
    if len(encoded) > OCSP_GET_MAX:
        return _plain(414, "The request is too long for GET; send it by POST.")
    # The path arrives percent-decoded; some clients send base64url or drop the padding.
    text = encoded.strip().replace("-", "+").replace("_", "/").replace(" ", "+")
    try:
        request_der = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        request_der = b""  # answered as a malformed request, as a bad POST body would be
    return _ocsp_reply(request_der, cache=True)


@csrf_exempt
@require_POST
def tsa_post(request: HttpRequest) -> HttpResponse:
    """RFC 3161 over HTTP: a DER TimeStampReq in, a TimeStampResp out (rejections too)."""
    body = _protocol_body(request, "application/timestamp-query")
    if isinstance(body, HttpResponse):
        return body
    try:
        reply = tsa_respond(body)
    except Problem as problem:
        return _plain(problem.status, problem.detail, **{"Retry-After": "60"})
    return HttpResponse(reply, content_type="application/timestamp-reply")


@require_safe
def roots_pem(request: HttpRequest) -> HttpResponse:
    """The active CA entries of the trust list, as a PEM bundle (``-CAfile`` for openssl)."""
    parts = []
    for anchor in TrustAnchor.objects.filter(kind=AnchorKind.CA, active=True).order_by("id"):
        certificate = load_der_x509_certificate(bytes(anchor.der))
        # Text outside the PEM blocks is ignored by readers; it tells people what each is.
        parts.append(f"# {description_clean(anchor.name)}\n# SHA-256 {anchor.sha256}\n")
        parts.append(certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return HttpResponse(
        "".join(parts),
        content_type="application/x-pem-file; charset=utf-8",
        headers={
            "Cache-Control": f"public, max-age={REVOCATION_MAX_AGE}",
            "Content-Disposition": 'inline; filename="roots.pem"',
        },
    )


# --- citizen pages: shared pieces -------------------------------------------------------


def _account(request: HttpRequest) -> Account:
    """The logged-in account of a view behind ``login_required``."""
    user = request.user
    if not isinstance(user, Account):
        raise PermissionDenied
    return user


def _local_next(candidate: str | None) -> str:
    """``candidate`` if it is a path on this site, else nothing: never an open redirect."""
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None)
    ):
        return candidate
    return ""


def _next_of(request: HttpRequest) -> str:
    return _local_next(request.POST.get("next") or request.GET.get("next"))


def _with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` set in its query string (other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items() if v]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _target_url(
    name: str, *, account: Account, sha256: str, description: str, next_url: str
) -> str:
    mac = signing_link_mac(
        account=account, sha256=sha256, description=description, next_url=next_url
    )
    return _with_query(
        reverse(name), sha256=sha256, description=description, next=next_url, mac=mac
    )


@dataclass(frozen=True)
class Target:
    """What is about to be signed, by whom, and where to go afterwards."""

    account: Account
    sha256: str
    description: str
    next: str

    def url(self, name: str) -> str:
        return _target_url(
            name,
            account=self.account,
            sha256=self.sha256,
            description=self.description,
            next_url=self.next,
        )

    @property
    def cancel_url(self) -> str:
        return self.next or reverse("trust:sign")


def _target_of(data: Any, next_url: str, account: Account, *, link: bool) -> Target | None:
    """The target a request carries. A link (GET) must carry its ``mac``: only our pages
    make links; a form post is ours already (CSRF)."""
    form = SignTargetForm(data)
    if not form.is_valid():
        return None
    target = Target(
        account=account,
        sha256=form.cleaned_data["sha256"],
        description=form.cleaned_data["description"],
        next=next_url,
    )
    if link:
        expected = signing_link_mac(
            account=account, sha256=target.sha256, description=target.description,
            next_url=next_url,
        )  # fmt: skip
        if not hmac.compare_digest(str(data.get("mac", "")), expected):
            return None
    return target


# --- my certificates --------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    title: str
    key_place: str
    status: str
    active: bool


def _certificate_title(certificate: Certificate) -> str:
    """What the certificate is for, in the words people use."""
    if certificate.purpose == Purpose.SIGN:
        if certificate.key_holder == KeyHolder.SUBJECT:
            return _("For signing with a key file")
        return _("For signing with a code by SMS")
    if certificate.purpose == Purpose.AUTH:
        return _("For logging in")
    return str(certificate.get_purpose_display()).capitalize()


def _certificate_rows(account: Account) -> list[CertificateRow]:
    now = timezone.now()
    rows = []
    key_places = {
        KeyHolder.PLATFORM_SEALED: _(
            "Kept sealed by the platform; used only when you confirm with a code"
        ),
        KeyHolder.SUBJECT: _("In your key file; the platform does not have it"),
        KeyHolder.PLATFORM_FILE: _("Kept by the platform"),
    }
    for certificate in certificates_of(account)[:50]:
        if certificate.revoked_at is not None:
            status = _("Revoked on %(date)s") % {
                "date": timezone.localtime(certificate.revoked_at).strftime("%Y-%m-%d %H:%M")
            }
        elif certificate.not_after <= now:
            status = _("Expired")
        else:
            status = _("Valid")
        rows.append(
            CertificateRow(
                certificate=certificate,
                title=_certificate_title(certificate),
                key_place=str(key_places.get(certificate.key_holder, "")),  # type: ignore[call-overload]
                status=status,
                active=certificate.revoked_at is None and certificate.not_after > now,
            )
        )
    return rows


def _my_page(
    request: HttpRequest, account: Account, form: KeyFileIssueForm, status: int = 200
) -> HttpResponse:
    signatures = signatures_of(account)[:20]
    return render(
        request,
        "trust/my.html",
        {"certificates": _certificate_rows(account), "signatures": signatures, "form": form},
        status=status,
    )


@login_required
@never_cache
@require_safe
def my_certificates(request: HttpRequest) -> HttpResponse:
    return _my_page(request, _account(request), KeyFileIssueForm())


@login_required
@never_cache
@sensitive_post_parameters("password", "password_again")
@require_POST
def key_file_download(request: HttpRequest) -> HttpResponse:
    """Issue a SIGN or AUTH certificate with a new key and send it as a password-protected
    file, named for its purpose (``qyzmet-sign-<serial>.p12``, ``qyzmet-auth-<serial>.p12``)."""
    account = _account(request)
    form = KeyFileIssueForm(request.POST)
    if form.is_valid():
        try:
            certificate, key_file = key_file_issue(
                account=account,
                password=form.cleaned_data["password"],
                algorithm=form.cleaned_data["algorithm"],
                actor=actor_of(account),
                purpose=Purpose(form.cleaned_data["purpose"]),
            )
        except Problem as problem:
            form.add_error(None, problem.detail)
        else:
            filename = f"qyzmet-{certificate.purpose}-{certificate.serial}.p12"
            return HttpResponse(
                key_file,
                content_type="application/x-pkcs12",
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Cache-Control": "no-store",
                },
            )
    return _my_page(request, account, form, status=422)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def certificate_revoke_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    account = _account(request)
    certificate = certificate_get_for(account, public_id=public_id)
    if certificate.revoked_at is not None:
        messages.info(request, _("This certificate is already revoked."))
        return redirect("trust:my")
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        certificate_revoke(
            certificate=certificate, reason=form.cleaned_data["reason"], actor=actor_of(account)
        )
        messages.success(
            request,
            _("The certificate is revoked. Signatures made with it before now stay valid."),
        )
        return redirect("trust:my")
    return render(request, "trust/revoke.html", {"certificate": certificate, "form": form})


# --- sign a file ------------------------------------------------------------------------

UPLOAD_MAX_BYTES = 100 * 1024 * 1024


class DigestedFile(UploadedFile[bytes]):
    """An upload reduced to its SHA-256: the name and size are known, the bytes are gone."""

    def __init__(self, *, name: str, size: int, content_type: str, sha256: str) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.sha256 = sha256

    def close(self) -> None:  # nothing was ever opened
        pass


class DigestUploadHandler(FileUploadHandler):
    """Hashes each uploaded file as it streams in and passes no byte on: nothing reaches
    memory beyond one chunk, a temporary file or any storage."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._digest.update(raw_data)

    def file_complete(self, file_size: int) -> DigestedFile:
        return DigestedFile(
            name=self.file_name or "",
            size=file_size,
            content_type=self.content_type or "",
            sha256=self._digest.hexdigest(),
        )


def _upload_page(
    request: HttpRequest,
    form: UploadForm,
    *,
    next_url: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "trust/sign_upload.html",
        {
            "form": form,
            "next": next_url,
            "error": error,
            "max_megabytes": UPLOAD_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


def _choose_page(
    request: HttpRequest, account: Account, target: Target, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "trust/sign_choose.html",
        {
            "target": target,
            "destination": code_destination(account),
            "authenticator": confirms_with_authenticator(account),
            "key_file_url": target.url("trust:sign-key-file"),
            "cancel_url": target.cancel_url,
            "error": error,
        },
        status=status,
    )


@csrf_exempt  # checked below, once the upload handlers are set (Django's documented way)
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest) -> HttpResponse:
    """Sign a file: upload it (only its digest is kept), or come with ``?sha256=``."""
    if request.method == "POST":
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > UPLOAD_MAX_BYTES:
            # Refused before reading a byte; no state changes, so no CSRF check is needed.
            return _upload_page(
                request,
                UploadForm(),
                next_url=_local_next(request.GET.get("next")),
                error=_("The file is too large to sign here."),
                status=413,
            )
        request.upload_handlers = [DigestUploadHandler(request)]
    return _sign(request)


@csrf_protect
def _sign(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    next_url = _next_of(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _upload_page(request, form, next_url=next_url, status=422)
        uploaded = form.cleaned_data["file"]
        assert isinstance(uploaded, DigestedFile)  # noqa: S101 - set up in sign()
        description = description_clean(request.POST.get("description", "")) or (
            description_clean(uploaded.name or "")
        )
        return HttpResponseRedirect(
            _target_url(
                "trust:sign",
                account=account,
                sha256=uploaded.sha256,
                description=description,
                next_url=next_url,
            )
        )
    if "sha256" not in request.GET:
        return _upload_page(request, UploadForm(), next_url=next_url)
    target = _target_of(request.GET, next_url, account, link=True)
    if target is None:
        return _upload_page(
            request,
            UploadForm(),
            next_url=next_url,
            error=_(
                "This link to sign something is not valid here. Sign only what you started "
                "on this site."
            ),
            status=400,
        )
    return _choose_page(request, account, target)


REMOTE_REFUSALS = {
    "rate-limited": lambda: _("You asked for too many codes. Wait a few minutes, then try again."),
    "conflict": lambda: _(
        "Your account has no phone number or e-mail address to send a code to. "
        "Sign with a key file instead."
    ),
}


@login_required
@never_cache
@require_POST
def sign_remote_start(request: HttpRequest) -> HttpResponse:
    """Remote signature, step 1: send a one-time code to the account's phone."""
    account = _account(request)
    target = _target_of(request.POST, _next_of(request), account, link=False)
    if target is None:
        return redirect("trust:sign")
    try:
        signing_request = signing_request_create(
            account=account, content_sha256=target.sha256, description=target.description
        )
    except Problem as problem:
        refusal = REMOTE_REFUSALS.get(problem.code)
        message = refusal() if refusal else problem.detail
        return _choose_page(request, account, target, error=message, status=problem.status)
    url = reverse("trust:sign-code", args=[signing_request.public_id])
    return HttpResponseRedirect(_with_query(url, next=target.next))


def _request_state(signing_request: SigningRequest) -> str:
    """``open``, or why the request takes no more codes (as the service's refusal codes)."""
    now = timezone.now()
    certificate = signing_request.certificate
    if signing_request.used_at is not None:
        return "code-used"
    if signing_request.failed_attempts >= CODE_ATTEMPTS:
        return "code-locked"
    if signing_request.expires_at <= now:
        return "code-expired"
    if certificate.revoked_at is not None or certificate.not_after <= now:
        return "certificate-invalid"
    return "open"


def _closed_message(code: str) -> str:
    """Why a signing request takes no more codes, in the reader's language."""
    messages_by_code = {
        "code-used": _("This code has already been used: the signature is made."),
        "code-expired": _("The code has expired. Ask for a new code."),
        "code-locked": _("Too many wrong codes. Ask for a new code."),
        "certificate-invalid": _(
            "The certificate for this signature was revoked or has expired. Ask for a new code: "
            "a new certificate is made for you."
        ),
    }
    return messages_by_code.get(code, "")


def _refusal_message(problem: Problem, signing_request: SigningRequest) -> str:
    if problem.code == "code-wrong":
        left = CODE_ATTEMPTS - signing_request.failed_attempts
        if left <= 0:
            return _("The code is not right, and that was the last attempt. Ask for a new code.")
        return ngettext(
            "The code is not right. You have %(count)d more attempt.",
            "The code is not right. You have %(count)d more attempts.",
            left,
        ) % {"count": left}
    return _closed_message(problem.code) or problem.detail


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_remote_code(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Remote signature, step 2: the signer types the code; the platform signs."""
    account = _account(request)
    signing_request = signing_request_get_for(account, public_id)
    next_url = _next_of(request)
    form = SigningCodeForm(request.POST if request.method == "POST" else None)
    error = ""
    status = 200
    if form.is_valid():
        try:
            signature = signing_request_confirm(
                request=signing_request, code=form.cleaned_data["code"]
            )
        except Problem as problem:
            signing_request.refresh_from_db()
            error, status = _refusal_message(problem, signing_request), problem.status
        else:
            return _receipt_redirect(signature, next_url)
    elif form.is_bound:
        status = 422
    state = _request_state(signing_request)
    error = error or _closed_message(state)
    target = Target(
        account=account,
        sha256=signing_request.content_sha256,
        description=signing_request.description,
        next=next_url,
    )
    return render(
        request,
        "trust/sign_code.html",
        {
            "form": form,
            "error": error,
            "state": state,
            "target": target,
            "signing_request": signing_request,
            "destination": code_destination(account),
            "authenticator": confirms_with_authenticator(account),
            "cancel_url": target.cancel_url,
            "receipt_url": _receipt_url(signing_request.signature, next_url)
            if signing_request.signature
            else "",
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_key_file(request: HttpRequest) -> HttpResponse:
    """Sign with a key file: the browser signs the digest; the server checks and records."""
    account = _account(request)
    next_url = _next_of(request)
    error = ""
    status = 200
    if request.method == "POST":
        form = KeyFileSignatureForm(request.POST)
        target = _target_of(request.POST, next_url, account, link=False)
        if target is None:
            return redirect("trust:sign")
        if form.is_valid():
            try:
                signature = signature_record(
                    certificate_der=form.cleaned_data["certificate"],
                    algorithm=form.cleaned_data["algorithm"],
                    value=form.cleaned_data["signature"],
                    content_sha256=target.sha256,
                    description=target.description,
                    account=account,
                )
            except Problem as problem:
                error, status = problem.detail, problem.status
            else:
                return _receipt_redirect(signature, next_url)
        else:
            # Without JavaScript the hidden fields stay empty: nothing was signed.
            error = _(
                "Nothing was signed. Signing with a key file needs JavaScript in this browser; "
                "or choose the code by SMS instead."
            )
            status = 422
    else:
        target = _target_of(request.GET, next_url, account, link=True)
        if target is None:
            return redirect("trust:sign")
    return render(
        request,
        "trust/sign_key_file.html",
        {"target": target, "error": error, "choose_url": target.url("trust:sign")},
        status=status,
    )


# --- the receipt ------------------------------------------------------------------------


def _receipt_url(signature: Signature, next_url: str) -> str:
    return _with_query(reverse("trust:signature", args=[signature.public_id]), next=next_url)


def _receipt_redirect(signature: Signature, next_url: str) -> HttpResponse:
    return HttpResponseRedirect(_receipt_url(signature, next_url))


@dataclass(frozen=True)
class Receipt:
    signature: Signature
    signer: str  # the certificate's common name
    timestamped_at: datetime | None
    continue_url: str


@login_required
@never_cache
@require_safe
def signature_receipt(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """What was signed, when, with which certificate, and the time stamp's time."""
    account = _account(request)
    signature = signature_get_for(account, public_id)
    token = bytes(signature.timestamp_token) if signature.timestamp_token else b""
    next_url = _next_of(request)
    # The page that asked for the signature learns which one it is from the link back.
    continue_url = _with_query(next_url, signature=str(signature.public_id)) if next_url else ""
    names = x509_of(signature.certificate).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    receipt = Receipt(
        signature=signature,
        signer=str(names[0].value) if names else signature.certificate.subject,
        timestamped_at=timestamp_time(token) if token else None,
        continue_url=continue_url,
    )
    return render(request, "trust/receipt.html", {"receipt": receipt})
