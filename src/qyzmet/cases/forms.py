"""The application form of a service as a portal form: one input per field of the
catalogue's form, in its order, labelled in the reader's language.

The form only parses what the browser sends into the types the form's JSON Schema names
(a number, a yes/no); whether the answers are right is the schema's to say
(``answers_problems``), so the portal, the API and every channel check them the same way.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from qyzmet.catalog.definitions import FieldUi, Form

# What the browser offers for each widget of the catalogue (a phone keyboard with digits
# for an IIN, a date picker for a date); the schema still checks the value.
_INPUT_ATTRS: dict[str, dict[str, str]] = {
    "text": {},
    "date": {"type": "date"},
    "number": {"inputmode": "numeric"},
    "iin": {"inputmode": "numeric", "autocomplete": "off", "maxlength": "12"},
    "bin": {"inputmode": "numeric", "autocomplete": "off", "maxlength": "12"},
    "phone": {"type": "tel", "autocomplete": "tel"},
    "email": {"type": "email", "autocomplete": "email"},
}
_INTEGER = re.compile(r"^-?\d{1,15}$")


def _choices(ui: FieldUi, language: str) -> list[tuple[str, str]]:
    return [(value, words.get(language)) for value, words in (ui.options or {}).items()]


def _field(name: str, ui: FieldUi, language: str) -> forms.Field:
    label, hint = ui.label.get(language), ui.help.get(language) if ui.help else ""
    if ui.widget == "checkbox":
        return forms.BooleanField(label=label, help_text=hint, required=False)
    if ui.widget in ("select", "radio"):
        widget: forms.Widget = forms.RadioSelect() if ui.widget == "radio" else forms.Select()
        choices = _choices(ui, language)
        if ui.widget == "select":
            choices = [("", "—"), *choices]
        return forms.ChoiceField(
            label=label, help_text=hint, required=False, choices=choices, widget=widget
        )
    if ui.widget == "textarea":
        return forms.CharField(
            label=label, help_text=hint, required=False, max_length=10_000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )  # fmt: skip
    attrs = {"spellcheck": "false", **_INPUT_ATTRS.get(ui.widget, {})}
    return forms.CharField(
        label=label, help_text=hint, required=False, max_length=10_000,
        widget=forms.TextInput(attrs=attrs),
    )  # fmt: skip


class AnswersForm(forms.Form):
    """The fields of ``form`` that the applicant fills in (not those a register filled in
    for good), with ``answers`` as they stand."""

    def __init__(
        self,
        form: Form,
        *,
        language: str,
        answers: dict[str, Any],
        fixed: set[str],
        data: Any = None,
        problems: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(data=data, initial=answers)
        self._form = form
        for name, ui in form.ui.items():
            if name not in fixed:
                self.fields[name] = _field(name, ui, language)
        self.problems = {k: v for k, v in (problems or {}).items() if k in self.fields}
        for name in self.problems:
            self.fields[name].widget.attrs["aria-invalid"] = "true"

    def answers(self) -> dict[str, Any]:
        """What was sent, typed as the schema names it; an emptied field is ``None`` (the
        draft forgets it)."""
        answers: dict[str, Any] = {}
        properties = self._form.schema_.get("properties", {})
        for name in self.fields:
            if isinstance(self.fields[name], forms.BooleanField):
                answers[name] = self.data.get(name) in ("on", "true", "1")
                continue
            raw = str(self.data.get(name, "")).strip()
            if not raw:
                answers[name] = None
            elif properties.get(name, {}).get("type") == "integer" and _INTEGER.match(raw):
                answers[name] = int(raw)
            else:
                answers[name] = raw
        return answers
