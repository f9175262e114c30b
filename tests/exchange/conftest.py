from __future__ import annotations

import pytest

from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup
from tests.exchange.world import ExchangeWorld, exchange_world


@pytest.fixture
def world(trust: TrustSetup, agencies: dict[str, Agency]) -> ExchangeWorld:
    return exchange_world(agencies)
