"""Notification texts: ``templates.yaml``, every template in kk, ru and en.

A template names its placeholders; each of its texts must use exactly those. Rendering
refuses an unknown template and a missing context value, so a caller's mistake shows
when it queues the notification, not as a half-filled SMS.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from qyzmet.messaging.models import Language

TEMPLATES_FILE = Path(__file__).resolve().parent / "templates.yaml"
LANGUAGES = tuple(Language.values)


class TemplateError(ValueError):
    """A template that does not exist, is malformed, or was given the wrong context."""


@dataclass(frozen=True)
class Template:
    code: str
    placeholders: frozenset[str]
    texts: dict[str, str]  # by language


def _fields(text: str) -> set[str]:
    """The placeholders of ``text``; a conversion or format spec ("{x!r}", "{x:>5}") is
    refused, as text only ever replaces a placeholder."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"{{{name}}} may not carry a conversion or format")
        names.add(name)
    return names


def templates_parse(source: str) -> dict[str, Template]:
    """Read and check a templates file: every text in every language, each using exactly
    the placeholders its template declares (plain names, no formatting)."""
    data = yaml.safe_load(source)
    if not isinstance(data, dict):
        raise TemplateError("the templates file must map template codes to templates")
    templates = {}
    for code, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("placeholders"), list):
            raise TemplateError(f"template {code!r}: needs a list of placeholders")
        placeholders = frozenset(str(name) for name in entry["placeholders"])
        texts = {}
        for language in LANGUAGES:
            text = entry.get(language)
            if not isinstance(text, str) or not text.strip():
                raise TemplateError(f"template {code!r}: no text in {language!r}")
            try:
                used = _fields(text)
            except ValueError as error:
                raise TemplateError(f"template {code!r} ({language}): {error}") from None
            if used != placeholders or any(not name.isidentifier() for name in used):
                raise TemplateError(
                    f"template {code!r} ({language}) uses {sorted(used)}, "
                    f"but declares {sorted(placeholders)}"
                )
            texts[language] = text
        unknown = set(entry) - {"placeholders", *LANGUAGES}
        if unknown:
            raise TemplateError(f"template {code!r}: unknown fields {sorted(unknown)}")
        templates[str(code)] = Template(str(code), placeholders, texts)
    return templates


@functools.cache
def templates() -> dict[str, Template]:
    """The shipped templates, read once per process."""
    return templates_parse(TEMPLATES_FILE.read_text(encoding="utf-8"))


def template_render(*, template: str, language: str, context: dict[str, str]) -> str:
    """The text of ``template`` in ``language`` with ``context`` filled in."""
    found = templates().get(template)
    if found is None:
        raise TemplateError(f"unknown notification template {template!r}")
    if language not in found.texts:
        raise TemplateError(f"template {template!r} has no text in language {language!r}")
    missing = found.placeholders - set(context)
    if missing:
        raise TemplateError(
            f"template {template!r} needs {sorted(found.placeholders)}; "
            f"the context lacks {sorted(missing)}"
        )
    values = {name: context[name] for name in found.placeholders}
    if not all(isinstance(value, str) for value in values.values()):
        raise TemplateError(f"template {template!r}: context values must be text")
    return found.texts[language].format_map(values)
