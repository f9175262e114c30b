"""The notification texts: every template in kk, ru and en, short, and strict about what
they are given."""

from __future__ import annotations

import re

import pytest

from qyzmet.messaging.templates import (
    LANGUAGES,
    TemplateError,
    template_render,
    templates,
    templates_parse,
)

# Realistic values, on the long side, for each placeholder the shipped templates use.
SAMPLES = {
    "number": "KZ-2026-000042",
    "service": "Birth registration",
    "deadline": "01.12.2026",
    "note": "a copy of the lease",
    "reason": "income above limit",
    "amount": "1 476 ₸",
    "situation": "Birth of a child",
    "status": "under review",
    "text": "Application KZ-2026-000042 is under review.",
    "keywords": "STATUS",
    "accept": "1",
    "decline": "0",
    "account": "4242",
}
CASE_TEMPLATES = [
    "case-accepted", "case-info-requested", "case-completed", "case-refused",
    "situation-step-open", "fee-requested", "case-status",
]  # fmt: skip


def test_the_templates_the_cases_app_uses_are_shipped() -> None:
    assert set(CASE_TEMPLATES) <= set(templates())
    assert templates()["case-accepted"].placeholders == {"number", "service", "deadline"}
    assert templates()["case-status"].placeholders == {"number", "service", "status"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(templates()))
def test_every_template_renders_short_in_every_language(code: str, language: str) -> None:
    template = templates()[code]
    context = {name: SAMPLES[name] for name in template.placeholders}
    text = template_render(template=code, language=language, context=context)
    for value in context.values():
        assert value in text
    assert "{" not in text
    assert len(text) <= 140, (len(text), text)


def test_texts_differ_by_language() -> None:
    context = {"number": "1", "service": "s", "deadline": "d"}
    texts = {
        language: template_render(template="case-accepted", language=language, context=context)
        for language in LANGUAGES
    }
    assert texts["en"] == "Application 1 (s) is accepted. Decision due by d."
    assert texts["ru"] == "Заявление 1 (s) принято. Решение до d."
    assert len(set(texts.values())) == 3


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(TemplateError, match="unknown notification template 'case-lost'"):
        template_render(template="case-lost", language="en", context={})


def test_a_missing_placeholder_is_named() -> None:
    with pytest.raises(TemplateError, match=r"lacks \['deadline'\]"):
        template_render(
            template="case-accepted", language="kk", context={"number": "1", "service": "s"}
        )


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(TemplateError, match="no text in language 'de'"):
        template_render(template="case-completed", language="de", context={})


def test_a_context_value_that_is_not_text_is_refused() -> None:
    with pytest.raises(TemplateError, match="must be text"):
        template_render(
            template="case-completed",
            language="en",
            context={"number": 1, "service": "s"},  # type: ignore[dict-item]
        )


def test_values_are_not_formatted_again() -> None:
    text = template_render(
        template="case-completed", language="en", context={"number": "{0}", "service": "{x}"}
    )
    assert text.startswith("Application {0} ({x}) is complete.")


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("a:\n  placeholders: [x]\n  kk: '{x}'\n  ru: '{x}'\n", "no text in 'en'"),
        ("a:\n  placeholders: [x]\n  kk: '{x}'\n  ru: '{y}'\n  en: '{x}'\n", "uses ['y']"),
        ("a:\n  placeholders: [x]\n  kk: '{x}'\n  ru: 'x'\n  en: '{x}'\n", "uses []"),
        ("a:\n  placeholders: [x]\n  kk: '{x!r}'\n  ru: '{x}'\n  en: '{x}'\n", "conversion"),
        ("a:\n  placeholders: [x]\n  kk: '{x'\n  ru: '{x}'\n  en: '{x}'\n", "(kk)"),
        ("a:\n  kk: 'x'\n  ru: 'x'\n  en: 'x'\n", "needs a list of placeholders"),
        ("a:\n  placeholders: []\n  kk: x\n  ru: x\n  en: x\n  de: x\n", "unknown fields"),
    ],
)
def test_a_malformed_templates_file_is_refused(source: str, problem: str) -> None:
    with pytest.raises(TemplateError, match=f"template 'a'.*{re.escape(problem)}"):
        templates_parse(source)
