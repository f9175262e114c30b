"""Reads in the identity domain, and the principal every permission check is about."""

from __future__ import annotations

from dataclasses import dataclass, field

from qyzmet.identity.models import AccessToken, Account, AccountKind, Membership


@dataclass(frozen=True)
class Principal:
    """Who is asking: an account, through a session (all its rights) or a scoped token."""

    account: Account
    token: AccessToken | None = None
    agency_codes: frozenset[str] = field(default_factory=frozenset)

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
        return self.token is None or scope in self.token.scopes


def principal_for(account: Account, token: AccessToken | None = None) -> Principal:
    if account.kind == AccountKind.CITIZEN:  # only officers belong to agencies
        return Principal(account=account, token=token)
    codes = frozenset(
        Membership.objects.filter(account=account).values_list("agency__code", flat=True)
    )
    return Principal(account=account, token=token, agency_codes=codes)


def tokens_of(account: Account) -> list[AccessToken]:
    return list(AccessToken.objects.filter(account=account).order_by("-created_at"))


def token_of(account: Account, public_id: str) -> AccessToken | None:
    return AccessToken.objects.filter(account=account, public_id=public_id).first()
