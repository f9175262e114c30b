"""Detached JSON Web Signatures (RFC 7515, appendix F) with the signer's chain in ``x5c``.

A token is ``header..signature``: the payload travels separately (the JSON document, an
HTTP body). :func:`jws_verify` is on the hot path of the exchange layer, so what a
header says (algorithm, key, chain check) is worked out once per distinct header and
kept for :data:`TRUST_CACHE_SECONDS`; a revocation is therefore seen within that time.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from django.utils import timezone

from qyzmet.trust.algorithms import Algorithm, algorithm_for_jws, algorithm_of_key
from qyzmet.trust.signer import SigningIdentity
from qyzmet.trust.validation import CertificateCheck, certificate_check

TRUST_CACHE_SECONDS = 60
_CACHE_SIZE = 1024


class JwsError(ValueError):
    """The token is not a well-formed detached JWS this platform accepts."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise JwsError("malformed", "not base64url") from error


def canonical_json(value: Any) -> bytes:
    """The bytes a JSON document is signed as: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def jws_sign(
    payload: bytes, *, signer: SigningIdentity, extra_header: dict[str, Any] | None = None
) -> str:
    """Sign ``payload`` and return the detached compact token ``header..signature``."""
    algorithm = algorithm_of_key(signer.private_key)
    header = {
        "alg": algorithm.jws,
        "x5c": [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in (signer.certificate, *signer.chain)
        ],
        **(extra_header or {}),
    }
    protected = b64url(canonical_json(header))
    signing_input = f"{protected}.{b64url(payload)}".encode("ascii")
    return f"{protected}..{b64url(algorithm.sign(signer.private_key, signing_input))}"


@dataclass(frozen=True)
class JwsHeader:
    raw: dict[str, Any]
    algorithm: Algorithm
    certificate: x509.Certificate
    carried: tuple[x509.Certificate, ...]
    public_key: CertificatePublicKeyTypes


_headers: OrderedDict[str, tuple[JwsHeader, float, CertificateCheck | None]] = OrderedDict()
_headers_lock = threading.Lock()  # web servers verify on several threads


def _cached(protected: str) -> tuple[JwsHeader, float, CertificateCheck | None] | None:
    with _headers_lock:
        found = _headers.get(protected)
        if found is not None:
            _headers.move_to_end(protected)
        return found


def _header(protected: str) -> JwsHeader:
    cached = _cached(protected)
    if cached is not None:
        return cached[0]
    try:
        raw = json.loads(b64url_decode(protected))
        certificates = tuple(
            x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in raw["x5c"]
        )
        algorithm = algorithm_for_jws(raw["alg"])
        public_key = certificates[0].public_key()
    except IndexError as error:
        raise JwsError("malformed", "the JWS header carries no certificate") from error
    except UnsupportedAlgorithm as error:
        raise JwsError("unsupported-algorithm", f"unsupported key: {error}") from error
    except (KeyError, TypeError, ValueError, binascii.Error, x509.InvalidVersion) as error:
        raise JwsError("malformed", f"unreadable JWS header: {error}") from error
    if raw.get("crit"):
        raise JwsError("malformed", "critical JWS header parameters are not supported")
    header = JwsHeader(
        raw=raw,
        algorithm=algorithm,
        certificate=certificates[0],
        carried=certificates[1:],
        public_key=public_key,
    )
    _remember(protected, header, 0.0, None)
    return header


def _remember(
    protected: str, header: JwsHeader, until: float, check: CertificateCheck | None
) -> None:
    with _headers_lock:
        _headers[protected] = (header, until, check)
        _headers.move_to_end(protected)
        while len(_headers) > _CACHE_SIZE:
            _headers.popitem(last=False)


def _split(token: str) -> tuple[str, str]:
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[1] != "":
        raise JwsError("malformed", "a detached JWS has the form header..signature")
    return parts[0], parts[2]


@dataclass(frozen=True)
class JwsFacts:
    intact: bool
    header: JwsHeader


def jws_inspect(token: str, payload: bytes) -> JwsFacts:
    """Whether the token's signature over ``payload`` verifies with its own certificate."""
    protected, signature = _split(token)
    header = _header(protected)
    signing_input = f"{protected}.{b64url(payload)}".encode("ascii")
    intact = header.algorithm.verify(header.public_key, b64url_decode(signature), signing_input)
    return JwsFacts(intact=intact, header=header)


@dataclass(frozen=True)
class JwsVerdict:
    valid: bool
    facts: JwsFacts
    check: CertificateCheck


def jws_verify(token: str, payload: bytes, *, at: datetime | None = None) -> JwsVerdict:
    """Integrity and trust of a detached JWS, as of ``at`` (now by default).

    Trust checks as of now are cached per header for TRUST_CACHE_SECONDS.
    """
    facts = jws_inspect(token, payload)
    protected = token.split(".", 1)[0]
    if at is None:
        _, until, check = _cached(protected) or (facts.header, 0.0, None)
        if check is None or until < time.monotonic():
            check = certificate_check(
                facts.header.certificate, at=timezone.now(), carried=facts.header.carried
            )
            _remember(protected, facts.header, time.monotonic() + TRUST_CACHE_SECONDS, check)
    else:
        check = certificate_check(facts.header.certificate, at=at, carried=facts.header.carried)
    return JwsVerdict(valid=facts.intact and check.trusted, facts=facts, check=check)


def jws_trust_cache_clear() -> None:
    with _headers_lock:
        _headers.clear()
