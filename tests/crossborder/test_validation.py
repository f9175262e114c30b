"""A foreign signature judged as of the moment it was made, by the signer's state's trust
list: a root withdrawn since still vouches for what it signed while granted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from qyzmet.crossborder.trustlist import (
    CA,
    GRANTED,
    WITHDRAWN,
    Status,
    TrustedService,
    TrustList,
)
from qyzmet.crossborder.validation import foreign_signature_validate
from qyzmet.documents.formats import SignatureFacts
from qyzmet.documents.formats.xades import xades_inspect, xades_sign
from tests.documents.pki import Pki, make_pki

pytestmark = pytest.mark.django_db  # our own CAs are looked up, to be left out

CERTIFICATE = (
    b"<NoCriminalRecord><Person>870412400567</Person><Found>none</Found></NoCriminalRecord>"
)
NOW = datetime.now(UTC)


def _list(pki: Pki, *history: Status) -> TrustList:
    return TrustList(
        territory="KG", operator="KG trust list operator", sequence=1,
        issued_at=NOW, next_update=NOW + timedelta(days=180),
        services=(TrustedService(CA, "KG Root CA", pki.root, history),),
    )  # fmt: skip


def _signed(pki: Pki, *, stamped_at: datetime | None = None) -> SignatureFacts:
    timestamper = pki.timestamper(stamped_at) if stamped_at else None
    (facts,) = xades_inspect(xades_sign(CERTIFICATE, signer=pki.signer, timestamper=timestamper))
    return facts


def test_a_signature_under_a_granted_root_passes() -> None:
    kg = make_pki("rsa")
    granted = _list(kg, Status(GRANTED, NOW - timedelta(hours=20)))
    result = foreign_signature_validate(_signed(kg), granted, now=NOW)
    assert (result.indication, result.problems) == ("TOTAL-PASSED", ())
    assert result.moment_source == "claimed"
    assert result.territory == "KG"
    assert "Qyzmet Test Signer" in result.signer
    assert result.check is not None
    assert result.check.chain[-1].subject.startswith("CN=Qyzmet Test Root,")
    assert not result.check.revocation_checked, "foreign revocation is said to be unchecked"


def test_the_time_stamp_sets_the_moment_so_a_root_withdrawn_since_still_vouches() -> None:
    kg = make_pki("rsa")
    withdrawn_since = _list(
        kg, Status(GRANTED, NOW - timedelta(hours=20)), Status(WITHDRAWN, NOW - timedelta(hours=1))
    )
    stamped = _signed(kg, stamped_at=NOW - timedelta(hours=2))
    result = foreign_signature_validate(stamped, withdrawn_since, now=NOW)
    assert (result.indication, result.moment_source) == ("TOTAL-PASSED", "timestamp")
    assert result.moment == NOW - timedelta(hours=2)

    # Signed now, after the withdrawal: nothing vouches for it.
    late = foreign_signature_validate(_signed(kg), withdrawn_since, now=NOW)
    assert (late.indication, late.problems) == ("INDETERMINATE", ("untrusted",))


def test_a_root_granted_after_the_signature_does_not_vouch_for_it() -> None:
    kg = make_pki("rsa")
    later = _list(kg, Status(GRANTED, NOW + timedelta(hours=1)))
    result = foreign_signature_validate(_signed(kg), later, now=NOW)
    assert (result.indication, result.problems) == ("INDETERMINATE", ("untrusted",))


def test_a_signer_of_another_state_or_an_altered_document_does_not_pass() -> None:
    kg, other = make_pki("rsa"), make_pki("ec")
    granted = _list(kg, Status(GRANTED, NOW - timedelta(hours=20)))
    foreign = foreign_signature_validate(_signed(other), granted, now=NOW)
    assert (foreign.indication, foreign.problems) == ("INDETERMINATE", ("untrusted",))

    signed = xades_sign(CERTIFICATE, signer=kg.signer)
    (altered,) = xades_inspect(signed.replace(b"<Found>none</Found>", b"<Found>one</Found>"))
    failed = foreign_signature_validate(altered, granted, now=NOW)
    assert (failed.indication, failed.problems) == ("TOTAL-FAILED", ("digest-mismatch",))
    assert failed.check is None


def test_a_chain_that_passed_before_is_judged_again_at_each_moment() -> None:
    """The same signer checked again (its chain is kept): still by the list's word and the
    certificates' validity at each signature's own moment."""
    kg = make_pki("rsa")
    withdrawn_since = _list(
        kg, Status(GRANTED, NOW - timedelta(hours=20)), Status(WITHDRAWN, NOW - timedelta(hours=1))
    )
    facts = _signed(kg)

    def at(moment: datetime) -> tuple[str, tuple[str, ...]]:
        result = foreign_signature_validate(
            replace(facts, claimed_signing_time=moment), withdrawn_since, now=NOW
        )
        assert result.moment == moment
        return result.indication, result.problems

    assert at(NOW - timedelta(hours=2)) == ("TOTAL-PASSED", ())
    assert at(NOW - timedelta(minutes=30)) == ("INDETERMINATE", ("untrusted",))
    assert at(NOW - timedelta(minutes=90)) == ("TOTAL-PASSED", ())
    assert at(NOW - timedelta(days=2)) == ("INDETERMINATE", ("untrusted", "not-yet-valid"))
