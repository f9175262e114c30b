"""Client assertions: how a member system proves, on every request, who is calling.

An assertion is a JWT (RFC 7519) signed with the subsystem's registered key, with the
certificate chain in ``x5c``. It names the client (``iss``), the mediator it is for
(``aud``, the mediator's public URL), a unique id (``jti``), a lifetime of at most five
minutes, and the hash of the exact request (``rqh``), so it cannot be moved to another
request; the mediator refuses a second use of its ``jti``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass

from qyzmet.trust.authority import sha256_of
from qyzmet.trust.jws import JwsError, b64url, b64url_decode, canonical_json, jws_sign, jws_verify
from qyzmet.trust.signer import SigningIdentity

MAX_LIFETIME_SECONDS = 300
CLOCK_SKEW_SECONDS = 60


def request_message(method: str, path: str, body: bytes) -> bytes:
    """The bytes a request is hashed as: ``METHOD /path?query`` and a newline, then the body."""
    return f"{method.upper()} {path}\n".encode() + body


def request_hash(message: bytes) -> str:
    return hashlib.sha256(message).hexdigest()


def hash_header(hex_digest: str) -> str:
    """The form X-Road-Request-Hash carries: base64 of the SHA-256."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def assertion_make(
    *,
    signer: SigningIdentity,
    client: str,
    audience: str,
    message_hash: str,
    lifetime: int = 60,
    now: float | None = None,
) -> str:
    """A fresh assertion for one request (hash from :func:`request_hash`)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": client,
        "sub": client,
        "aud": audience,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": str(uuid.uuid4()),
        "rqh": message_hash,
    }
    payload = canonical_json(claims)
    protected, _, signature = jws_sign(payload, signer=signer, extra_header={"typ": "JWT"}).split(
        "."
    )
    return f"{protected}.{b64url(payload)}.{signature}"


class AssertionRefused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class CheckedAssertion:
    assertion_id: str
    certificate_sha256: str


def assertion_check(
    token: str,
    *,
    client: str,
    audience: str,
    message_hash: str,
    registered: frozenset[str],
    now: float | None = None,
) -> CheckedAssertion:
    """The assertion's id, if it was made for this request by a key of this client.

    Raises :class:`AssertionRefused` naming what is wrong: malformed, not signed by a
    trusted certificate registered to the client, for another client, mediator or
    request, or outside its lifetime.
    """
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise AssertionRefused("malformed", "The client assertion is not a signed JWT.")
    protected, payload_b64, signature = parts
    try:
        payload = b64url_decode(payload_b64)
        verdict = jws_verify(f"{protected}..{signature}", payload)
        claims = json.loads(payload)
    except (JwsError, ValueError) as error:
        raise AssertionRefused(
            "malformed", f"The client assertion is unreadable: {error}"
        ) from error
    if not verdict.facts.intact:
        raise AssertionRefused("bad-signature", "The client assertion's signature does not verify.")
    if not verdict.check.trusted:
        raise AssertionRefused(
            "untrusted", "The client assertion is not signed by a trusted, valid certificate."
        )
    certificate = verdict.facts.header.certificate
    sha256 = sha256_of(certificate)
    if sha256 not in registered:
        raise AssertionRefused(
            "unregistered", "The client assertion is signed by a key not registered to the client."
        )
    if not isinstance(claims, dict) or claims.get("iss") != client or claims.get("sub") != client:
        raise AssertionRefused("wrong-client", "The client assertion was made for another client.")
    if claims.get("aud") != audience:
        raise AssertionRefused("wrong-audience", "The client assertion is for another mediator.")
    if claims.get("rqh") != message_hash:
        raise AssertionRefused(
            "wrong-request", "The client assertion was made for another request."
        )
    issued, expires, assertion_id = claims.get("iat"), claims.get("exp"), claims.get("jti")
    if not (isinstance(issued, int) and isinstance(expires, int) and isinstance(assertion_id, str)):
        raise AssertionRefused("malformed", "The client assertion lacks iat, exp or jti.")
    if not 0 < len(assertion_id) <= 100:
        raise AssertionRefused("malformed", "The client assertion's jti is empty or too long.")
    moment = time.time() if now is None else now
    if expires - issued > MAX_LIFETIME_SECONDS:
        raise AssertionRefused("too-long", "The client assertion lives longer than five minutes.")
    if issued > moment + CLOCK_SKEW_SECONDS or expires < moment - CLOCK_SKEW_SECONDS:
        raise AssertionRefused("expired", "The client assertion has expired or is not yet valid.")
    # Unique per client; hashed so that any length of identifier and jti fits the log.
    unique = hashlib.sha256(f"{client}#{assertion_id}".encode()).hexdigest()
    return CheckedAssertion(assertion_id=unique, certificate_sha256=sha256)
