"""My account and the menu: a short menu (a row or two on a phone), and one page that leads
to everything that is the person's own, marked in the menu wherever one is under it."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import Persona

pytestmark = pytest.mark.django_db

CITIZENS_PAGES = [
    ("My data", "/my-data/"),
    ("My documents", "/my/documents/"),
    ("Data tracker", "/my/data-tracker/"),
    ("My consents", "/my/consents/"),
    ("Connected apps", "/my/apps/"),
    ("Payments", "/my/programmes/"),
    ("Signatures", "/trust/my/"),
    ("My notifications", "/my/notifications/"),
]


def _get(client: Client, url: str, language: str = "en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


def _menu(content: str) -> list[str]:
    """The menu's items as read aloud: each link's words, with its aria-current."""
    [nav] = re.findall(r'<nav class="site-nav".*?</nav>', content, re.DOTALL)
    items = re.findall(r"<a [^>]*?(?:aria-current=\"(\w+)\")?>([^<]+)</a>|(Log out)", nav)
    return [f"{words}[{current}]" if current else words or out for current, words, out in items]


def _account_links(content: str) -> list[tuple[str, str]]:
    [listing] = re.findall(r'<ul class="link-list">.*?</ul>', content, re.DOTALL)
    return [(html.unescape(words), url)
            for url, words in re.findall(r'<a href="([^"]+)">([^<]+)</a>', listing)]  # fmt: skip


def test_my_account_leads_the_citizen_to_each_of_their_pages(citizen_a: Persona) -> None:
    content = _get(citizen_a.client, "/my/")
    assert [(words, url) for words, url in _account_links(content)] == CITIZENS_PAGES
    text = html.unescape(re.sub(r"<[^>]+>", " ", content))
    assert "Who was given data about you, when and for what purpose." in text
    assert "The SMS and e-mails the state has sent you." in text
    for _words, url in CITIZENS_PAGES:  # each one opens
        assert citizen_a.client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("language", "heading", "first"),
    [("kk", "Жеке кабинет", "Менің деректерім"), ("ru", "Личный кабинет", "Мои данные"),
     ("en", "My account", "My data")],
)  # fmt: skip
def test_my_account_in_each_language(
    citizen_a: Persona, language: str, heading: str, first: str
) -> None:
    content = _get(citizen_a.client, "/my/", language)
    assert f"<h1>{heading}</h1>" in content
    assert _account_links(content)[0] == (first, "/my-data/")


@pytest.mark.parametrize("persona", ["officer_x", "operator"])
def test_staff_see_what_applies_to_them(personas: dict[str, Persona], persona: str) -> None:
    content = _get(personas[persona].client, "/my/")
    assert _account_links(content) == [("Signatures", "/trust/my/")]
    assert "The other pages of My account are for citizens" in content


def test_anonymous_is_sent_to_login(anonymous: Persona) -> None:
    response = anonymous.client.get("/my/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/my/"


def test_the_menu_is_short_and_says_who_it_is_for(personas: dict[str, Persona]) -> None:
    def menu(persona: str) -> list[str]:
        return _menu(_get(personas[persona].client, "/"))

    assert menu("anonymous") == [
        "Home[page]", "Services", "My applications", "My account", "Log in",
    ]  # fmt: skip
    assert menu("citizen_a") == [
        "Home[page]", "Services", "My applications", "My account", "Log out",
    ]  # fmt: skip
    assert menu("officer_x") == ["Home[page]", "Services", "Queue", "My account", "Log out"]
    assert menu("operator") == [
        "Home[page]", "Services", "My account", "Operator overview", "Administration", "Log out",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "current"),
    [("/my/", "page"), *[(url, "true") for _words, url in CITIZENS_PAGES]],
)
def test_my_account_is_marked_on_every_page_under_it(
    citizen_a: Persona, url: str, current: str
) -> None:
    menu = _menu(_get(citizen_a.client, url))
    assert f"My account[{current}]" in menu
    assert [item for item in menu if "[" in item] == [f"My account[{current}]"]


def test_the_other_items_are_marked_where_they_lead(citizen_a: Persona) -> None:
    assert "Home[page]" in _menu(_get(citizen_a.client, "/"))
    assert "My applications[page]" in _menu(_get(citizen_a.client, "/my/cases/"))
    assert "Services[page]" in _menu(_get(citizen_a.client, "/services/"))
