"""Every format, every kind of bad signer, and tampering: each is caught with its reason."""

from __future__ import annotations

import pytest

from qyzmet.documents.verification import verify_bytes
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup
from tests.trust.cases import (
    EXPECTED_PROBLEM,
    FORMATS,
    Format,
    Signer,
    signed_file,
    signer_identity,
    tampered,
    tampered_content,
)

BAD_SIGNERS: tuple[Signer, ...] = ("foreign", "expired", "revoked")


@pytest.mark.parametrize("kind", FORMATS)
def test_a_platform_signature_is_valid_and_tampering_is_reported(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format
) -> None:
    data, content = signed_file(kind, signer_identity("good", agencies["internal-affairs"]))

    report = verify_bytes(data, content=content)
    assert report.valid, report.messages()
    assert report.signatures[0].signer == "Ministry of Internal Affairs"
    assert report.signatures[0].chain[-1].subject == "CN=qyzmet Root CA,O=qyzmet,C=KZ"

    changed = verify_bytes(
        tampered(data, kind), content=tampered_content(content) if content else None
    )
    assert not changed.valid
    codes = {c for s in changed.signatures for c in s.problems} | set(changed.problems)
    assert codes & {"digest-mismatch", "bad-signature-value", "content-after-signature"}, codes


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("signer", BAD_SIGNERS)
def test_a_bad_signer_is_reported_with_the_reason(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format, signer: Signer
) -> None:
    data, content = signed_file(kind, signer_identity(signer, agencies["internal-affairs"]))

    report = verify_bytes(data, content=content)

    assert not report.valid
    assert report.signatures, report.problems
    assert EXPECTED_PROBLEM[signer] in report.signatures[0].problems
