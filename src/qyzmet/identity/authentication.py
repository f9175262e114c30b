"""How API callers prove who they are: a portal session, or a bearer token (a personal
access token, or an OAuth access token of a client acting for a citizen)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from qyzmet.identity.models import Account
from qyzmet.identity.selectors import Principal, principal_for
from qyzmet.identity.services import bearer_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer qzt_...`` with a live personal access token, or ``qzo_...``
    with a live OAuth access token; either way the principal has the token's scopes."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        if not token.isprintable():  # a NUL would reach PostgreSQL, which refuses it (a 500)
            return None
        found = bearer_authenticate(token)
        if found is None:
            return None
        return principal_for(found.account, scopes=found.scopes, client_id=found.client_id)


class SessionAuth(APIKeyCookie):
    """The portal's session cookie; unsafe methods also need the CSRF token."""

    param_name = "qyzmet_session"

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = request.user
        if isinstance(user, Account) and user.is_authenticated and user.is_active:
            return principal_for(user)
        return None


token_auth = TokenAuth()
session_auth = SessionAuth()
ANY_AUTH = [token_auth, session_auth]


def principal_of(request: HttpRequest) -> Principal:
    """The principal an authenticated endpoint was called by."""
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise TypeError("endpoint is not behind qyzmet authentication")
    return principal
