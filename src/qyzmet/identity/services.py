"""Writes in the identity domain: accounts, logins, second factors, access tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pyotp
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken as OAuthAccessToken
from oauth2_provider.models import Application, Grant, IDToken, RefreshToken

from qyzmet.core import rows
from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.identity.agencies import DEFAULT_AGENCIES
from qyzmet.identity.models import (
    AccessToken,
    Account,
    AccountKind,
    Agency,
    ClientAuthorization,
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
# OAuth tokens (identity/oauth.py) carry their own prefixes, so a bearer token says which
# kind it is and each kind is looked up by one statement.
OAUTH_ACCESS_PREFIX = "qzo_"
OAUTH_REFRESH_PREFIX = "qzr_"

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
    "procurement:bid": "Suppliers' representatives: register the organisation, bid, confirm "
    "and withdraw bids, file complaints and sign contracts for it",
    "procurement:buy": "Officers: run the agency's tenders, hand in committee shares, score, "
    "qualify, decide complaints (the review body) and manage contracts",
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


def totp_code_use(account: Account, code: str, now: datetime) -> str:
    """Spend a code of the account's authenticator app: "accepted" once per 30-second
    step, "used" for a step already spent (or an older one), "wrong" otherwise.

    Steps either side of now are accepted for clock skew, so after a login the next
    step's code works at once for a signature; no code works twice for anything.
    """
    totp = pyotp.TOTP(account.totp_secret)
    for drift in (0, -1, 1):
        step = int(now.timestamp()) // totp.interval + drift
        if hmac.compare_digest(totp.generate_otp(step), code.strip()):
            spent = Account.objects.filter(pk=account.pk, totp_last_step__lt=step).update(
                totp_last_step=step
            )
            return "accepted" if spent else "used"
    return "wrong"


def login_check_code(*, account: Account, code: str) -> None:
    """Accept a TOTP code once: a code already used, or an older one, is refused."""
    now = timezone.now()
    account.refresh_from_db(fields=["locked_until"])
    if account.locked_until and account.locked_until > now:
        raise LoginRefused("locked")
    outcome = totp_code_use(account, code, now)
    if outcome == "accepted":
        Account.objects.filter(pk=account.pk).update(failed_logins=0)
        return
    if outcome == "used":
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


@dataclass(frozen=True)
class Bearer:
    """What a bearer token presented to the API stands for: whose it is, what it allows,
    and, for an OAuth token, the client acting for the account."""

    account: Account
    scopes: frozenset[str]
    client_id: str = ""


def bearer_authenticate(presented: str) -> Bearer | None:
    """The account and scopes of a live personal access token or OAuth access token."""
    if presented.startswith(OAUTH_ACCESS_PREFIX):
        return _live_oauth_token(presented)
    token = token_authenticate(presented)
    return Bearer(account=token.account, scopes=frozenset(token.scopes)) if token else None


def _live_oauth_token(presented: str) -> Bearer | None:
    """An unexpired OAuth access token of an active citizen's account, found by its SHA-256
    (django-oauth-toolkit keeps no other form of it). In SQL, as ``_live_token``."""
    checksum = hashlib.sha256(presented.encode()).hexdigest()
    token_fields = ["expires", "scope"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns(OAuthAccessToken, 't', token_fields)}, c.client_id, "  # noqa: S608 - model names
            f"{rows.columns(Account, 'a')} FROM {rows.table(OAuthAccessToken)} t "
            f"JOIN {rows.table(Account)} a ON a.id = t.user_id "
            f"JOIN {rows.table(Application)} c ON c.id = t.application_id "
            "WHERE t.token_checksum = %s AND a.is_active AND a.kind = %s",
            [checksum, AccountKind.CITIZEN.value],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token = rows.instance(OAuthAccessToken, row[:2], token_fields)
    if token.expires <= timezone.now():
        return None
    return Bearer(
        account=rows.instance(Account, row[3:]),
        scopes=frozenset(token.scope.split()),
        client_id=str(row[2]),
    )


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


# --- OAuth clients and the citizens' consents to them (identity/oauth.py) ----------------


@dataclass(frozen=True)
class RegisteredClient:
    application: Application
    secret: str  # "" for a public client; shown to the operator once, stored hashed


@transaction.atomic
def oauth_client_register(
    *, name: str, redirect_uris: list[str], confidential: bool, actor: Account | None = None
) -> RegisteredClient:
    """Register a client (a bank app, a bot) for the authorization-code flow with PKCE and
    RS256-signed ID tokens. Redirect URIs are matched exactly and must be https."""
    name = name.strip()
    if not name or len(name) > 255:
        raise Problem(422, "A client needs a name of at most 255 characters.")
    if not redirect_uris or any(not _https_uri(uri) for uri in redirect_uris):
        raise Problem(422, "A client needs at least one redirect URI, each https://host/...")
    secret = generate_client_secret() if confidential else ""
    application = Application(
        name=name,
        redirect_uris=" ".join(redirect_uris),
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=secret,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )
    try:
        application.full_clean()
    except ValidationError as invalid:
        raise Problem(422, " ".join(invalid.messages)) from invalid
    application.save()
    audit_record(
        actor=actor_of(actor) if actor else "system", action="oauth-client.register",
        object_type="oauth_client", object_id=application.client_id,
        data={"name": name, "redirect_uris": redirect_uris, "confidential": confidential},
    )  # fmt: skip
    return RegisteredClient(application=application, secret=secret)


def _https_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "https" and bool(parts.hostname) and not parts.fragment


def client_authorization_grant(
    *, account: Account, application: Application, scopes: list[str]
) -> ClientAuthorization:
    """Record that a citizen approved a client for these scopes (the first approval is the
    "since" of the connected app; later ones add scopes). Runs inside the transaction that
    keeps the authorization code (identity/oauth.py), with its audit entry."""
    if account.kind != AccountKind.CITIZEN:
        raise Problem(403, "Only citizens may authorise apps to act for them.")
    unknown = sorted(set(scopes) - {"openid", *TOKEN_SCOPES})
    if unknown:
        raise Problem(422, f"Unknown scopes: {', '.join(unknown)}.")
    now = timezone.now()
    authorization, created = ClientAuthorization.objects.select_for_update().get_or_create(
        account=account,
        application=application,
        defaults={"scopes": sorted(set(scopes)), "granted_at": now, "updated_at": now},
    )
    if not created:
        authorization.scopes = sorted(set(authorization.scopes) | set(scopes))
        authorization.updated_at = now
        authorization.save(update_fields=["scopes", "updated_at"])
    audit_record(
        actor=actor_of(account), action="oauth.grant", object_type="connected_app",
        object_id=str(authorization.public_id),
        data={"client": application.client_id, "scopes": sorted(set(scopes))},
    )  # fmt: skip
    return authorization


@transaction.atomic
def client_authorization_revoke(*, authorization: ClientAuthorization, actor: Account) -> None:
    """Take a client's access away at once: its access and refresh tokens, ID tokens and
    unused codes for this account are deleted with the connected app, so the next API call
    with one of its tokens is refused and a refresh finds nothing."""
    account, application = authorization.account, authorization.application
    locked = ClientAuthorization.objects.select_for_update().filter(pk=authorization.pk).first()
    owned = {"user": account, "application": application}
    RefreshToken.objects.filter(**owned).delete()
    OAuthAccessToken.objects.filter(**owned).delete()
    IDToken.objects.filter(**owned).delete()
    Grant.objects.filter(**owned).delete()
    if locked is None:
        return  # revoked already (a second click): nothing left to take away or record
    locked.delete()
    audit_record(
        actor=actor_of(actor), action="oauth.revoke", object_type="connected_app",
        object_id=str(authorization.public_id),
        data={"client": application.client_id, "scopes": authorization.scopes},
    )  # fmt: skip
