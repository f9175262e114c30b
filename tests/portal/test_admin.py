"""The admin: operators only, registries read-only, no secrets shown, edits audited,
and list pages that neither query per row nor count whole tables."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qyzmet.core import admin as core_admin
from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import AccessToken, Account, Membership, Person
from qyzmet.identity.services import citizen_account_create
from qyzmet.registries import models as m
from tests import factories
from tests.conftest import PASSWORD, Persona
from tests.portal.conftest import Household

pytestmark = pytest.mark.django_db

REGISTRY_MODELS: list[type[Model]] = [
    m.AddressUnit,
    m.PopulationRecord,
    m.FamilyLink,
    m.RealEstateObject,
    m.RealEstateOwnership,
    m.Vehicle,
    m.LegalEntityRecord,
    m.Employment,
    m.Income,
    m.BenefitAward,
    m.RecordVersion,
    m.GenerationRun,
]
IDENTITY_MODELS: list[type[Model]] = [Account, Person, AccessToken]


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _versions_and_runs(n: int) -> None:
    now = timezone.now()
    for i in range(n):
        m.RecordVersion.objects.create(
            registry="vehicles:vehicle", record_id=1000 + i, valid_from=now - timedelta(days=2),
            valid_to=now, data={}, reason="test",
        )  # fmt: skip
        m.GenerationRun.objects.create(seed=i + 100 * n, persons=10, chunk_size=5)


def _more_of_everything(operator: Persona) -> None:
    """A second household: one more row in every registry and identity table."""
    subject = factories.person(surname="Omarov", given_name="Timur")
    citizen_account_create(iin=subject.iin, password=PASSWORD)
    parent = factories.person(surname="Omarova", given_name="Saule", sex="F")
    m.FamilyLink.objects.create(
        person=subject, relative=parent, relation=m.FamilyRelation.PARENT, since=date(1990, 1, 1)
    )
    estate = m.RealEstateObject.objects.create(
        cadastral_number="11-111-111-111", kind=m.PropertyKind.LAND,
        address=factories.address("Shymkent", "Abai", "Shymkent"), area_dm2=100_000,
    )  # fmt: skip
    m.RealEstateOwnership.objects.create(
        estate=estate, owner_person=subject, share_numerator=1, share_denominator=1,
        since=date(2020, 1, 1),
    )  # fmt: skip
    m.Vehicle.objects.create(
        vin="JTDBT923771234567", plate="555KKK17", make="Kia", model="Rio", year=2020,
        owner_organisation=factories.organisation("Omar Logistics"), registered_on=date(2020, 3, 3),
    )  # fmt: skip
    factories.employ(subject, factories.organisation("Shymkent Foods"))
    m.BenefitAward.objects.create(
        person=parent, kind=m.BenefitKind.OLD_AGE_PENSION, monthly_amount=120_000_00,
        since=date(2021, 1, 1),
    )  # fmt: skip
    _versions_and_runs(2)
    assert operator.account is not None
    operator.token("registries:read")


# Who may enter


def test_operator_reaches_the_admin(operator: Persona) -> None:
    response = operator.client.get("/admin/")
    assert response.status_code == 200
    assert "qyzmet" in response.content.decode()


@pytest.mark.parametrize("persona", ["citizen_a", "officer_x", "anonymous"])
def test_everyone_else_is_sent_to_the_portal_login(
    personas: dict[str, Persona], persona: str
) -> None:
    client = personas[persona].client
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"
    assert "Site administration" not in response.content.decode()
    response = client.get(_url(m.PopulationRecord, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_has_no_password_only_login(anonymous: Persona) -> None:
    # Operators must pass the portal's one-time code step; the admin's form would skip it.
    response = anonymous.client.get("/admin/login/?next=/admin/identity/account/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/identity/account/"


# Registries are read-only


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda model: model.__name__)
def test_registry_admin_is_read_only(
    operator: Persona, household: Household, model: type[Model]
) -> None:
    _versions_and_runs(1)
    model_admin = admin.site.get_model_admin(model)
    record = model._default_manager.first()
    assert record is not None
    client = operator.client
    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "change", record.pk)).status_code == 200  # a view page
    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "add"), {}).status_code == 403
    assert client.post(_url(model, "change", record.pk), {}).status_code == 403
    assert client.post(_url(model, "delete", record.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=record.pk).exists()
    request = client.get(_url(model, "changelist")).wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, record)
    assert not model_admin.has_delete_permission(request, record)
    assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.parametrize(
    "model", REGISTRY_MODELS + IDENTITY_MODELS, ids=lambda model: model.__name__
)
def test_list_pages_do_not_query_per_row(
    operator: Persona, household: Household, model: type[Model]
) -> None:
    _versions_and_runs(1)
    operator.token("registries:read")
    url = _url(model, "changelist")
    before = _queries(operator.client, url)
    rows_before = model._default_manager.count()
    _more_of_everything(operator)
    assert model._default_manager.count() > rows_before
    assert _queries(operator.client, url) == before


# Search by identifier


def test_search_finds_a_person_by_exact_iin(
    operator: Persona, citizen_a: Persona, citizen_b: Persona
) -> None:
    assert citizen_a.person is not None
    assert citizen_b.person is not None
    response = operator.client.get(
        _url(m.PopulationRecord, "changelist"), {"q": citizen_a.person.iin}
    )
    page = response.content.decode()
    assert citizen_a.person.iin in page
    assert citizen_b.person.iin not in page
    partial = operator.client.get(
        _url(m.PopulationRecord, "changelist"), {"q": citizen_a.person.iin[:6]}
    )
    assert citizen_a.person.iin not in partial.content.decode()


@pytest.mark.parametrize(
    ("model", "term", "expected"),
    [
        (m.Vehicle, "XTA219010K0123456", "123ABC01"),
        (m.RealEstateObject, "21-320-011-045", "21-320-011-045"),
        (m.RealEstateOwnership, "21-320-011-045", "1/2"),
    ],
)
def test_search_by_identifier(
    operator: Persona, household: Household, model: type[Model], term: str, expected: str
) -> None:
    page = operator.client.get(_url(model, "changelist"), {"q": term}).content.decode()
    assert expected in page
    assert "0 results" not in page


def test_search_with_a_term_that_cannot_be_a_code_finds_nothing(
    operator: Persona, household: Household
) -> None:
    response = operator.client.get(_url(m.AddressUnit, "changelist"), {"q": "not a number"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_vehicle_search_by_owner_iin(operator: Persona, household: Household) -> None:
    person = household.vehicle.owner_person
    assert person is not None
    page = operator.client.get(_url(m.Vehicle, "changelist"), {"q": person.iin}).content.decode()
    assert household.vehicle.vin in page


# Counting big tables


def test_filtered_lists_are_counted_only_up_to_the_cap(
    operator: Persona, citizen_a: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(4):
        factories.person(surname=f"Many{i}", sex="F")
    monkeypatch.setattr(core_admin, "COUNT_CAP", 2)
    response = operator.client.get(_url(m.PopulationRecord, "changelist"), {"sex__exact": "F"})
    assert response.context["cl"].result_count == 3  # "more than two", without counting all


def test_small_unfiltered_lists_are_counted_exactly(
    operator: Persona, household: Household
) -> None:
    response = operator.client.get(_url(m.PopulationRecord, "changelist"))
    assert response.context["cl"].result_count == m.PopulationRecord.objects.count()
    assert response.context["cl"].full_result_count is None  # no second count of the table


# Identity: no secrets, audited edits


def test_account_pages_show_no_password_hash_or_totp_secret(
    officer_x: Persona, operator: Persona
) -> None:
    account = officer_x.account
    assert account is not None
    page = operator.client.get(_url(Account, "change", account.pk)).content.decode()
    assert account.username in page
    assert account.totp_secret not in page
    assert account.password not in page
    assert "argon2" not in page
    assert "Officer of internal-affairs" in page


def test_accounts_are_filtered_by_kind(
    operator: Persona, officer_x: Persona, citizen_a: Persona
) -> None:
    response = operator.client.get(_url(Account, "changelist"), {"kind__exact": "officer"})
    shown = {account.username for account in response.context["cl"].result_list}
    assert shown == {"officer.x"}


def test_access_token_pages_never_show_the_secret_hash(
    citizen_a: Persona, operator: Persona
) -> None:
    citizen_a.token("registries:read")
    token = AccessToken.objects.get(account=citizen_a.account)
    for url in (_url(AccessToken, "changelist"), _url(AccessToken, "change", token.pk)):
        page = operator.client.get(url).content.decode()
        assert token.lookup in page
        assert token.secret_hash not in page


def test_operator_revokes_tokens_through_the_service(citizen_a: Persona, operator: Persona) -> None:
    citizen_a.token("registries:read")
    token = AccessToken.objects.get(account=citizen_a.account)
    response = operator.client.post(
        _url(AccessToken, "changelist"),
        {"action": "revoke", "_selected_action": [token.pk], "index": 0},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="token.revoke", object_id=str(token.public_id)).exists()


def test_account_edits_are_audited_with_the_operator(officer_x: Persona, operator: Persona) -> None:
    account = officer_x.account
    assert account is not None
    assert operator.account is not None
    membership = Membership.objects.get(account=account)
    response = operator.client.post(
        _url(Account, "change", account.pk),
        {
            "display_name": "Renamed officer",
            "email": "",
            "phone": "",
            "preferred_language": "ru",
            "is_active": "on",
            "locked_until_0": "",
            "locked_until_1": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": str(membership.pk),
            "memberships-0-account": str(account.pk),
            "memberships-0-agency": str(membership.agency_id),
            "memberships-0-role": "head",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.display_name == "Renamed officer"
    assert account.kind == "officer"  # kind and rights stay as the service made them
    assert not account.is_staff
    entry = AuditEntry.objects.get(action="account.admin-change")
    assert entry.actor == f"account:{operator.account.public_id}"
    assert entry.object_id == str(account.public_id)
    assert entry.data == {
        "fields": ["display_name", "preferred_language"],
        "inlines": ["memberships"],
    }
    assert Membership.objects.get(pk=membership.pk).role == "head"


def test_accounts_are_neither_added_nor_deleted_in_the_admin(
    officer_x: Persona, operator: Persona
) -> None:
    assert officer_x.account is not None
    assert operator.client.get(_url(Account, "add")).status_code == 403
    delete = _url(Account, "delete", officer_x.account.pk)
    assert operator.client.post(delete, {"post": "yes"}).status_code == 403


def test_audit_trail_is_read_only(operator: Persona, citizen_a: Persona) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert operator.client.get(_url(AuditEntry, "changelist")).status_code == 200
    assert operator.client.get(_url(AuditEntry, "change", entry.pk)).status_code == 200
    assert operator.client.post(_url(AuditEntry, "change", entry.pk), {}).status_code == 403
    assert operator.client.get(_url(AuditEntry, "add")).status_code == 403
