"""A generated population with payout accounts, the shipped catalogue, rules and
programmes; small chunks and bank files, so that every stage works in several pieces."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from qyzmet.catalog.services import catalogue_publish_shipped
from qyzmet.payments import payouts
from qyzmet.payments.generator import payout_accounts_generate
from qyzmet.programmes import services
from qyzmet.programmes.models import Programme
from qyzmet.registries.generator.run import population_generate

PERSONS = 400
EMERGENCY = "emergency-2020"


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "CHUNK_PERSONS", 60)
    monkeypatch.setattr(payouts, "TRANSFERS_PER_FILE", 25)


@pytest.fixture
def population(db: None, small_pieces: None) -> date:
    """The day the population was generated for (eligibility is decided on it)."""
    population_generate(persons=PERSONS, seed=7)
    payout_accounts_generate(share=0.9, seed=7)
    catalogue_publish_shipped(actor="test")
    services.programmes_load(actor="test")
    return timezone.localdate().replace(day=1)


@pytest.fixture
def emergency(population: date) -> Programme:
    return services.programme_get(EMERGENCY)


# The catalogue and the exchange, and the labour ministry's officer, as the cases tests have.
from tests.cases.conftest import run_tasks  # noqa: E402, F401
