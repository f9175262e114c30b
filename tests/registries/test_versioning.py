from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from qyzmet.registries.models import PopulationRecord
from qyzmet.registries.versioning import record_as_of, record_history, record_revise
from tests import factories

pytestmark = pytest.mark.django_db


def test_revision_keeps_the_earlier_version_and_answers_as_of() -> None:
    subject = factories.person(surname="Omarov")
    record = PopulationRecord.objects.get(person=subject)
    before = timezone.now()
    revised = record_revise(
        record=record,
        changes={"surname_lat": "Omarov-Ali", "death_date": date(2026, 1, 2)},
        reason="court decision 12",
        actor="system",
    )
    assert revised.surname_lat == "Omarov-Ali"
    history = record_history(revised)
    assert [v.data["surname_lat"] for v in history] == ["Omarov"]
    assert history[0].reason == "court decision 12"
    earlier = record_as_of(revised, before)
    assert earlier is not None
    assert (earlier["surname_lat"], earlier["death_date"]) == ("Omarov", None)
    now = record_as_of(revised, timezone.now())
    assert now is not None
    assert now["surname_lat"] == "Omarov-Ali"
    assert record_as_of(revised, record.valid_from - timedelta(days=1)) is None


def test_unknown_or_unversioned_fields_are_refused() -> None:
    record = PopulationRecord.objects.get(person=factories.person())
    with pytest.raises(ValueError, match="not versioned"):
        record_revise(record=record, changes={"valid_from": None}, reason="x", actor="system")
    with pytest.raises(ValueError, match="not versioned"):
        record_revise(record=record, changes={"nickname": "x"}, reason="x", actor="system")
