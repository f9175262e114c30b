"""Reads in the identity domain, and the principal every permission check is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from qyzmet.identity.models import (
    AccessToken,
    Account,
    AccountKind,
    ClientAuthorization,
    Membership,
)


@dataclass(frozen=True)
class Principal:
    """Who is asking: an account, through a session (all its rights) or a bearer token (a
    personal access token, or an OAuth client acting for a citizen) with its scopes."""

    account: Account
    # None: a portal session, with every right of the account; else the token's scopes.
    scopes: frozenset[str] | None = None
    agency_codes: frozenset[str] = field(default_factory=frozenset)
    # The OAuth client acting for the account; "" for a session or a personal token.
    client_id: str = ""

    @property
    def by_token(self) -> bool:
        return self.scopes is not None

    @property
    def is_operator(self) -> bool:
        return self.account.kind == AccountKind.OPERATOR

    @property
    def is_officer(self) -> bool:
        return self.account.kind == AccountKind.OFFICER

    @property
    def person_id(self) -> int | None:
        return self.account.person_id if self.account.kind == AccountKind.CITIZEN else None

    def allows(self, scope: str) -> bool:
        """A session may use every right of its account; a token only its scopes."""
        return self.scopes is None or scope in self.scopes


def principal_for(
    account: Account, scopes: frozenset[str] | None = None, client_id: str = ""
) -> Principal:
    if account.kind == AccountKind.CITIZEN:  # only officers belong to agencies
        return Principal(account=account, scopes=scopes, client_id=client_id)
    codes = frozenset(
        Membership.objects.filter(account=account).values_list("agency__code", flat=True)
    )
    return Principal(account=account, scopes=scopes, agency_codes=codes, client_id=client_id)


def tokens_of(account: Account) -> list[AccessToken]:
    return list(AccessToken.objects.filter(account=account).order_by("-created_at"))


def token_of(account: Account, public_id: str) -> AccessToken | None:
    return AccessToken.objects.filter(account=account, public_id=public_id).first()


def connected_apps_of(account: Account) -> list[ClientAuthorization]:
    """The clients a citizen has authorised, newest first, with their applications."""
    return list(
        ClientAuthorization.objects.filter(account=account)
        .select_related("application")
        .order_by("-granted_at", "-id")
    )


def connected_app_of(account: Account, public_id: str) -> ClientAuthorization | None:
    """One of the account's connected apps; None for anyone else's or a malformed id."""
    try:
        UUID(public_id)
    except ValueError:
        return None
    return (
        ClientAuthorization.objects.filter(account=account, public_id=public_id)
        .select_related("application", "account")
        .first()
    )
