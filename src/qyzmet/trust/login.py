"""Logging in with an AUTH key file: the browser signs a one-time challenge with it.

The login page asks :func:`login_challenge_issue` for 32 random bytes, kept in the session
for two minutes; keyfile-sign.js signs them with the key file, and the POST takes the
challenge back out (:func:`login_challenge_take`, once, whatever happens next) and hands
it with the signature to :func:`login_by_certificate`. A challenge lives only in the
session that asked for it, so a signature seen elsewhere logs nobody in.

Only certificates issued for logging in (AUTH, EKU clientAuth) whose key is in a key
file are accepted: a signing key never logs in, and a login key never signs.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.core.errors import Problem
from qyzmet.identity.models import Account
from qyzmet.identity.services import LOCKOUT, login_failure_record
from qyzmet.trust.algorithms import algorithm_for_jws
from qyzmet.trust.authority import sha256_of
from qyzmet.trust.models import Certificate, KeyHolder, Purpose
from qyzmet.trust.validation import certificate_check

CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME = timedelta(minutes=2)
CHALLENGE_SESSION_KEY = "trust.login_challenge"


def login_challenge_issue(session: SessionBase) -> str:
    """A new challenge for this session, as 64 hexadecimal digits; it replaces any earlier
    one and is good for CHALLENGE_LIFETIME."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    session[CHALLENGE_SESSION_KEY] = {
        "challenge": challenge.hex(),
        "expires": (timezone.now() + CHALLENGE_LIFETIME).isoformat(),
    }
    return challenge.hex()


def login_challenge_take(session: SessionBase) -> bytes:
    """The challenge this session was given, removed from it: each works once.

    Refuses (403) when there is none, or it expired, e.g. the page stayed open too long or
    the form was sent twice.
    """
    stored = session.pop(CHALLENGE_SESSION_KEY, None)
    expired = Problem(
        403,
        _("The login page was open too long. Choose your key file and type its password again."),
        code="challenge-expired",
    )
    if not isinstance(stored, dict):
        raise expired
    try:
        challenge = bytes.fromhex(stored["challenge"])
        expires = datetime.fromisoformat(stored["expires"])
    except (KeyError, TypeError, ValueError):
        raise expired from None
    if len(challenge) != CHALLENGE_BYTES or timezone.now() >= expires:
        raise expired
    return challenge


def login_by_certificate(
    *, challenge: bytes, certificate_der: bytes, algorithm: str, value: bytes
) -> Account:
    """The account whose AUTH key file signed ``challenge``, or a refusal (a Problem).

    The certificate must be one this platform issued for logging in, with the key in a
    key file, to an active account that is not locked, and trusted now (chain, validity,
    revocation, EKU clientAuth); ``value`` must verify over the challenge bytes. A value
    that does not verify counts as a failed login towards the account's lock, as a wrong
    password does; the count is kept although the call raises, so this is not one
    transaction. Recording the login itself is the caller's, when it starts the session
    (identity's ``login_record``, as for a password).
    """
    try:
        presented = x509.load_der_x509_certificate(certificate_der)
        chosen = algorithm_for_jws(algorithm)
    except ValueError as error:  # UnknownAlgorithm is one too
        raise Problem(
            422, _("The certificate or algorithm is not readable."), code="unreadable"
        ) from error
    certificate = (
        Certificate.objects.select_related("account").filter(sha256=sha256_of(presented)).first()
    )
    if (
        certificate is None
        or certificate.account is None
        # The platform holds the key of such a certificate: no person can have signed.
        or (certificate.purpose == Purpose.AUTH and certificate.key_holder != KeyHolder.SUBJECT)
    ):
        raise Problem(
            403,
            _("This key file was not issued by this portal for logging in."),
            code="unknown-certificate",
        )
    if certificate.purpose != Purpose.AUTH:
        raise Problem(
            403,
            _(
                "This key file is for signing, not for logging in. Choose your key file for "
                "logging in: its name begins with qyzmet-auth."
            ),
            code="not-for-login",
        )
    account = certificate.account
    if not account.is_active:
        raise Problem(403, _("This key file cannot be used to log in."), code="account-inactive")
    now = timezone.now()
    if account.locked_until and account.locked_until > now:
        raise Problem(
            429,
            _(
                "Too many failed attempts: this account is locked for %(minutes)d minutes. "
                "Try again later."
            )
            % {"minutes": int(LOCKOUT.total_seconds() // 60)},
            code="locked",
        )
    check = certificate_check(presented, at=now, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    if "revoked" in check.problems:
        raise Problem(
            403,
            _(
                "The certificate of this key file is revoked. Log in with your password and "
                "get a new key file."
            ),
            code="certificate-revoked",
        )
    if "expired" in check.problems:
        raise Problem(
            403,
            _(
                "The certificate of this key file has expired. Log in with your password and "
                "get a new key file."
            ),
            code="certificate-expired",
        )
    if not check.trusted:
        raise Problem(
            403,
            _("The certificate of this key file is not trusted now."),
            code="certificate-not-trusted",
        )
    if not chosen.verify(presented.public_key(), value, challenge):
        # Identity's own counter and lock, the one wrong passwords and codes feed.
        login_failure_record(account, now)
        raise Problem(
            403,
            _("The signature does not match this login. Try again."),
            code="bad-signature",
        )
    if account.failed_logins:
        Account.objects.filter(pk=account.pk).update(failed_logins=0, locked_until=None)
    return account
