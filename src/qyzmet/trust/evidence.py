"""Evidence for other apps: sign and time-stamp a record so it can be proven later.

The exchange layer (request/response pairs) and the audit seals call
:func:`evidence_seal` with the bytes they must be able to prove; they keep the returned
JWS and time-stamp token beside the record. :func:`evidence_check` later tells whether
the record is unchanged, who sealed it, and since when it has existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qyzmet.trust.authority import Subject, platform_seal_ensure, signing_identity
from qyzmet.trust.jws import jws_sign, jws_verify
from qyzmet.trust.models import Certificate
from qyzmet.trust.timestamps import timestamp_inspect, timestamp_judge, timestamp_token

EVIDENCE_SUBJECT = "qyzmet platform evidence seal"


@dataclass(frozen=True)
class Evidence:
    jws: str  # detached JWS over the record's bytes by the platform evidence seal
    timestamp_token: bytes  # RFC 3161 token over the JWS


@dataclass(frozen=True)
class EvidenceCheck:
    intact: bool  # the record's bytes are what was sealed, and both proofs verify
    sealed_by: str
    existed_at: datetime | None  # the time stamp's time, when the token is intact and trusted
    problems: tuple[str, ...]


def evidence_certificate() -> Certificate:
    """The platform's evidence seal (a platform-held SEAL certificate), issued on first use."""
    return platform_seal_ensure(
        agency=None, subject=Subject(common_name=EVIDENCE_SUBJECT, organisation="qyzmet")
    )


def evidence_seal(data: bytes) -> Evidence:
    """Sign ``data`` with the platform evidence seal and time-stamp the signature."""
    token = jws_sign(data, signer=signing_identity(evidence_certificate()))
    return Evidence(jws=token, timestamp_token=timestamp_token(token.encode()))


def evidence_check(data: bytes, evidence: Evidence) -> EvidenceCheck:
    """Whether ``data`` is exactly what was sealed, by a trusted seal, and since when."""
    problems: list[str] = []
    verdict = jws_verify(evidence.jws, data)
    if not verdict.facts.intact:
        problems.append("digest-mismatch")
    problems.extend(verdict.check.problems)
    stamp = timestamp_inspect(evidence.timestamp_token, evidence.jws.encode())
    existed_at, stamp_problem = timestamp_judge(
        intact=stamp.intact,
        time=stamp.time,
        tsa_certificate=stamp.tsa_certificate,
        carried=stamp.carried,
    )
    if stamp_problem:
        problems.append(stamp_problem)
    return EvidenceCheck(
        intact=not problems,
        sealed_by=verdict.facts.header.certificate.subject.rfc4514_string(),
        existed_at=existed_at,
        problems=tuple(dict.fromkeys(problems)),
    )
