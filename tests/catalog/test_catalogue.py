"""Services and life situations as data: the shipped catalogue, errors that name the file,
line and field, and versions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qyzmet.catalog.models import LifeSituationVersion, ServiceVersion
from qyzmet.catalog.selectors import service_definition, services_current, situations_current
from qyzmet.catalog.services import SHIPPED, catalogue_publish
from qyzmet.catalog.validation import CatalogueInvalid, catalogue_read
from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import Agency
from qyzmet.rules.services import rule_publish, rules_publish_shipped
from tests.catalog import SAMPLE
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def test_the_shipped_catalogue_is_valid_and_covers_many_agencies_and_life_events(
    agencies: dict[str, Agency],
) -> None:
    rules_publish_shipped(actor="test")
    catalogue = catalogue_read(SHIPPED)
    assert len(catalogue.services) >= 20
    assert len({s.agency for s in catalogue.services.values()}) >= 6
    assert len(catalogue.situations) >= 5
    for expected in (
        "residence-registration", "birth-registration", "birth-benefit", "kindergarten-queue",
        "marriage-registration", "real-estate-ownership-change", "vehicle-reregistration",
        "sole-trader-registration", "no-criminal-record-certificate", "address-certificate",
        "pension-assignment", "unemployed-status", "id-card-replacement",
        "driving-licence-replacement",
    ):  # fmt: skip
        assert expected in catalogue.services
    birth = catalogue.situations["birth-of-a-child"]
    assert [(s.service, s.after) for s in birth.steps] == [
        ("birth-registration", []),
        ("birth-benefit", ["birth-registration"]),
        ("kindergarten-queue", ["birth-benefit"]),
    ]
    # Every situation spans at least two agencies' services.
    for situation in catalogue.situations.values():
        owners = {catalogue.services[step.service].agency for step in situation.steps}
        assert len(owners) >= 2, situation.code


def test_loading_publishes_versions_once_and_audits_them(agencies: dict[str, Agency]) -> None:
    first = catalogue_publish(catalogue=catalogue_read(SAMPLE), actor="operator")
    assert [(p.code, p.number, p.new) for p in first] == [
        ("sample-appeal", 1, True),
        ("sample-certificate", 1, True),
        ("sample-registration", 1, True),
        ("sample-situation", 1, True),
    ]
    again = catalogue_publish(catalogue=catalogue_read(SAMPLE), actor="operator")
    assert [p.new for p in again] == [False, False, False, False]
    assert AuditEntry.objects.filter(action="catalog.publish").count() == 4

    [certificate] = [v for v in services_current() if v.service.code == "sample-certificate"]
    definition = service_definition(certificate)
    assert definition.fee == 1380_00
    assert certificate.service.agency.code == "internal-affairs"
    assert [v.situation.code for v in situations_current()] == ["sample-situation"]


def test_a_changed_definition_or_rule_is_a_new_version_and_old_ones_stay(
    agencies: dict[str, Agency], tmp_path: Path
) -> None:
    catalogue = tmp_path / "catalogue"
    shutil.copytree(SAMPLE, catalogue)
    path = catalogue / "services" / "sample-certificate.yaml"
    catalogue_publish(catalogue=catalogue_read(catalogue), actor="operator")
    path.write_text(
        path.read_text().replace("deadline_working_days: 2", "deadline_working_days: 4")
    )
    catalogue_publish(catalogue=catalogue_read(catalogue), actor="operator")
    versions = ServiceVersion.objects.filter(service__code="sample-certificate").order_by("number")
    assert [v.definition["deadline_working_days"] for v in versions] == [2, 4]
    assert versions.last() == services_current().get(service__code="sample-certificate")

    # A service is pinned to its rule's version: a new rule version republishes it.
    rule_publish(code="adult", source="alive and age >= 18", actor="operator")
    path.write_text(path.read_text().replace("workflow:\n", WITH_RULE))
    catalogue_publish(catalogue=catalogue_read(catalogue), actor="operator")
    rule_publish(code="adult", source="alive and age >= 21", actor="operator")
    [republished] = [
        p
        for p in catalogue_publish(catalogue=catalogue_read(catalogue), actor="operator")
        if p.code == "sample-certificate"
    ]
    assert (republished.number, republished.new) == (4, True)
    pinned = services_current().get(service__code="sample-certificate").rule_version
    assert pinned is not None
    assert pinned.number == 2


WITH_RULE = """eligibility: adult
workflow:
  - code: eligible
    title: {kk: Құқық, ru: Право, en: Eligibility}
    by: system
    action: check-eligibility
"""

BROKEN = {
    "services/wrong-agency.yaml": (
        "code: wrong-agency\nagency: nowhere\nname: {kk: a, ru: b, en: c}\n"
        "summary: {kk: a, ru: b, en: c}\n"
        "form:\n  schema: {type: object, properties: {x: {type: string}}}\n"
        "  ui:\n    x: {label: {kk: a, ru: b, en: c}}\n"
        "workflow:\n  - {code: a, title: {kk: a, ru: b, en: c}, by: officer}\n"
        "deadline_working_days: 1\n"
    ),
    "services/missing-language.yaml": (
        "code: missing-language\nagency: justice\nname: {kk: a, ru: b}\n"
        "summary: {kk: a, ru: Фамилия, имя, en: c}\n"
        "form:\n  schema: {type: object, properties: {x: {type: object}}}\n  ui: {}\n"
        "prefill:\n  - {field: y, service: population/person, path: address.name_kk}\n"
        "workflow:\n  - {code: a, title: {kk: a, ru: b, en: c}, by: system}\n"
        "deadline_working_days: -1\nfee: 10 USD\n"
    ),
    "services/not-yaml.yaml": "code: not-yaml\n  name: [\n",
    "services/alias.yaml": "code: &c alias\nagency: *c\n",
    "life-situations/circle.yaml": (
        "code: circle\nname: {kk: a, ru: b, en: c}\nsummary: {kk: a, ru: b, en: c}\n"
        "steps:\n  - {service: sample-certificate, after: [sample-registration]}\n"
        "  - {service: sample-registration, after: [sample-certificate]}\n"
        "  - {service: not-yaml}\n"
        "shared_fields: [reason]\n"
    ),
}


def test_every_problem_is_named_by_file_line_and_field_and_nothing_is_published(
    agencies: dict[str, Agency], tmp_path: Path
) -> None:
    catalogue = tmp_path / "catalogue"
    shutil.copytree(SAMPLE, catalogue)
    for name, text in BROKEN.items():
        (catalogue / name).write_text(text)
    with pytest.raises(CatalogueInvalid) as raised:
        catalogue_read(catalogue)
    found = {str(problem) for problem in raised.value.problems}
    expected = {
        "catalogue/services/wrong-agency.yaml:2: agency: no agency 'nowhere'; the agencies are: "
        + ", ".join(sorted(agencies)),
        "catalogue/services/missing-language.yaml:3: name.en: this field is required",
        "catalogue/services/missing-language.yaml:4: summary.имя: a text with a comma inside"
        ' {...} must be quoted: {ru: "Фамилия, имя"}',
        "catalogue/services/missing-language.yaml:12: deadline_working_days: Input should"
        " be greater than or equal to 0",
        "catalogue/services/missing-language.yaml:13: fee: write the fee in tenge with its"
        " currency: 1380 KZT",
        "catalogue/services/not-yaml.yaml:2: mapping values are not allowed here",
        "catalogue/services/alias.yaml:1: anchors and aliases (&, *) are not used in definitions",
        "catalogue/life-situations/circle.yaml:4: steps: steps wait for each other in a circle",
        "catalogue/life-situations/circle.yaml:7: steps.2.service: service 'not-yaml' has"
        " problems of its own (above)",
        "catalogue/life-situations/circle.yaml:8: shared_fields.0: 'reason' is shared, but"
        " fewer than two steps ask for it or produce it",
    }
    assert expected <= found, sorted(found - expected)
    with pytest.raises(CommandError, match=r"^10 problems in 5 files; nothing was published"):
        call_command("catalog_load", str(catalogue))
    assert not ServiceVersion.objects.exists()


def test_a_form_field_prefill_and_workflow_must_agree(
    agencies: dict[str, Agency], tmp_path: Path
) -> None:
    catalogue = tmp_path / "catalogue"
    shutil.copytree(SAMPLE, catalogue)
    path = catalogue / "services" / "sample-certificate.yaml"
    text = path.read_text()
    text = text.replace("path: surname_kk", "path: address.name_kk")
    text = text.replace("      reason: {type: string, enum: [work, study]}",
                        "      reason: {type: string, enum: [work, study, travel]}")  # fmt: skip
    text = text.replace("    action: issue-result", "    action: update-register")
    text = text.replace("template: certificate", "template: no-such-template")
    path.write_text(text)
    with pytest.raises(CatalogueInvalid) as raised:
        catalogue_read(catalogue)
    messages = {(p.line, p.field, p.message) for p in raised.value.problems}
    assert messages == {
        (19, "form.ui.reason.options", "give words in kk, ru and en for each value of the enum"),
        (23, "prefill.0.path", "population/person: address is a list; prefill reads one value"),
        (29, "workflow.1.register", "update-register names the register, and only it"),
        (24, "workflow", "a service with a result issues it in a step, and only then"),
        (37, "result.template", "there is no template documents/results/no-such-template.html"),
    }


def test_the_command_loads_the_shipped_catalogue_with_its_rules(
    agencies: dict[str, Agency], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("catalog_load")
    out = capsys.readouterr().out
    assert "service birth-benefit v1: published" in out
    assert "life situation birth-of-a-child v1: published" in out
    call_command("catalog_load")
    assert capsys.readouterr().out.endswith("0 new versions, 28 unchanged\n")
    call_command("catalog_list", "--language", "kk", "--agency", "education")
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("kindergarten-queue v1 [education] ")


def test_the_api_gives_a_services_form_and_fee(agencies: dict[str, Agency], client: Client) -> None:
    catalogue_publish(catalogue=catalogue_read(SAMPLE), actor="operator")
    body = client.get("/api/v1/catalog/services/sample-certificate").json()
    assert body["fee"] == {"amount": 138000, "currency": "KZT"}
    assert body["form"]["answers"]["required"] == ["reason"]
    assert body["form"]["ui"]["reason"]["options"]["study"]["kk"] == "Оқу"
    assert body["prefill"] == [
        {"field": "surname", "service": "population/person", "path": "surname_kk",
         "editable": False}
    ]  # fmt: skip
    assert body["agency"]["code"] == "internal-affairs"
    listed = client.get("/api/v1/catalog/services", {"agency": "justice"}).json()
    assert [s["code"] for s in listed] == ["sample-registration"]
    missing = client.get("/api/v1/catalog/services/no-such-service")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    registration = client.get("/api/v1/catalog/services/sample-registration").json()
    assert registration["workflow"][0]["register"] == "population-name"
    situation = client.get("/api/v1/catalog/life-situations/sample-situation").json()
    assert situation["shared_fields"] == ["surname"]
    assert client.get("/api/v1/catalog/life-situations/no-such-one").status_code == 404
    assert client.get("/api/v1/catalog/services", {"agency": "Bad Code"}).status_code == 422
    assert client.get("/api/v1/catalog/services", {"agnecy": "justice"}).status_code == 422


@pytest.mark.parametrize(
    "model", [ServiceVersion, LifeSituationVersion], ids=lambda model: model.__name__
)
def test_the_catalogue_admin_is_read_only_and_lists_cheaply(
    operator: Persona, agencies: dict[str, Agency], model: type[Model]
) -> None:
    call_command("catalog_load")
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    with CaptureQueriesContext(connection) as captured:
        assert operator.client.get(reverse(f"{name}_changelist")).status_code == 200
    assert len(captured.captured_queries) <= 12
    row = model._default_manager.order_by("pk").first()
    assert row is not None
    page = operator.client.get(reverse(f"{name}_change", args=[row.pk]))
    assert page.status_code == 200
    model_admin = admin.site.get_model_admin(model)
    assert not model_admin.has_add_permission(page.wsgi_request)
    assert not model_admin.has_change_permission(page.wsgi_request, row)
    assert not model_admin.has_delete_permission(page.wsgi_request, row)


def test_a_prefilled_value_must_fit_its_field(agencies: dict[str, Agency], tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue"
    shutil.copytree(SAMPLE, catalogue)
    path = catalogue / "services" / "sample-certificate.yaml"
    path.write_text(path.read_text().replace("path: surname_kk", "path: birth_date"))
    with pytest.raises(CatalogueInvalid) as raised:
        catalogue_read(catalogue)
    assert [str(p) for p in raised.value.problems] == [
        "catalogue/services/sample-certificate.yaml:23: prefill.0.path: population/person:"
        " birth_date is a date; the field must be {type: string, format: date}"
    ]


_HEAD = (
    "agency: justice\nname: {kk: a, ru: b, en: c}\nsummary: {kk: a, ru: b, en: c}\n"
    "workflow:\n  - {code: a, title: {kk: a, ru: b, en: c}, by: officer}\n"
)
_FORM = "form:\n  schema: {type: object, properties: {%s}}\n  ui: {%s}\n"
_LABEL = "{label: {kk: a, ru: b, en: c}}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_HEAD + "deadline_working_days: 1\n" + _FORM % ("surname: true", ""),
         "form.schema.properties.surname: a field's schema is a mapping"),
        (_HEAD + "deadline_working_days: 2024-13-45\n", "'2024-13-45' cannot be read"),
        ("x: " + "[" * 3000 + "]" * 3000 + "\n", "values are nested too deeply"),
        ("x: " + "9" * 5000 + "\n", "cannot be read"),
        ("x: 123456789012345678901\n", "this number is too large"),
        (_HEAD + "deadline_working_days: 1\n"
         + _FORM % ("x: {type: string, default: !!binary /w==}", f"x: {_LABEL}"),
         "a bytes is not a value a definition holds"),
        (_HEAD + "deadline_working_days: 1\n"
         + _FORM % ("x: {type: integer, maximum: .inf}", f"x: {_LABEL}"),
         "numbers are finite"),
        (_HEAD + 'deadline_working_days: 1\nhelp: {kk: "a\\0", ru: b, en: c}\n',
         "texts cannot hold the NUL character"),
        (_HEAD + "deadline_working_days: 1\nfee: false\n" + _FORM % ("", ""),
         "fee: write the fee in tenge"),
        (_HEAD + "deadline_working_days: 1\nnotes:\n" + _FORM % ("", ""),
         "notes: this field is not part of a definition"),
    ],
    ids=["bool-schema", "bad-date", "deep", "huge-number", "large-number", "binary", "infinity",
         "nul", "fee-false", "empty-unknown-field"],
)  # fmt: skip
def test_odd_input_is_a_problem_with_a_place_never_a_crash(
    agencies: dict[str, Agency], tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "odd.yaml").write_text("code: odd\n" + text)
    with pytest.raises(CatalogueInvalid) as raised:
        catalogue_read(tmp_path)
    assert any(message in str(problem) for problem in raised.value.problems), [
        str(problem) for problem in raised.value.problems
    ]


def test_yes_no_choices_take_their_words(agencies: dict[str, Agency], tmp_path: Path) -> None:
    (tmp_path / "services").mkdir()
    words = "{kk: a, ru: b, en: c}"
    options = f"{{true: {words}, false: {words}}}"
    (tmp_path / "services" / "choice.yaml").write_text(
        "code: choice\n" + _HEAD + "deadline_working_days: 1\n"
        + _FORM % ("x: {type: boolean, enum: [true, false]}",
                   f"x: {{label: {words}, widget: radio, options: {options}}}")
    )  # fmt: skip
    assert list(catalogue_read(tmp_path).services) == ["choice"]
