"""/api/v1/identity: the caller's own account and personal access tokens."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from qyzmet.core.inputs import PLAIN_TEXT, StrictIn
from qyzmet.identity import selectors
from qyzmet.identity.authentication import ANY_AUTH, principal_of, session_auth
from qyzmet.identity.models import AccessToken
from qyzmet.identity.national_ids import iin_checked
from qyzmet.identity.services import TOKEN_SCOPES, token_create, token_revoke

router = Router(tags=["identity"])


class MembershipOut(Schema):
    agency: str
    role: str


class MeOut(Schema):
    id: UUID
    username: str
    kind: str
    display_name: str
    iin: str | None
    memberships: list[MembershipOut]
    scopes: list[str] | None = Field(description="the token's scopes; null for a session")


@router.get("/me", response=MeOut, auth=ANY_AUTH, summary="The calling account")
def me(request: HttpRequest) -> MeOut:
    principal = principal_of(request)
    if not principal.allows("identity:read"):
        raise Http404
    account = principal.account
    memberships = account.memberships.select_related("agency").order_by("agency__code", "role")
    return MeOut(
        id=account.public_id,
        username=account.username,
        kind=account.kind,
        display_name=account.display_name,
        iin=account.person.iin if account.person else None,
        memberships=[MembershipOut(agency=m.agency.code, role=m.role) for m in memberships],
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
    )


class IinOut(Schema):
    iin: str
    birth_date: date
    sex: str


@router.get("/iin/{iin}", response=IinOut, auth=ANY_AUTH, summary="Check an IIN and decode it")
def iin_check(request: HttpRequest, iin: str) -> IinOut:
    """Validates the check digit and returns the birth date and sex the number encodes.

    It says nothing about whether such a person is registered."""
    facts = iin_checked(iin)
    return IinOut(iin=facts.iin, birth_date=facts.birth_date, sex=facts.sex)


class TokenOut(Schema):
    id: UUID
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def _token_out(token: AccessToken) -> TokenOut:
    return TokenOut(
        id=token.public_id,
        name=token.name,
        scopes=token.scopes,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


class TokenCreateIn(StrictIn):
    name: str = Field(min_length=1, max_length=100, pattern=PLAIN_TEXT)
    scopes: list[str] = Field(
        min_length=1, max_length=len(TOKEN_SCOPES), description=", ".join(TOKEN_SCOPES)
    )
    expires_in_days: int = Field(default=90, ge=1, le=365)


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="shown once; send it as 'Authorization: Bearer <secret>'")


# Tokens are managed from a logged-in session only: a token cannot mint or revoke tokens.
@router.get("/tokens", response=list[TokenOut], auth=session_auth, summary="My access tokens")
def tokens_list(request: HttpRequest) -> list[TokenOut]:
    return [_token_out(t) for t in selectors.tokens_of(principal_of(request).account)]


@router.post("/tokens", response={201: TokenCreatedOut}, auth=session_auth, summary="Issue a token")
def tokens_create(request: HttpRequest, payload: TokenCreateIn) -> Status[TokenCreatedOut]:
    issued = token_create(
        account=principal_of(request).account,
        name=payload.name,
        scopes=payload.scopes,
        expires_at=timezone.now() + timedelta(days=payload.expires_in_days),
    )
    out = _token_out(issued.token)
    return Status(201, TokenCreatedOut(**out.model_dump(), secret=issued.secret))


@router.delete("/tokens/{token_id}", response=TokenOut, auth=session_auth, summary="Revoke a token")
def tokens_revoke(request: HttpRequest, token_id: UUID) -> TokenOut:
    account = principal_of(request).account
    token = selectors.token_of(account, str(token_id))
    if token is None:
        raise Http404
    return _token_out(token_revoke(token=token, actor=account))
