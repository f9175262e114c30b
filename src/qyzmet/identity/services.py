"""Writes in the identity domain: accounts, logins, second factors, access tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from django.db import connection, transaction
from django.utils import timezone

from qyzmet.core import rows
from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.identity.agencies import DEFAULT_AGENCIES
from qyzmet.identity.models import (
    AccessToken,
    Account,
    AccountKind,
    Agency,
    Membership,
    OfficerRole,
    Organisation,
    Person,
)
from qyzmet.identity.national_ids import iin_checked

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_PREFIX = "qzt_"  # noqa: S105 - a label, not a secret
TOKEN_MAX_LIFETIME = timedelta(days=365)

# What an access token may be allowed to do. Later domains add their scopes here.
TOKEN_SCOPES: dict[str, str] = {
    "registries:read": "Read and search the base registries the account may see",
    "identity:read": "Read the account's own profile",
    "documents:read": "Read the documents in the account's wallet and their share links",
    "documents:share": "Create and revoke share links to the account's documents",
    "trust:read": "Read the account's certificates and the signatures it made",
    "signatures:submit": "Sign: start and confirm remote signatures, record key-file signatures "
    "and, for an officer, signatures of their agency's systems",
    "tracker:read": "Read the data tracker: who was given data about the account's person",
    "consents:read": "Read the consents the account's person has given",
    "consents:write": "Give and withdraw consents for organisations to use the person's data",
    "payments:read": "Read the state fees asked of the account's person",
    "cases:read": "Read the account's applications, their timelines and life situations; "
    "for an officer, the agency's queue and applications",
    "cases:write": "Apply for services: open, fill in, pay for, submit, answer and withdraw "
    "applications",
    "cases:decide": "Officers: work the agency's queue (claim, assign, ask for more, approve, "
    "refuse)",
    "programmes:read": "Read the person's offers from programmes, their payments and refusals",
    "programmes:write": "Apply to programmes and answer offers for the person",
    "payments:write": "Give the bank account state payments to the person are made into",
}


def actor_of(account: Account | None) -> str:
    """How an account is named in the audit trail."""
    return f"account:{account.public_id}" if account else "anonymous"


@transaction.atomic
def agency_ensure_defaults() -> list[Agency]:
    """Create the standard agencies (and their organisations) that are not there yet."""
    agencies = []
    for definition in DEFAULT_AGENCIES:
        organisation, _ = Organisation.objects.get_or_create(bin=definition.bin)
        agency, created = Agency.objects.get_or_create(
            code=definition.code,
            defaults={
                "organisation": organisation,
                "name_kk": definition.name_kk,
                "name_ru": definition.name_ru,
                "name_en": definition.name_en,
            },
        )
        if created:
            audit_record(
                actor="system", action="agency.create", object_type="agency", object_id=agency.code
            )
        agencies.append(agency)
    return agencies


@transaction.atomic
def citizen_account_create(*, iin: str, password: str, actor: Account | None = None) -> Account:
    """A citizen's account, logging in by IIN. The person must be in the population register."""
    iin_checked(iin)
    person = Person.objects.filter(iin=iin).first()
    if person is None:
        raise Problem(422, "No person with this IIN is registered.", code="unknown-person")
    account = Account(username=iin, kind=AccountKind.CITIZEN, person=person)
    account.set_password(password)
    account.save(force_insert=True)
    audit_record(
        actor=actor_of(actor), action="account.create", object_type="account",
        object_id=str(account.public_id), data={"kind": account.kind},
    )  # fmt: skip
    return account


@transaction.atomic
def staff_account_create(
    *,
    username: str,
    password: str,
    kind: AccountKind,
    display_name: str,
    agency: Agency | None = None,
    roles: tuple[OfficerRole, ...] = (),
    totp_secret: str | None = None,
    actor: Account | None = None,
) -> Account:
    """An officer (member of an agency, with roles) or an operator; both need a second factor."""
    if kind == AccountKind.OFFICER and (agency is None or not roles):
        raise Problem(422, "An officer belongs to an agency and has at least one role.")
    if kind != AccountKind.OFFICER and (agency is not None or roles):
        raise Problem(422, "Only officers belong to an agency.")
    account = Account(
        username=username,
        kind=kind,
        display_name=display_name,
        is_staff=kind == AccountKind.OPERATOR,
        is_superuser=kind == AccountKind.OPERATOR,
    )
    account.totp_secret = totp_secret or pyotp.random_base32()
    account.set_password(password)
    account.save(force_insert=True)
    if agency is not None:
        for role in roles:
            Membership.objects.create(account=account, agency=agency, role=role)
    audit_record(
        actor=actor_of(actor), action="account.create", object_type="account",
        object_id=str(account.public_id),
        data={"kind": kind, "agency": agency.code if agency else None, "roles": list(roles)},
    )  # fmt: skip
    return account


class LoginRefused(Exception):
    """Wrong login, password or code, or a locked account; the message is safe to show."""


def login_check_password(*, username: str, password: str) -> Account:
    """The account for these credentials, counting failures and locking after too many.

    Unknown logins and wrong passwords are refused the same way, in about the same time.
    """
    account = Account.objects.filter(username=username, is_active=True).first()
    if account is None:
        Account().set_password(password)  # spend the same hashing time as a real check
        raise LoginRefused("wrong-credentials")
    now = timezone.now()
    if account.locked_until and account.locked_until > now:
        raise LoginRefused("locked")
    if not account.check_password(password):
        login_failure_record(account, now)
        raise LoginRefused("wrong-credentials")
    if account.failed_logins:
        Account.objects.filter(pk=account.pk).update(failed_logins=0, locked_until=None)
    return account


def login_failure_record(account: Account, now: datetime) -> None:
    """Count a failed login (a wrong password, code or key-file signature); the fifth in a
    row locks the account for LOCKOUT. Commits even when the caller then refuses."""
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        locked.failed_logins += 1
        fields = ["failed_logins"]
        if locked.failed_logins >= MAX_FAILED_LOGINS:
            locked.failed_logins = 0
            locked.locked_until = now + LOCKOUT
            fields.append("locked_until")
            audit_record(
                actor="system", action="account.lock", object_type="account",
                object_id=str(locked.public_id),
            )  # fmt: skip
        locked.save(update_fields=fields)


def login_check_code(*, account: Account, code: str) -> None:
    """Accept a TOTP code once: a code already used, or an older one, is refused."""
    now = timezone.now()
    account.refresh_from_db(fields=["locked_until"])
    if account.locked_until and account.locked_until > now:
        raise LoginRefused("locked")
    totp = pyotp.TOTP(account.totp_secret)
    for drift in (0, -1, 1):  # one 30-second step either side for clock skew
        step = int(now.timestamp()) // totp.interval + drift
        if hmac.compare_digest(totp.generate_otp(step), code.strip()):
            used = Account.objects.filter(pk=account.pk, totp_last_step__lt=step).update(
                totp_last_step=step, failed_logins=0
            )
            if used:
                return
            raise LoginRefused("code-used")
    login_failure_record(account, now)
    raise LoginRefused("wrong-code")


def login_record(*, account: Account) -> None:
    audit_record(
        actor=actor_of(account), action="account.login", object_type="account",
        object_id=str(account.public_id),
    )  # fmt: skip


@dataclass(frozen=True)
class IssuedToken:
    token: AccessToken
    secret: str  # shown to the integrator once, never stored


@transaction.atomic
def token_create(
    *, account: Account, name: str, scopes: list[str], expires_at: datetime
) -> IssuedToken:
    """Issue a personal access token; only its SHA-256 is stored."""
    unknown = sorted(set(scopes) - set(TOKEN_SCOPES))
    if unknown or not scopes:
        raise Problem(422, f"Unknown or missing scopes: {', '.join(unknown) or 'none given'}.")
    now = timezone.now()
    if not now < expires_at <= now + TOKEN_MAX_LIFETIME:
        raise Problem(422, "A token must expire in the future and within one year.")
    lookup = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        account=account,
        name=name,
        lookup=lookup,
        secret_hash=_secret_hash(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    audit_record(
        actor=actor_of(account), action="token.create", object_type="access_token",
        object_id=str(token.public_id), data={"scopes": token.scopes},
    )  # fmt: skip
    return IssuedToken(token=token, secret=f"{TOKEN_PREFIX}{lookup}_{secret}")


@transaction.atomic
def token_revoke(*, token: AccessToken, actor: Account) -> AccessToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor_of(actor), action="token.revoke", object_type="access_token",
            object_id=str(token.public_id),
        )  # fmt: skip
    return token


def token_authenticate(presented: str) -> AccessToken | None:
    """The live token matching a presented ``qzt_<lookup>_<secret>``, or None."""
    if not presented.startswith(TOKEN_PREFIX):
        return None
    lookup, _, secret = presented[len(TOKEN_PREFIX) :].partition("_")
    token = _live_token(lookup)
    now = timezone.now()
    if token is None or token.expires_at <= now:
        return None
    if not hmac.compare_digest(token.secret_hash, _secret_hash(secret)):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _live_token(lookup: str) -> AccessToken | None:
    """The unrevoked token of an active account with this lookup, its account loaded. In
    SQL: every API request of a surge asks it (decisions/0012)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(AccessToken, 't')}, {rows.columns(Account, 'a')} "  # noqa: S608 - model names
            f"FROM {rows.table(AccessToken)} t JOIN {rows.table(Account)} a ON a.id = t.account_id "
            "WHERE t.lookup = %s AND t.revoked_at IS NULL AND a.is_active",
            [lookup],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(AccessToken._meta.concrete_fields)
    token = rows.instance(AccessToken, row[:split])
    token.account = rows.instance(Account, row[split:])
    return token


def _secret_hash(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (a slow one only adds latency).
    return hashlib.sha256(secret.encode()).hexdigest()
