"""Signing acts: remote signing confirmed by a one-time code, key files, agency systems.

Whatever the method, a signature is over the 32 bytes of the content's SHA-256 (the
digest is the message) and is recorded the same way by :func:`signature_record`: the
value is checked against the certificate, the certificate against the trust list, and
the value is time-stamped.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from qyzmet.core.audit import audit_record
from qyzmet.core.delivery import Message, deliver
from qyzmet.core.errors import Problem
from qyzmet.core.formatting import masked_email, masked_phone
from qyzmet.identity.models import Account, AccountKind, Agency
from qyzmet.identity.services import actor_of, totp_code_use
from qyzmet.trust.algorithms import algorithm_for_jws, algorithm_of_key
from qyzmet.trust.authority import (
    held_certificate_issue,
    sha256_of,
    signing_identity,
)
from qyzmet.trust.models import (
    Certificate,
    KeyHolder,
    Purpose,
    Signature,
    SignatureMethod,
    SigningRequest,
)
from qyzmet.trust.timestamps import timestamp_token
from qyzmet.trust.validation import CERTIFICATE_PROBLEMS, certificate_check

CODE_LIFETIME = timedelta(minutes=5)
CODE_ATTEMPTS = 3
REQUESTS_PER_WINDOW = 5
REQUEST_WINDOW = timedelta(minutes=15)


def _digest_bytes(content_sha256: str) -> bytes:
    try:
        digest = bytes.fromhex(content_sha256)
    except ValueError:
        digest = b""
    if len(digest) != 32:
        raise Problem(422, "content_sha256 must be 64 hexadecimal characters.")
    return digest


def _code_hash(request_id: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def signing_link_mac(*, account: Account, sha256: str, description: str, next_url: str) -> str:
    """A keyed digest binding a "please sign" link to the account it was made for.

    The signing page shows a link's digest and description only with a valid one, so a
    link made elsewhere cannot put a digest and a misleading description before a person.
    """
    value = "\n".join([str(account.public_id), sha256.lower(), description, next_url])
    return salted_hmac("qyzmet.trust.signing-link", value).hexdigest()


def signing_link(*, account: Account, sha256: str, description: str, next_url: str = "") -> str:
    """The page where ``account`` is asked to sign ``sha256``; how other pages ask.

    After signing the person returns to ``next_url`` (a local path) with
    ``?signature=<id>`` added.
    """
    mac = signing_link_mac(
        account=account, sha256=sha256, description=description, next_url=next_url
    )
    query = {"sha256": sha256, "description": description, "next": next_url, "mac": mac}
    return f"{reverse('trust:sign')}?{urlencode({k: v for k, v in query.items() if v})}"


def remote_certificate_for(account: Account) -> Certificate:
    """The account's platform-held SIGN certificate, issued on first use."""
    found = (
        Certificate.objects.filter(
            account=account,
            purpose=Purpose.SIGN,
            key_holder=KeyHolder.PLATFORM_SEALED,
            revoked_at__isnull=True,
            not_after__gt=timezone.now(),
        )
        .order_by("-not_before")
        .first()
    )
    if found is not None:
        return found
    from qyzmet.trust.authority import ca_certificate

    return held_certificate_issue(
        account=account,
        purpose=Purpose.SIGN,
        algorithm=ca_certificate(Purpose.ISSUING_CA).algorithm,
        actor=actor_of(account),
    )


def confirms_with_authenticator(account: Account) -> bool:
    """Officers and operators confirm a remote signature with their authenticator app's
    code, as they log in; citizens with a code the platform sends by SMS or e-mail."""
    return account.kind != AccountKind.CITIZEN


def code_destination(account: Account) -> str:
    """Where the code of a remote signature goes, masked; empty if nowhere (or if the
    signer's authenticator app makes it)."""
    if confirms_with_authenticator(account):
        return ""
    if account.phone:
        return masked_phone(account.phone)
    if account.email:
        return masked_email(account.email)
    return ""


@transaction.atomic
def signing_request_create(
    *, account: Account, content_sha256: str, description: str
) -> SigningRequest:
    """Start a remote signature: send a one-time code to the signer's phone (or e-mail),
    or, for officers and operators, wait for their authenticator app's code.

    At most REQUESTS_PER_WINDOW requests per account per REQUEST_WINDOW; a sent code is
    kept only as a keyed hash; the request expires after CODE_LIFETIME.
    """
    _digest_bytes(content_sha256)
    authenticator = confirms_with_authenticator(account)
    if not (authenticator or account.phone or account.email):
        raise Problem(409, _("Your account has no phone number or e-mail to send a code to."))
    locked = Account.objects.select_for_update().get(pk=account.pk)
    now = timezone.now()
    recent = SigningRequest.objects.filter(
        account=locked, created_at__gt=now - REQUEST_WINDOW
    ).count()
    if recent >= REQUESTS_PER_WINDOW:
        raise Problem(
            429, _("Too many signing requests. Try again in a few minutes."), code="rate-limited"
        )
    certificate = remote_certificate_for(locked)
    code = f"{secrets.randbelow(10**6):06d}"
    request = SigningRequest(
        account=locked,
        certificate=certificate,
        content_sha256=content_sha256.lower(),
        description=description[:300],
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    request.code_hash = "" if authenticator else _code_hash(str(request.public_id), code)
    request.save(force_insert=True)
    audit_record(
        actor=actor_of(account),
        action="trust.signing.request",
        object_type="signing-request",
        object_id=str(request.public_id),
        data={"content_sha256": request.content_sha256},
    )
    if authenticator:
        return request
    text = _("qyzmet signing code %(code)s for: %(what)s. Do not share it.") % {
        "code": code,
        "what": request.description,
    }
    channel, to = ("sms", account.phone) if account.phone else ("email", account.email)
    transaction.on_commit(lambda: deliver(Message(channel=channel, to=to, text=text)))
    return request


def signing_request_confirm(*, request: SigningRequest, code: str) -> Signature:
    """Sign with the held key if ``code`` is right, unused and unexpired; else refuse.

    A code works once. After CODE_ATTEMPTS wrong codes the request is dead. Failed
    attempts are counted even though the call raises.
    """
    refusal: Problem | None = None
    with transaction.atomic():
        locked = SigningRequest.objects.select_for_update().get(pk=request.pk)
        # Locked too, so that a revocation cannot slip in between this check and the signing.
        certificate = Certificate.objects.select_for_update().get(pk=locked.certificate_id)
        now = timezone.now()
        if locked.used_at is not None:
            refusal = Problem(409, _("This code has already been used."), code="code-used")
        elif locked.failed_attempts >= CODE_ATTEMPTS:
            refusal = Problem(
                429, _("Too many wrong codes. Start the signature again."), code="code-locked"
            )
        elif locked.expires_at <= now:
            refusal = Problem(
                410, _("The code has expired. Start the signature again."), code="code-expired"
            )
        elif certificate.revoked_at is not None or certificate.not_after <= now:
            # Revoked (or expired) since the code was sent: the held key signs nothing more.
            refusal = Problem(
                409,
                _("The certificate for this signature is no longer valid. Start again."),
                code="certificate-invalid",
            )
        elif (checked := _code_check(locked, code, now)) != "accepted":
            locked.failed_attempts += 1
            locked.save(update_fields=["failed_attempts"])
            refusal = Problem(422, _("The code is not right."), code="code-wrong")
            if checked == "used":
                refusal = Problem(
                    422,
                    _("This code has been used. Wait for the next code in your app."),
                    code="code-spent",
                )
        else:
            identity = signing_identity(certificate)
            algorithm = algorithm_of_key(identity.private_key)
            value = algorithm.sign(identity.private_key, bytes.fromhex(locked.content_sha256))
            signature = _signature_create(
                certificate=certificate,
                algorithm=algorithm.jws,
                value=value,
                content_sha256=locked.content_sha256,
                method=SignatureMethod.REMOTE,
                description=locked.description,
                actor=actor_of(locked.account),
            )
            locked.used_at = now
            locked.signature = signature
            locked.save(update_fields=["used_at", "signature"])
            return signature
    raise refusal


def _code_check(request: SigningRequest, code: str, now: datetime) -> str:
    """ "accepted", "used" (an authenticator's code spent already) or "wrong"."""
    if confirms_with_authenticator(request.account):
        return totp_code_use(request.account, code, now)
    expected = _code_hash(str(request.public_id), code)
    return "accepted" if hmac.compare_digest(request.code_hash, expected) else "wrong"


def _signature_create(
    *,
    certificate: Certificate,
    algorithm: str,
    value: bytes,
    content_sha256: str,
    method: SignatureMethod,
    description: str,
    actor: str,
) -> Signature:
    signature = Signature.objects.create(
        certificate=certificate,
        method=method,
        content_sha256=content_sha256,
        description=description[:300],
        algorithm=algorithm,
        value=value,
        timestamp_token=timestamp_token(value),
        signed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="trust.signature",
        object_type="signature",
        object_id=str(signature.public_id),
        data={
            "method": method,
            "certificate": certificate.serial,
            "content_sha256": content_sha256,
        },
    )
    return signature


@transaction.atomic
def signature_record(
    *,
    certificate_der: bytes,
    algorithm: str,
    value: bytes,
    content_sha256: str,
    description: str,
    account: Account | None = None,
    agency: Agency | None = None,
) -> Signature:
    """Record a signature made outside the platform: by a key file or an agency system.

    The certificate must be one the platform issued to this account (key file, SIGN) or
    agency (system, SEAL), trusted and unrevoked now, and the value must verify over the
    digest. Otherwise a 422 says which of these failed.
    """
    digest = _digest_bytes(content_sha256)
    try:
        presented = x509.load_der_x509_certificate(certificate_der)
        chosen = algorithm_for_jws(algorithm)
    except ValueError as error:
        raise Problem(422, _("The certificate or algorithm is not readable.")) from error
    certificate = Certificate.objects.filter(sha256=sha256_of(presented)).first()
    if account is not None:
        owned = certificate is not None and certificate.account_id == account.pk
        purpose, method = Purpose.SIGN, SignatureMethod.KEY_FILE
    else:
        owned = (
            certificate is not None and agency is not None and certificate.agency_id == agency.pk
        )
        purpose, method = Purpose.SEAL, SignatureMethod.SYSTEM
    if certificate is None or not owned or certificate.purpose != purpose:
        raise Problem(
            422,
            _("This certificate was not issued to you for signing."),
            code="foreign-certificate",
        )
    check = certificate_check(presented, at=timezone.now())
    if not check.trusted:
        raise Problem(
            422,
            " ".join(str(CERTIFICATE_PROBLEMS[code]) for code in check.problems),
            code="certificate-not-trusted",
        )
    if not chosen.verify(presented.public_key(), value, digest):
        raise Problem(
            422,
            _("The signature does not match the document and certificate."),
            code="bad-signature",
        )
    actor = actor_of(account) if account else f"agency:{agency.code if agency else ''}"
    return _signature_create(
        certificate=certificate,
        algorithm=chosen.jws,
        value=value,
        content_sha256=content_sha256.lower(),
        method=method,
        description=description,
        actor=actor,
    )
