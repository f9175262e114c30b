from __future__ import annotations

import pytest

from tests.api.world import World, holdings_build
from tests.conftest import Persona


@pytest.fixture
def world(personas: dict[str, Persona]) -> World:
    """Registry records for citizens A and B (and every other persona logged in)."""
    a, b = personas["citizen_a"].account, personas["citizen_b"].account
    assert a is not None
    assert b is not None
    return World(a=holdings_build(a, serial=1), b=holdings_build(b, serial=2))
