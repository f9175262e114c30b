"""qyzmet as an OAuth 2.0 / OpenID Connect provider, on django-oauth-toolkit.

A bank app or a bot acts for a citizen who approved it, with the API scopes the citizen
approved (decisions/0013). What django-oauth-toolkit allows beyond that is closed here:
only the authorization code (with PKCE S256, see settings) and refresh grants, only the
``code`` response type, scopes from ``TOKEN_SCOPES`` plus ``openid``, and an ID token
whose ``sub`` is the account's opaque public id, never its database key or IIN.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from qyzmet.identity.models import Account
from qyzmet.identity.services import (
    OAUTH_ACCESS_PREFIX,
    OAUTH_REFRESH_PREFIX,
    TOKEN_SCOPES,
    client_authorization_grant,
)

OPENID = "openid"

# What each scope lets an app do, as the citizen reads it on the consent page after
# "<app> wants to:". Every scope in TOKEN_SCOPES needs one (tests/identity/test_oauth.py).
SCOPE_WORDING: dict[str, Promise] = {
    OPENID: _("know that it is you (an identifier of your qyzmet account, not your IIN)"),
    "identity:read": _("read your qyzmet account's profile"),
    "registries:read": _(
        "read what the state registers hold about you: address, family, property, vehicles, "
        "work and benefits"
    ),
    "documents:read": _("read the documents the state has issued to you"),
    "documents:share": _("share your documents by link and stop sharing them"),
    "trust:read": _("read your certificates and the signatures you made"),
    "signatures:submit": _("start signatures in your name (you confirm each with a code)"),
    "tracker:read": _("see who was given data about you"),
    "consents:read": _("read the consents you have given"),
    "consents:write": _("give and withdraw consents for organisations to use your data"),
    "payments:read": _("read the state fees you are asked to pay"),
    "payments:write": _("set the bank account the state pays you into"),
    "cases:read": _("read your applications and how they are going"),
    "cases:write": _(
        "apply for services for you: open, fill in, pay for, submit and withdraw applications"
    ),
    "cases:decide": _("work an agency's queue (for officers: it gives nothing on your account)"),
    "programmes:read": _("read your offers from state programmes, their payments and refusals"),
    "programmes:write": _("apply to state programmes and answer their offers for you"),
    "procurement:bid": _(
        "act for organisations you represent in public procurement: bid, complain and sign "
        "contracts"
    ),
    "procurement:buy": _("run your agency's public procurement (for officers)"),
}

# oauthlib's names of the grants and response types qyzmet takes; anything else is refused.
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
RESPONSE_TYPES = frozenset({"code"})


def oauth_scopes() -> dict[str, str]:
    """Every scope a client may ask for, with its technical description."""
    return {OPENID: "OpenID Connect: who the citizen is (sub, an opaque id)", **TOKEN_SCOPES}


def scope_wording(scope: str) -> str:
    """The scope as the citizen reads it, in the current language."""
    wording = SCOPE_WORDING.get(scope)
    return str(wording) if wording is not None else oauth_scopes().get(scope, scope)


def access_token_generate(request: object) -> str:
    """An access token: 256 random bits under a prefix naming its kind (for TokenAuth and
    for secret scanners)."""
    return OAUTH_ACCESS_PREFIX + secrets.token_urlsafe(32)


def refresh_token_generate(request: object) -> str:
    return OAUTH_REFRESH_PREFIX + secrets.token_urlsafe(32)


class ApiScopes(BaseScopes):  # type: ignore[misc]  # django-oauth-toolkit is untyped
    """The API's scopes, read from TOKEN_SCOPES: one list for both kinds of token."""

    def get_all_scopes(self) -> dict[str, str]:
        return oauth_scopes()

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(oauth_scopes())

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return [OPENID]


class QyzmetValidator(OAuth2Validator):  # type: ignore[misc]  # django-oauth-toolkit is untyped
    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # Registered clients are all authorization-code clients, but an application added
        # another way must not open the password, client-credentials or device grants.
        if grant_type not in GRANT_TYPES:
            return False
        return bool(super().validate_grant_type(client_id, grant_type, client, request))

    def validate_response_type(
        self,
        client_id: str,
        response_type: str,
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        if response_type not in RESPONSE_TYPES:
            return False
        return bool(super().validate_response_type(client_id, response_type, client, request))

    def _load_application(self, client_id: str, request: Any) -> Any:
        # From a decoded Basic header, which no view sees: PostgreSQL refuses a NUL.
        if client_id and "\x00" in client_id:
            return None
        return super()._load_application(client_id, request)

    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        """The citizen approved: the code, the connected app and the audit entry are kept
        together or not at all."""
        with transaction.atomic():
            super().save_authorization_code(client_id, code, request, *args, **kwargs)
            client_authorization_grant(
                account=request.user, application=request.client, scopes=list(request.scopes)
            )

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        user = request.user
        if not isinstance(user, Account):
            raise TypeError("an ID token is only issued for an account")
        return {"sub": str(user.public_id)}
