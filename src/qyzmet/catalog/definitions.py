"""The shape of a service and of a life situation, as an agency writes them in YAML.

These models check each field on its own (types, required texts in kk, ru and en, codes
written as slugs); ``validation.py`` then checks what needs the rest of the platform: the
agency, the eligibility rule, the exchange services a form is prefilled from, the result
document's template. docs/services.md describes every field with a worked example.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$", max_length=60)]
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
MAX_STEPS = 30  # a workflow or a life situation longer than this is two of them
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"  # an identifier; nothing is fetched
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(Strict):
    """One text in each of the platform's languages; none may be left out."""

    kk: Text
    ru: Text
    en: Text

    def get(self, language: str) -> str:
        return str(getattr(self, language, self.en))


WIDGETS = (
    "text", "textarea", "date", "number", "select", "radio", "checkbox",
    "iin", "bin", "phone", "email",
)  # fmt: skip


class FieldUi(Strict):
    """How a form field is shown: its label and help, the kind of input, and the words
    for each allowed value of a choice."""

    label: Texts
    help: Texts | None = None
    widget: Literal[WIDGETS] = "text"  # type: ignore[valid-type]
    options: dict[str, Texts] | None = None


class Form(Strict):
    """The application form: a JSON Schema (draft 2020-12) of one flat object, and a UI
    hint for every property, in the order the form shows them."""

    schema_: dict[str, Any] = Field(alias="schema")
    ui: dict[FieldName, FieldUi]
    # The order of ``ui``, written down when the definition is read from YAML: PostgreSQL's
    # jsonb, where published versions are kept, does not keep the order of an object's keys.
    order: list[FieldName] = []

    @model_validator(mode="before")
    @classmethod
    def _in_order(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("ui"), dict):
            return data
        ui, order = data["ui"], data.get("order") or list(data["ui"])
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(ui):
            raise ValueError("order names every field of ui once")
        return {**data, "ui": {name: ui[name] for name in order}, "order": order}

    def answers_schema(self) -> dict[str, Any]:
        """The JSON Schema an application's answers must satisfy: the form's schema,
        closed to fields it does not name."""
        return {"$schema": JSON_SCHEMA, **self.schema_, "additionalProperties": False}


class Prefill(Strict):
    """A form field filled in from another agency's registry through the exchange, so the
    applicant does not type what the state already knows."""

    field: FieldName
    service: str  # REGISTRY/SERVICE, as the exchange publishes it: population/person
    path: str  # where in its answer: registered_address.text
    editable: bool = False  # may the applicant change the value


OfficerRoleCode = Literal["clerk", "reviewer", "registrar", "head"]

# What the platform does by itself in a system step (the cases app carries each out).
SYSTEM_ACTIONS = ("check-eligibility", "update-register", "issue-result", "notify-agency")
# Registers a system step may update, by the record it writes.
REGISTER_UPDATES = (
    "population-address", "population-birth", "population-death", "population-name",
    "population-document", "families-marriage", "real-estate-ownership",
    "vehicles-registration", "driving-licences", "legal-entities-sole-trader",
    "benefits-award", "employment-unemployed-status", "education-kindergarten-queue",
    "education-school-place", "justice-criminal-records-query",
)  # fmt: skip

# What a register update gives back that later steps of a life situation may reuse.
REGISTER_PRODUCES: dict[str, tuple[str, ...]] = {"population-birth": ("child_iin",)}


class Step(Strict):
    """One step of the workflow, done by an officer of the owning agency or by the system.

    An officer approves the step (the case moves on), refuses the application with a
    reason, or asks the applicant for more (the deadline clock stops until they answer).
    """

    code: Code
    title: Texts
    by: Literal["officer", "system"]
    role: OfficerRoleCode | None = None  # officer steps: who may do it
    action: Literal[SYSTEM_ACTIONS] | None = None  # type: ignore[valid-type]
    register_: Literal[REGISTER_UPDATES] | None = Field(None, alias="register")  # type: ignore[valid-type]
    agency: str | None = None  # another agency's officers do this step (default: the owner)


class Result(Strict):
    """The signed document the applicant receives when the service is done."""

    kind: Code  # what the document is: birth-certificate
    # Its template, documents/results/<template>.html (.xml for XML); the default is the
    # kind. "certificate" lays out a statement and a table of facts, which fits most.
    template: Code | None = None
    format: Literal["pdf", "xml", "json"] = "pdf"
    title: Texts
    statement: Texts | None = None  # the sentence above the facts: "... is registered."


_MONEY = re.compile(r"^(?P<amount>\d[\d_ ]*(?:\.\d{1,2})?) ?(?:KZT|₸)$")


def money_tiyn(value: Any, *, field: str = "amount", example: str = "1380 KZT") -> int:
    """Tiyn from an amount written in tenge with its currency ("42 500 KZT", "1380.00 ₸");
    a ValueError that shows how to write it otherwise."""
    match = _MONEY.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"write the {field} in tenge with its currency: {example}")
    return int(Decimal(match["amount"].replace("_", "").replace(" ", "")) * 100)


class ServiceDefinition(Strict):
    """A public service as its agency publishes it."""

    code: Code
    agency: str
    name: Texts
    summary: Texts
    help: Texts | None = None
    applicant: Literal["person", "organisation"] = "person"
    # platform: opened only by the platform for a person (an appeal against a programme's
    # refusal, from that refusal), never started from the catalogue.
    opened_by: Literal["applicant", "platform"] = "applicant"
    eligibility: Code | None = None  # a published rule's code
    form: Form
    prefill: list[Prefill] = []
    workflow: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    deadline_working_days: int = Field(ge=0, le=180)
    fee: int = Field(0, ge=0, le=10**12)  # in tiyn; written as "1 380 KZT" or "1380.00 ₸"
    result: Result | None = None

    @field_validator("fee", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        if type(value) is int and value == 0:
            return 0
        example = "1380 KZT" if isinstance(value, str) else "1380 KZT, or 0"
        return money_tiyn(value, field="fee", example=example)

    @field_serializer("fee")
    def _money_text(self, fee: int) -> str | int:
        """Kept as written, so a stored definition reads back the same."""
        return f"{fee // 100}.{fee % 100:02d} KZT" if fee else 0


def produced_fields(definition: ServiceDefinition) -> set[str]:
    """The answers a service's register updates produce (a newborn's IIN, say)."""
    return {
        name
        for step in definition.workflow
        if step.register_ is not None
        for name in REGISTER_PRODUCES.get(step.register_, ())
    }


class SituationStep(Strict):
    """A service in a life situation, and the services that must be completed first."""

    service: Code
    after: list[Code] = []
    optional: bool = False


class LifeSituationDefinition(Strict):
    """Several agencies' services bundled around what happened in a person's life."""

    code: Code
    name: Texts
    summary: Texts
    help: Texts | None = None
    steps: list[SituationStep] = Field(min_length=2, max_length=MAX_STEPS)
    # Form fields asked once and reused in every step whose service has them.
    shared_fields: list[FieldName] = []
