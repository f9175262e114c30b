"""Damaged files never break verification: whatever the bytes, a report comes back."""

from __future__ import annotations

import random

import pytest

from qyzmet.documents.verification import verify_bytes
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup
from tests.trust.cases import FORMATS, Format, signed_file, signer_identity

MUTATIONS = 80


def _mutate(rng: random.Random, data: bytes) -> bytes:
    """Random bytes changed, a cut, a repeated run or a deleted run: damage as seen in the wild."""
    damaged = bytearray(data)
    operation = rng.randrange(5)
    if operation == 0:
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    elif operation == 1:
        del damaged[rng.randrange(len(damaged)) :]
    elif operation in (2, 3):
        start, end = sorted(rng.sample(range(len(damaged)), 2))
        if operation == 2:
            damaged[start:start] = damaged[start:end]
        else:
            del damaged[start:end]
    else:
        damaged[rng.randrange(len(damaged))] = ord(rng.choice('0123456789<>"/=AZaz{}[],:'))
    return bytes(damaged)


@pytest.mark.parametrize("kind", FORMATS)
def test_damaged_files_get_a_report_not_an_error(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format
) -> None:
    data, content = signed_file(kind, signer_identity("good", agencies["internal-affairs"]))
    rng = random.Random(f"qyzmet-{kind}")  # the same damage on every run

    for _ in range(MUTATIONS):
        damaged = _mutate(rng, data)
        report = verify_bytes(damaged, content=content)
        if damaged != data:
            assert report.problems or report.signatures  # something was said about it
