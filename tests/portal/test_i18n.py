"""Languages: the switch, the html lang attribute, error pages, and complete catalogues."""

from __future__ import annotations

import ast
import gettext
import html
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation
from pytest_django import DjangoAssertNumQueries, Settings

import qyzmet
from qyzmet.portal import views
from tests.conftest import PASSWORD, Persona

LOCALE = Path(qyzmet.__file__).parent / "locale"

HEADINGS = {
    "kk": "Мемлекеттік қызметтер онлайн, бір жерде",
    "ru": "Государственные услуги онлайн, в одном месте",
    "en": "Public services online, in one place",
}


def _text(content: bytes) -> str:
    return html.unescape(content.decode())


@pytest.mark.django_db
def test_default_language_is_kazakh() -> None:
    response = Client().get("/")
    page = _text(response.content)
    assert '<html lang="kk">' in page
    assert HEADINGS["kk"] in page
    assert response["Content-Language"] == "kk"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_language_switch_changes_the_page_language(language: str) -> None:
    client = Client()
    page = _text(client.get("/").content)
    # The switch is a plain form: it works without JavaScript.
    assert 'action="/i18n/setlang/"' in page
    assert f'name="language" value="{language}"' in page

    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language

    page = _text(client.get("/").content)
    assert f'<html lang="{language}">' in page
    assert f"<h1>{HEADINGS[language]}</h1>" in page
    assert f'value="{language}" lang="{language}" aria-current="true"' in page
    for other, heading in HEADINGS.items():
        if other != language:
            assert heading not in page


@pytest.mark.django_db
def test_the_chosen_language_is_remembered_across_login(citizen_a: Persona) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert citizen_a.account is not None
    client.post("/login/", {"username": citizen_a.account.username, "password": PASSWORD})
    page = _text(client.get("/my-data/").content)
    assert '<html lang="ru">' in page
    assert "<h1>Мои данные</h1>" in page


@pytest.mark.django_db
def test_language_names_are_translated() -> None:
    names = dict(settings.LANGUAGES)
    with translation.override("ru"):
        assert [str(names[code]) for code in ("kk", "ru", "en")] == [
            "Казахский",
            "Русский",
            "Английский",
        ]
    with translation.override("kk"):
        assert [str(names[code]) for code in ("kk", "ru", "en")] == [
            "Қазақша",
            "Орысша",
            "Ағылшынша",
        ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [("kk", "Бет табылмады"), ("ru", "Страница не найдена"), ("en", "Page not found")],
)
def test_not_found_page_is_in_the_chosen_language(language: str, heading: str) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = _text(response.content)
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page


@pytest.mark.django_db
def test_api_paths_still_answer_problem_json() -> None:
    response = Client().get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def _request(path: str = "/somewhere/") -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return request


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("handler", "status", "language", "heading"),
    [
        (views.bad_request, 400, "ru", "Не удалось разобрать запрос"),
        (views.bad_request, 400, "kk", "Сұрауды түсіну мүмкін болмады"),
        (views.permission_denied, 403, "ru", "У вас нет доступа к этой странице"),
        (views.permission_denied, 403, "kk", "Бұл бетті ашуға рұқсатыңыз жоқ"),
        (views.permission_denied, 403, "en", "You may not open this page"),
        (views.page_not_found, 404, "kk", "Бет табылмады"),
    ],
)
def test_error_pages_are_in_the_users_language(
    handler: Callable[[HttpRequest, Exception | None], HttpResponse],
    status: int,
    language: str,
    heading: str,
) -> None:
    with translation.override(language):
        response = handler(_request(), None)
    assert response.status_code == status
    page = _text(response.content)
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("kk", "Біз жақта ақау орын алды"),
        ("ru", "На нашей стороне что-то пошло не так"),
        ("en", "Something went wrong on our side"),
    ],
)
def test_server_error_page_touches_no_database(
    django_assert_num_queries: DjangoAssertNumQueries, language: str, heading: str
) -> None:
    request = RequestFactory().get("/broken/")  # no session, no user: they may be what broke
    with translation.override(language), django_assert_num_queries(0):
        response = views.server_error(request)
    assert response.status_code == 500
    page = _text(response.content)
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert "<form" not in page


def test_server_error_on_the_api_is_problem_json() -> None:
    response = views.server_error(RequestFactory().get("/api/v1/anything"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


def _catalogue(language: str) -> list[tuple[list[str], dict[str, str]]]:
    """The entries of a .po file: flag and comment lines, and fields with their text."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.strip().split("\n\n"):
        comments: list[str] = []
        fields: dict[str, str] = {}
        current = ""
        for line in block.splitlines():
            if line.startswith("#"):
                comments.append(line)
            elif line.startswith('"'):
                fields[current] += ast.literal_eval(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = ast.literal_eval(value)
        entries.append((comments, fields))
    return entries


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalogue_is_complete_and_compiled(language: str) -> None:
    entries = _catalogue(language)
    assert len(entries) > 150
    compiled = gettext.GNUTranslations((LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb"))
    for comments, fields in entries:
        assert not any("fuzzy" in line for line in comments if line.startswith("#,")), fields
        if not fields.get("msgid"):
            continue  # the header
        translations = [value for key, value in fields.items() if key.startswith("msgstr")]
        assert translations, fields
        assert all(translations), f"untranslated: {fields['msgid']!r}"
        if "msgid_plural" in fields:
            continue
        key = fields["msgid"]
        if "msgctxt" in fields:
            key = f"{fields['msgctxt']}\x04{key}"
        # The .mo file is compiled from this very .po file.
        assert compiled._catalog.get(key) == fields["msgstr"], key  # type: ignore[attr-defined]


def test_english_catalogue_exists_for_english_wording() -> None:
    assert (LOCALE / "en" / "LC_MESSAGES" / "django.mo").exists()
    assert not any(
        "fuzzy" in line for comments, _ in _catalogue("en") for line in comments if line[:2] == "#,"
    )


@pytest.mark.django_db
def test_a_stale_form_gets_a_plain_page_in_the_users_language(settings: Settings) -> None:
    settings.CSRF_FAILURE_VIEW = "qyzmet.portal.views.csrf_failure"
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = _text(response.content)
    assert '<html lang="ru">' in page
    assert "<h1>Срок действия формы истёк</h1>" in page
