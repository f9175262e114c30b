"""Operators browse rule versions and decisions in the admin, read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qyzmet.rules.models import Decision, RuleVersion
from qyzmet.rules.services import decision_make, rule_publish
from qyzmet.rules.sources import RegistrySource
from tests.conftest import Persona
from tests.rules.conftest import ON, Family


@pytest.mark.parametrize("model", [RuleVersion, Decision], ids=lambda model: model.__name__)
def test_rules_admin_is_read_only_and_lists_cheaply(
    family: Family, operator: Persona, model: type[Model]
) -> None:
    for number in range(3):
        version = rule_publish(code="adults", source=f"age >= {18 + number}", actor="analyst")
        for person in (family.mother, family.teenager):
            decision_make(
                version=version, iin=person.iin, on=ON, source=RegistrySource(), actor="officer"
            )
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    with CaptureQueriesContext(connection) as captured:
        assert operator.client.get(reverse(f"{name}_changelist")).status_code == 200
    assert len(captured.captured_queries) <= 12
    row = model._default_manager.order_by("pk").first()
    assert row is not None
    page = operator.client.get(reverse(f"{name}_change", args=[row.pk]))
    assert page.status_code == 200
    assert b"1990-02-03" not in page.content  # the kept facts are not shown
    model_admin = admin.site.get_model_admin(model)
    assert not model_admin.has_add_permission(page.wsgi_request)
    assert not model_admin.has_change_permission(page.wsgi_request, row)
    assert not model_admin.has_delete_permission(page.wsgi_request, row)
