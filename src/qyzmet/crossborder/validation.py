"""Was a foreign signature valid when it was made? The question a trusted third party
answers between states: the signer's chain is built up to a root the signer's state's
trust list vouched for at that moment, and each certificate is checked as of then.

The moment is the time stamp's when an intact one covers the signature (a third party's
word), else the time the signer claims (reported as such), else now. The answer is one of
three indications, as ETSI EN 319 102-1 names them:

- ``TOTAL-PASSED``: intact, and the chain reaches a root the list vouched for at the moment,
  every certificate valid then;
- ``TOTAL-FAILED``: the signature does not match the document;
- ``INDETERMINATE``: intact, but the chain does not reach such a root, or a certificate
  was not valid at the moment (the reasons say which).

Revocation of foreign certificates is reported as not checked until partners' CRLs are
fetched; the report says so rather than pretending.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from cryptography import x509

from qyzmet.crossborder.trustlist import CA, TrustList, anchors_at
from qyzmet.documents.formats import SignatureFacts
from qyzmet.trust.authority import sha256_of
from qyzmet.trust.validation import CertificateCheck, certificate_check, name_text

Indication = Literal["TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE"]
MomentSource = Literal["timestamp", "claimed", "now"]


@dataclass(frozen=True)
class ForeignValidation:
    territory: str  # whose trust list judged it
    indication: Indication
    problems: tuple[str, ...]  # integrity problem, then certificate problems (trust.validation)
    signer: str  # the signer certificate's subject, or "" when none was found
    moment: datetime
    moment_source: MomentSource
    check: CertificateCheck | None  # None when there was no signer certificate to check


def _moment(facts: SignatureFacts, now: datetime) -> tuple[datetime, MomentSource]:
    if facts.timestamp_intact and facts.timestamp_time is not None:
        return facts.timestamp_time, "timestamp"
    if facts.claimed_signing_time is not None:
        return facts.claimed_signing_time, "claimed"
    return now, "now"


def foreign_signature_validate(
    facts: SignatureFacts, trust_list: TrustList, *, now: datetime
) -> ForeignValidation:
    """Judge one signature (its facts, as ``*_inspect`` read them) by ``trust_list``."""
    moment, source = _moment(facts, now)
    certificate = facts.signer_certificate
    if not facts.intact or certificate is None:
        problem = facts.integrity_problem or "signer-certificate-missing"
        return ForeignValidation(
            territory=trust_list.territory, indication="TOTAL-FAILED", problems=(problem,),
            signer=name_text(certificate.subject) if certificate else "", moment=moment,
            moment_source=source, check=None,
        )  # fmt: skip
    key = (certificate, facts.embedded_certificates, trust_list)
    known = _passed.get(key)
    if known is not None and _still_passes(known, trust_list, moment):
        return replace(known, moment=moment, moment_source=source)
    anchors = {sha256_of(root): root for root in anchors_at(trust_list, moment)}
    check = certificate_check(
        certificate, at=moment, carried=facts.embedded_certificates, anchors=anchors
    )
    result = ForeignValidation(
        territory=trust_list.territory,
        indication="TOTAL-PASSED" if check.trusted else "INDETERMINATE",
        problems=check.problems, signer=name_text(certificate.subject), moment=moment,
        moment_source=source, check=check,
    )  # fmt: skip
    if check.trusted:
        if len(_passed) >= PASSED_KEPT:
            _passed.clear()
        _passed[key] = result
    return result


# Chains that passed, by signer certificate, what the signature carried and the trust list:
# a partner's node signs every envelope with the same key, and building and checking its
# chain again for each one is most of the work. A kept chain passes at another moment when
# every certificate in it was valid then and the list vouched for its root then: exactly
# what building it again would find.
PASSED_KEPT = 1024
_passed: dict[
    tuple[x509.Certificate, tuple[x509.Certificate, ...], TrustList], ForeignValidation
] = {}


def _still_passes(known: ForeignValidation, trust_list: TrustList, moment: datetime) -> bool:
    if known.check is None or not known.check.chain:
        return False
    chain = known.check.chain
    if not all(link.not_before <= moment <= link.not_after for link in chain):
        return False
    root = chain[-1].sha256
    return any(
        service.kind == CA and sha256_of(service.certificate) == root and service.trusted_at(moment)
        for service in trust_list.services
    )
