from __future__ import annotations

import pytest

from qyzmet.catalog.services import catalogue_publish
from qyzmet.catalog.validation import catalogue_read
from tests.api.world import World, holdings_build
from tests.catalog import SAMPLE
from tests.conftest import Persona


@pytest.fixture
def world(personas: dict[str, Persona]) -> World:
    """Registry records for citizens A and B (and every other persona logged in), and a
    published catalogue."""
    a, b = personas["citizen_a"].account, personas["citizen_b"].account
    assert a is not None
    assert b is not None
    world = World(a=holdings_build(a, serial=1), b=holdings_build(b, serial=2))
    catalogue_publish(catalogue=catalogue_read(SAMPLE), actor="test-operator")
    return world
