from __future__ import annotations

import pytest

from tests.api.world import World, holdings_build
from tests.conftest import Persona


@pytest.fixture
def world(personas: dict[str, Persona], request: pytest.FixtureRequest) -> World:
    """Registry records for citizens A and B (and every other persona logged in), and a
    published catalogue."""
    a, b = personas["citizen_a"].account, personas["citizen_b"].account
    assert a is not None
    assert b is not None
    # Applications take long to build: only the tests of their endpoints get them, for
    # the subject under test (the others see NO_CASE, an id nobody has).
    callspec = getattr(request.node, "callspec", None)
    endpoint = callspec.params.get("endpoint") if callspec else None
    cases = endpoint is not None and endpoint.template.startswith("/api/v1/cases")
    programmes = endpoint is not None and endpoint.template.startswith("/api/v1/programmes")
    subject = callspec.params.get("subject", "a") if callspec else "a"
    return World(
        a=holdings_build(a, serial=1, with_cases=cases and subject == "a",
                         with_programmes=programmes and subject == "a"),
        b=holdings_build(b, serial=2, with_cases=cases and subject == "b",
                         with_programmes=programmes and subject == "b"),
    )  # fmt: skip
