"""Third-party channels on the portal: the page where a citizen lets an app (a bank app, a
bot) act for them, and "Connected apps", where they see and revoke such apps.

The OAuth protocol is django-oauth-toolkit's, configured in identity/oauth.py; these
pages are what the citizen sees of it. Only citizens authorise apps: a staff account gets
a plain refusal, and an app's malformed request a plain error page, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from oauth2_provider import views as oauth
from oauth2_provider.models import Application

from qyzmet.core import formatting
from qyzmet.core.middleware import CONTENT_SECURITY_POLICY
from qyzmet.identity.models import Account, AccountKind, ClientAuthorization
from qyzmet.identity.oauth import scope_wording
from qyzmet.identity.selectors import connected_app_of, connected_apps_of
from qyzmet.identity.services import client_authorization_revoke


def _account(request: HttpRequest) -> Account:
    user = request.user
    if not isinstance(user, Account):
        raise PermissionDenied
    return user


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def _carries_nul(request: HttpRequest) -> bool:
    """PostgreSQL refuses a NUL in text, so a parameter with one would end as a 500 where
    the toolkit looks it up; it is the caller's error and answered as one."""
    return any(
        "\x00" in value
        for data in (request.GET, request.POST)
        for _, values in data.lists()
        for value in values
    )


class _PlainParameters:
    """For the endpoints the app's server calls: a NUL is an OAuth ``invalid_request``."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _carries_nul(request):
            return JsonResponse(
                {"error": "invalid_request", "error_description": "A parameter holds a NUL."},
                status=400,
            )
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response


class TokenView(_PlainParameters, oauth.TokenView):  # type: ignore[misc]  # untyped toolkit
    pass


class RevokeTokenView(_PlainParameters, oauth.RevokeTokenView):  # type: ignore[misc]
    pass


class UserInfoView(_PlainParameters, oauth.UserInfoView):  # type: ignore[misc]
    pass


class AuthorizeView(oauth.AuthorizationView):  # type: ignore[misc]  # untyped toolkit
    """``/oauth/authorize/``: what the app asks for, and the citizen's approve or deny."""

    template_name = "portal/oauth_authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _carries_nul(request):
            return render(request, "portal/oauth_bad_request.html", status=400)
        user = request.user
        if isinstance(user, Account) and user.kind != AccountKind.CITIZEN:
            # Officers and operators act for the state, never for an app: no consent page.
            return render(request, "portal/oauth_citizens_only.html", status=403)
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["scope_items"] = [scope_wording(scope) for scope in kwargs.get("scopes", [])]
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().render_to_response(context, **kwargs)
        redirect_uri = context.get("redirect_uri")
        if redirect_uri and "error" not in context:
            # The answer to this form is a redirect to the app: a browser that checks
            # form-action on redirects would otherwise stop the citizen's approval there.
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
                "form-action 'self'", f"form-action 'self' {_origin(redirect_uri)}"
            )
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        # The hidden fields come back from the browser: an unknown client is a bad request.
        if not Application.objects.filter(client_id=form.cleaned_data["client_id"]).exists():
            return self.form_invalid(form)
        response: HttpResponse = super().form_valid(form)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        return render(self.request, "portal/oauth_bad_request.html", status=400)


@dataclass(frozen=True)
class ConnectedApp:
    public_id: UUID
    name: str
    scopes: list[str]
    since: str


def _connected_app(authorization: ClientAuthorization) -> ConnectedApp:
    return ConnectedApp(
        public_id=authorization.public_id,
        name=authorization.application.name,
        scopes=[scope_wording(scope) for scope in authorization.scopes],
        since=formatting.date_time(authorization.granted_at, get_language() or "en"),
    )


@login_required
@never_cache
@require_safe
def connected_apps(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    if account.kind != AccountKind.CITIZEN:
        return render(request, "portal/oauth_citizens_only.html")
    apps = [_connected_app(authorization) for authorization in connected_apps_of(account)]
    return render(request, "portal/connected_apps.html", {"apps": apps})


@login_required
@require_POST
def connected_app_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    account = _account(request)
    authorization = connected_app_of(account, public_id)
    if authorization is None:
        raise Http404
    client_authorization_revoke(authorization=authorization, actor=account)
    messages.success(
        request,
        gettext("%(app)s can no longer act for you.") % {"app": authorization.application.name},
    )
    return redirect("portal:connected-apps")
