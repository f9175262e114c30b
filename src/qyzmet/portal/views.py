"""Portal pages: home, login (password then code, or a key file), logout, "My data", and the
error pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.template import loader
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from qyzmet.catalog.pages import situation_cards
from qyzmet.core.errors import Problem, problem_response
from qyzmet.identity.models import Account, AccountKind
from qyzmet.identity.services import (
    LOCKOUT,
    LoginRefused,
    login_check_code,
    login_check_password,
    login_record,
)
from qyzmet.portal.dossier import dossier_page, recent_incomes_since
from qyzmet.portal.forms import CodeForm, PasswordLoginForm
from qyzmet.registries.selectors import dossier_of
from qyzmet.trust.forms import KeyFileProofForm
from qyzmet.trust.login import login_by_certificate, login_challenge_issue, login_challenge_take

# Between the password and the code, the session holds only this: who, since when, where next.
PENDING_LOGIN = "portal.pending_login"
PENDING_LOGIN_AGE = timedelta(minutes=5)

REFUSALS = {
    "wrong-credentials": _("The login or password is wrong."),
    "locked": _(
        "Too many failed attempts: this account is locked for %(minutes)d minutes. Try again later."
    ),
    "wrong-code": _("The code is wrong. Check your authenticator app and try again."),
    "code-used": _("This code has already been used. Wait for the next code and enter it."),
}


NO_KEY_FILE_SIGNATURE = _(
    "Nothing was sent. Logging in with a key file needs JavaScript in this browser; "
    "you can log in with your password instead."
)


def _refusal(refused: LoginRefused) -> str:
    message = REFUSALS.get(str(refused), REFUSALS["wrong-credentials"])
    return str(message) % {"minutes": int(LOCKOUT.total_seconds() // 60)}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _account(request: HttpRequest) -> Account:
    """The logged-in account of a view behind ``login_required``."""
    user = request.user
    if not isinstance(user, Account):
        raise PermissionDenied
    return user


def _next_url(request: HttpRequest) -> str:
    """Where to go after logging in: ``next`` if it stays on this site, else nowhere."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else ""


def _landing(account: Account) -> str:
    if account.kind == AccountKind.OPERATOR:
        return resolve_url("admin:index")
    if account.kind == AccountKind.OFFICER:
        return resolve_url("cases:office-queue")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _complete_login(request: HttpRequest, account: Account, next_url: str) -> HttpResponse:
    request.session.pop(PENDING_LOGIN, None)
    auth_login(request, account)  # also gives the session a new key
    login_record(account=account)
    return HttpResponseRedirect(next_url or _landing(account))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"situations": situation_cards()})


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_password(request: HttpRequest) -> HttpResponse:
    form = PasswordLoginForm(request.POST if request.method == "POST" else None)
    next_url = _next_url(request)
    if form.is_valid():
        try:
            account = login_check_password(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except LoginRefused as refused:
            form.add_error(None, _refusal(refused))
        else:
            if not account.needs_second_factor:
                return _complete_login(request, account, next_url)
            # A new key before the session starts to carry a half-authenticated account.
            request.session.cycle_key()
            request.session[PENDING_LOGIN] = {
                "account": account.pk,
                "since": timezone.now().isoformat(),
                "next": next_url,
            }
            return redirect("portal:login-code")
    return render(request, "portal/login.html", {"form": form, "next": next_url})


def _pending_account(request: HttpRequest) -> tuple[Account, str] | None:
    """The account that passed the password step recently, and where it goes next."""
    pending = request.session.get(PENDING_LOGIN)
    if not isinstance(pending, dict):
        return None
    since = datetime.fromisoformat(pending["since"])
    account = Account.objects.filter(pk=pending["account"], is_active=True).first()
    if account is None or timezone.now() - since > PENDING_LOGIN_AGE:
        request.session.pop(PENDING_LOGIN, None)
        return None
    return account, str(pending["next"])


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    pending = _pending_account(request)
    if pending is None:
        messages.info(request, _("Please start again with your login and password."))
        return redirect("portal:login")
    account, next_url = pending
    form = CodeForm(request.POST if request.method == "POST" else None)
    locked = False
    if form.is_valid():
        try:
            login_check_code(account=account, code=form.cleaned_data["code"])
        except LoginRefused as refused:
            form.add_error(None, _refusal(refused))
            # Wrong codes count towards the lock; a locked account starts again later.
            locked = str(refused) == "locked"
            if locked:
                request.session.pop(PENDING_LOGIN, None)
        else:
            return _complete_login(request, account, next_url)
    return render(request, "portal/login_code.html", {"form": form, "locked": locked})


@never_cache
@require_http_methods(["GET", "POST"])
def login_key_file(request: HttpRequest) -> HttpResponse:
    """Log in with a key file for logging in: the browser signs a one-time challenge with it
    (trust/keyfile-sign.js), so this page needs JavaScript; the password login does not."""
    next_url = _next_url(request)
    error, status = "", 200
    if request.method == "POST":
        form = KeyFileProofForm(request.POST)
        account: Account | None = None
        try:
            # Taken out first: a challenge works once, whatever the outcome of this POST.
            challenge = login_challenge_take(request.session)
            if form.is_valid():
                account = login_by_certificate(
                    challenge=challenge,
                    certificate_der=form.cleaned_data["certificate"],
                    algorithm=form.cleaned_data["algorithm"],
                    value=form.cleaned_data["signature"],
                )
            else:
                # Without JavaScript the hidden fields stay empty: nothing was signed.
                error, status = str(NO_KEY_FILE_SIGNATURE), 422
        except Problem as problem:
            error, status = problem.detail, problem.status
        if account is not None:
            # No one-time code follows, for officers and operators either: the key file
            # (something one has) and its password (something one knows) are already two
            # factors, as a password and a code are. See docs/trust.md.
            return _complete_login(request, account, next_url)
    return render(
        request,
        "portal/login_key_file.html",
        {"challenge": login_challenge_issue(request.session), "next": next_url, "error": error},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You have logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@never_cache
@require_safe
def my_data(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    if account.kind != AccountKind.CITIZEN or account.person is None:
        return render(request, "portal/my_data_citizens_only.html")
    dossier = dossier_of(account.person, incomes_since=recent_incomes_since())
    page = dossier_page(dossier, get_language())
    return render(request, "portal/my_data.html", {"page": page})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 400, "The request could not be understood.")
    return render(request, "portal/errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 403, "You may not do this.")
    return render(request, "portal/errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 404, "Nothing here.", code="not-found")
    return render(request, "portal/errors/404.html", status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """For ``CSRF_FAILURE_VIEW``: a form sent from a page too old to carry a valid token."""
    if _is_api(request):
        return problem_response(request, 403, "The request carried no valid CSRF token.")
    return render(request, "portal/errors/csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 500, "Something went wrong on our side.")
    # No request context: context processors would touch the session and the database,
    # which may be what just failed.
    page = loader.get_template("portal/errors/500.html").render()
    return HttpResponse(page, status=500)
