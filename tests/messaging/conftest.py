from __future__ import annotations

import itertools
import secrets

import pytest

_numbers = itertools.count(1)


@pytest.fixture
def phone() -> str:
    """A number no other test texts (the simulator's outbox lasts the whole session)."""
    return f"+7707{secrets.randbelow(1000):03d}{next(_numbers):04d}"
