"""Reading a catalogue directory and checking it against the rest of the platform.

A catalogue directory holds ``services/*.yaml`` and ``life-situations/*.yaml``, one
definition a file, named by its code. Every problem in every file is reported at once,
as ``FILE:LINE: FIELD: what is wrong``, and nothing is published while any remains.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ValidationError

from qyzmet.catalog.definitions import (
    LifeSituationDefinition,
    ServiceDefinition,
    produced_fields,
)
from qyzmet.catalog.yamlfile import Document, YamlError, yaml_read
from qyzmet.exchange.providers import BY_ROUTE, LocalService
from qyzmet.identity.models import Agency
from qyzmet.rules.models import RuleVersion

M = TypeVar("M", bound=BaseModel)
SERVICES, SITUATIONS = "services", "life-situations"
FIELD_TYPES = ("string", "integer", "boolean")
CHOICE_WIDGETS = ("select", "radio")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class CatalogueInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Catalogue:
    """Checked definitions, ready to publish, with the rule version each service uses."""

    services: dict[str, ServiceDefinition]
    situations: dict[str, LifeSituationDefinition]
    rule_versions: dict[str, RuleVersion]
    files: dict[str, str] = field(default_factory=dict)  # code -> file it came from


def catalogue_read(directory: Path) -> Catalogue:
    """Read and check every definition under ``directory``; :class:`CatalogueInvalid`
    lists every problem found."""
    reader = _Reader(directory)
    services = dict(reader.definitions(SERVICES, ServiceDefinition))
    situations = dict(reader.definitions(SITUATIONS, LifeSituationDefinition))
    if not services and not situations and not reader.problems:
        reader.problems.append(
            Problem(str(directory), None, "", f"no definitions in {SERVICES}/ or {SITUATIONS}/")
        )
    rule_versions = reader.check_services(services)
    reader.check_situations(situations, services)
    if reader.problems:
        raise CatalogueInvalid(reader.problems)
    return Catalogue(
        {code: definition for code, (definition, _) in services.items()},
        {code: definition for code, (definition, _) in situations.items()},
        rule_versions,
        reader.files,
    )


def definition_files_read(
    directory: Path, folder: str, model: type[M], problems: list[Problem]
) -> dict[str, tuple[M, Where]]:
    """Every definition in ``directory/folder`` checked against ``model`` on its own, by
    code; what is wrong is added to ``problems`` (for definitions other apps keep)."""
    reader = _Reader(directory)
    found = dict(reader.definitions(folder, model))
    problems += reader.problems
    return found


class _Reader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[Problem] = []
        self.files: dict[str, str] = {}
        self.unreadable: set[str] = set()  # codes (file names) of files with problems

    def definitions(self, folder: str, model: type[M]) -> Iterator[tuple[str, tuple[M, Where]]]:
        for path in sorted((self.directory / folder).glob("*.y*ml")):
            name = str(path.relative_to(self.directory.parent))
            self.unreadable.add(path.stem)
            try:
                document = yaml_read(path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError) as error:
                self.problems.append(Problem(name, None, "", f"cannot read: {error}"))
                continue
            except YamlError as error:
                self.problems.append(Problem(name, error.line, "", error.message))
                continue
            where = Where(name, document, self.problems)
            try:
                definition = model.model_validate(document.data)
            except ValidationError as error:
                for detail in error.errors():
                    where.problem(detail["loc"], _pydantic_message(detail))
                continue
            code = str(getattr(definition, "code", ""))
            if code != path.stem:
                where.problem(("code",), f"the file of {code!r} must be named {code}{path.suffix}")
                continue
            self.files[code] = name
            self.unreadable.discard(code)
            yield code, (definition, where)

    def check_services(
        self, services: dict[str, tuple[ServiceDefinition, Where]]
    ) -> dict[str, RuleVersion]:
        agencies = set(Agency.objects.values_list("code", flat=True))
        rule_versions: dict[str, RuleVersion] = {}
        for definition, where in services.values():
            _ServiceCheck(definition, where, agencies, rule_versions).run()
        return rule_versions

    def check_situations(
        self,
        situations: dict[str, tuple[LifeSituationDefinition, Where]],
        services: dict[str, tuple[ServiceDefinition, Where]],
    ) -> None:
        from qyzmet.catalog.selectors import service_definition_latest

        for definition, where in situations.values():
            forms: dict[str, dict[str, Any]] = {}
            produced: set[str] = set()  # by a step's register update (a newborn's IIN)
            codes = [step.service for step in definition.steps]
            for index, step in enumerate(definition.steps):
                loaded = services.get(step.service)
                known = loaded[0] if loaded else service_definition_latest(step.service)
                if known is None:
                    unreadable = step.service in self.unreadable
                    where.problem(
                        ("steps", index, "service"),
                        f"service {step.service!r} has problems of its own (above)"
                        if unreadable
                        else f"no service {step.service!r}",
                    )
                    continue
                properties = known.form.schema_.get("properties")
                forms[step.service] = properties if isinstance(properties, dict) else {}
                produced |= produced_fields(known)
                if codes.count(step.service) > 1:
                    where.problem(("steps", index, "service"), "a service is one step only")
                for after_index, after in enumerate(step.after):
                    if after not in codes or after == step.service:
                        where.problem(
                            ("steps", index, "after", after_index),
                            f"{after!r} is not another step of this life situation",
                        )
            if _has_cycle({s.service: s.after for s in definition.steps}):
                where.problem(("steps",), "steps wait for each other in a circle")
            for index, name in enumerate(definition.shared_fields):
                schemas = [form[name] for form in forms.values() if name in form]
                if len(schemas) + (name in produced) < 2:
                    where.problem(
                        ("shared_fields", index),
                        f"{name!r} is shared, but fewer than two steps ask for it or produce it",
                    )
                elif any(schema != schemas[0] for schema in schemas):
                    where.problem(
                        ("shared_fields", index),
                        f"{name!r} is asked with different rules in different forms",
                    )


@dataclass
class Where:
    """One file's problems, placed at the line of the field they are about."""

    file: str
    document: Document
    problems: list[Problem]

    def problem(self, path: tuple[Any, ...], message: str) -> None:
        field_path = ".".join(str(part) for part in path)
        self.problems.append(
            Problem(self.file, self.document.line_of(tuple(path)), field_path, message)
        )


def _pydantic_message(detail: Any) -> str:
    message = str(detail["msg"])
    if detail["type"] == "extra_forbidden":
        # {ru: Фамилия, имя}: a comma in a text made a key with no value.
        if detail.get("input", "") is None and _in_texts(detail["loc"]):
            return 'a text with a comma inside {...} must be quoted: {ru: "Фамилия, имя"}'
        return "this field is not part of a definition (check its spelling)"
    if detail["type"] == "missing":
        return "this field is required"
    if detail["type"] == "string_pattern_mismatch":
        return "write a code in small Latin letters, digits and dashes: birth-benefit"
    return message.removeprefix("Value error, ")


TEXT_FIELDS = ("name", "summary", "help", "label", "title", "statement")


def _in_texts(location: tuple[Any, ...]) -> bool:
    parent, grandparent = (location[-2:-1] or ("",))[0], (location[-3:-2] or ("",))[0]
    return parent in TEXT_FIELDS or grandparent == "options"


def _key_text(value: Any) -> str:
    """An enum value as YAML writes it as an options key (true, not True)."""
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def _has_cycle(after: dict[str, list[str]]) -> bool:
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(code: str) -> bool:
        if code in done:
            return False
        if code in visiting:
            return True
        visiting.add(code)
        cycle = any(visit(other) for other in after.get(code, []) if other in after)
        visiting.discard(code)
        done.add(code)
        return cycle

    return any(visit(code) for code in after)


class _ServiceCheck:
    """What a service definition must agree with: agencies, rules, the exchange, the
    document templates, and itself (form, prefill and workflow)."""

    def __init__(
        self,
        definition: ServiceDefinition,
        where: Where,
        agencies: set[str],
        rule_versions: dict[str, RuleVersion],
    ) -> None:
        self.definition, self.where = definition, where
        self.agencies, self.rule_versions = agencies, rule_versions
        self.properties: dict[str, Any] = {}
        self.form_read = False  # the form's properties could be read (to check prefill)

    def run(self) -> None:
        d = self.definition
        if d.agency not in self.agencies:
            self.agency_unknown(("agency",), d.agency)
        if d.eligibility is not None:
            version = (
                RuleVersion.objects.select_related("rule")
                .filter(rule__code=d.eligibility)
                .order_by("-number")
                .first()
            )
            if version is None:
                self.where.problem(
                    ("eligibility",),
                    f"rule {d.eligibility!r} is not published (qyzmet rules publish FILE)",
                )
            else:
                self.rule_versions[d.code] = version
        self.form()
        self.prefill()
        self.workflow()
        self.result()

    def agency_unknown(self, path: tuple[Any, ...], code: str) -> None:
        known = ", ".join(sorted(self.agencies))
        self.where.problem(path, f"no agency {code!r}; the agencies are: {known}")

    def form(self) -> None:
        schema, ui = self.definition.form.schema_, self.definition.form.ui
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            path = ("form", "schema", *error.path)
            self.where.problem(path, f"not a valid JSON Schema: {error.message}")
            return
        if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
            self.where.problem(("form", "schema"), "a form is an object with properties")
            return
        self.properties = dict(schema["properties"])
        self.form_read = True
        for name, prop in schema["properties"].items():
            path = ("form", "schema", "properties", name)
            if not isinstance(prop, dict):
                self.where.problem(path, "a field's schema is a mapping: {type: string}")
                self.properties[name] = {}
                continue
            if prop.get("type") not in FIELD_TYPES:
                self.where.problem(
                    path, f"a field is one of {', '.join(FIELD_TYPES)} (forms are flat)"
                )
            if name not in ui:
                self.where.problem(path, f"{name!r} has no label: add it under form.ui")
        for name, hints in ui.items():
            path = ("form", "ui", name)
            prop = self.properties.get(name)
            if prop is None:
                self.where.problem(path, f"{name!r} is not a property of form.schema")
                continue
            choices = prop.get("enum")
            if hints.widget in CHOICE_WIDGETS and not choices:
                self.where.problem(path, f"a {hints.widget} needs an enum of values in the schema")
            if choices and set(hints.options or {}) != {_key_text(c) for c in choices}:
                self.where.problem(
                    (*path, "options"), "give words in kk, ru and en for each value of the enum"
                )
        for index, name in enumerate(schema.get("required", [])):
            if name not in self.properties:
                self.where.problem(
                    ("form", "schema", "required", index), f"{name!r} is not a property"
                )

    def prefill(self) -> None:
        filled: set[str] = set()
        key = "iin" if self.definition.applicant == "person" else "bin"
        for index, prefill in enumerate(self.definition.prefill):
            path = ("prefill", index)
            if self.form_read and prefill.field not in self.properties:
                self.where.problem((*path, "field"), f"{prefill.field!r} is not a form field")
            if prefill.field in filled:
                self.where.problem((*path, "field"), f"{prefill.field!r} is filled twice")
            filled.add(prefill.field)
            registry, _, code = prefill.service.partition("/")
            service = BY_ROUTE.get((registry, code))
            if service is None:
                known = ", ".join(f"{r}/{c}" for r, c in BY_ROUTE)
                self.where.problem(
                    (*path, "service"), f"the exchange has no service {prefill.service!r}: {known}"
                )
                continue
            if service.key != key:
                self.where.problem(
                    (*path, "service"), f"{prefill.service} is asked by {service.key.upper()}"
                )
            problem = _path_problem(service, prefill.path, self.properties.get(prefill.field, {}))
            if problem:
                self.where.problem((*path, "path"), problem)

    def workflow(self) -> None:
        d = self.definition
        seen: set[str] = set()
        actions = [step.action for step in d.workflow]
        for index, step in enumerate(d.workflow):
            path = ("workflow", index)
            if step.code in seen:
                self.where.problem((*path, "code"), f"two steps are called {step.code!r}")
            seen.add(step.code)
            if step.by == "officer":
                for extra, value in (("action", step.action), ("register", step.register_)):
                    if value is not None:
                        self.where.problem((*path, extra), "only system steps have this")
            elif step.action is None:
                self.where.problem((*path, "action"), "a system step says what it does")
            elif step.role is not None or step.agency is not None:
                self.where.problem(path, "role and agency are for officer steps")
            if (step.action == "update-register") != (step.register_ is not None):
                self.where.problem(
                    (*path, "register"), "update-register names the register, and only it"
                )
            if step.action == "check-eligibility" and d.eligibility is None:
                self.where.problem((*path, "action"), "the service has no eligibility rule")
            if step.agency is not None and step.agency not in self.agencies:
                self.agency_unknown((*path, "agency"), step.agency)
        if d.eligibility is not None and "check-eligibility" not in actions:
            self.where.problem(("workflow",), "no step checks the eligibility rule")
        if (d.result is not None) != ("issue-result" in actions):
            self.where.problem(
                ("workflow",), "a service with a result issues it in a step, and only then"
            )

    def result(self) -> None:
        result = self.definition.result
        if result is None or result.format == "json":
            return
        name = result.template or result.kind
        template = f"documents/results/{name}.{'xml' if result.format == 'xml' else 'html'}"
        try:
            get_template(template)
        except TemplateDoesNotExist:
            field = "template" if result.template else "kind"
            self.where.problem(("result", field), f"there is no template {template}")


def _path_problem(service: LocalService, path: str, prop: dict[str, Any]) -> str:
    """Why ``path`` (``registered_address.text``) does not lead to a value in the
    service's answer that fits the form property ``prop``, or ''."""
    name = f"{service.registry}/{service.code}"
    model: Any = service.answer
    walked: list[str] = []
    for part in path.split("."):
        if get_origin(model) is list:
            where = ".".join(walked) or "its answer"
            return f"{name}: {where} is a list; prefill reads one value"
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return f"{name}: {'.'.join(walked)} is a value, with no fields"
        if part not in fields:
            return f"{name} has no {part!r} here; it has: {', '.join(fields)}"
        walked.append(part)
        model = fields[part].annotation
        if get_origin(model) in (Union, UnionType):  # "X | None": the X
            model = next(arg for arg in get_args(model) if arg is not type(None))
    if get_origin(model) is list or getattr(model, "model_fields", None) is not None:
        return f"{name}: {path} is not one value: name one of its fields"
    wanted = _PREFILLED_AS.get(model)
    if prop and wanted is not None and {k: prop.get(k) for k in wanted} != wanted:
        shown = ", ".join(f"{k}: {v}" for k, v in wanted.items())
        return f"{name}: {path} is a {model.__name__}; the field must be {{{shown}}}"
    return ""


# What a form field must be to take a value of this type from a registry's answer.
_PREFILLED_AS: dict[Any, dict[str, str]] = {
    str: {"type": "string"},
    date: {"type": "string", "format": "date"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
}
