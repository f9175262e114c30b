"""An application's answers against its service's form: what is wrong, in the applicant's
language, field by field, with the field's own label."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from qyzmet.catalog.definitions import Form


@dataclass(frozen=True)
class FieldProblem:
    field: str  # "" for the form as a whole
    message: str

    def as_error(self) -> dict[str, str]:
        """As an item of a problem+json ``errors`` list."""
        return {"pointer": f"/answers/{self.field}" if self.field else "/answers",
                "detail": self.message}  # fmt: skip


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())


def answers_problems(form: Form, answers: dict[str, Any], language: str) -> list[FieldProblem]:
    """Every way ``answers`` fails the form, in form order; empty when they satisfy it."""
    order = {name: index for index, name in enumerate(form.ui)}
    with translation.override(language):
        problems = [
            _problem(form, error, language)
            for error in _validator(json.dumps(form.answers_schema(), sort_keys=True)).iter_errors(
                answers
            )
        ]
    return sorted(problems, key=lambda p: (order.get(p.field, len(order)), p.message))


def _keys(instance: object) -> list[str]:
    return [str(key) for key in instance] if isinstance(instance, dict) else []


def _label(form: Form, field: str, language: str) -> str:
    ui = form.ui.get(field)
    return ui.label.get(language) if ui else field


def _problem(form: Form, error: ValidationError, language: str) -> FieldProblem:
    field = str(error.path[0]) if error.path else ""
    kind = error.validator
    if kind == "required":
        field = str(error.message.split("'")[1])
        return FieldProblem(
            field, _("%(label)s: please fill this in.") % {"label": _label(form, field, language)}
        )
    if kind == "additionalProperties":
        return FieldProblem("", _("The form has no field named like this: %(names)s.") % {
            "names": ", ".join(sorted(set(_keys(error.instance)) - set(form.ui)))})  # fmt: skip
    label = _label(form, field, language)
    limit = error.validator_value
    texts = {
        "type": _("%(label)s: the value is not of the right kind."),
        "minLength": _("%(label)s: write at least %(limit)s characters."),
        "maxLength": _("%(label)s: write at most %(limit)s characters."),
        "pattern": _("%(label)s: the value is not written the expected way."),
        "enum": _("%(label)s: choose one of the offered values."),
        "format": _("%(label)s: write a date as YYYY-MM-DD."),
        "minimum": _("%(label)s: the value must be at least %(limit)s."),
        "maximum": _("%(label)s: the value must be at most %(limit)s."),
    }
    text = texts.get(str(kind), _("%(label)s: the value is not accepted."))
    return FieldProblem(field, text % {"label": label, "limit": limit})
