"""Login in two steps: a password for everyone, then a one-time code for staff."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import Account
from qyzmet.identity.services import MAX_FAILED_LOGINS
from qyzmet.portal.views import PENDING_LOGIN
from tests.conftest import PASSWORD, Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db


def _client(language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _text(response: Response) -> str:
    return html.unescape(response.content.decode())


def _login(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Response:
    return client.post("/login/", {"username": username, "password": password, **extra})


def _logged_in_as(client: Client) -> str | None:
    value = client.session.get(SESSION_KEY)
    return None if value is None else str(value)


def _username(persona: Persona) -> str:
    assert persona.account is not None
    return persona.account.username


def test_login_page_is_a_form(anonymous: Persona) -> None:
    response = anonymous.client.get("/login/")
    assert response.status_code == 200
    page = _text(response)
    assert 'name="username"' in page
    assert 'autocomplete="current-password"' in page
    assert "csrfmiddlewaretoken" in page


def test_citizen_logs_in_with_password_only(citizen_a: Persona) -> None:
    client = _client()
    client.get("/login/")
    key_before = client.session.session_key
    response = _login(client, _username(citizen_a))
    assert response.status_code == 302
    assert response["Location"] == "/my-data/"
    assert citizen_a.account is not None
    assert _logged_in_as(client) == str(citizen_a.account.pk)
    assert client.session.session_key != key_before  # the session key rotates on login
    assert AuditEntry.objects.filter(
        action="account.login", object_id=str(citizen_a.account.public_id)
    ).exists()
    assert "Abenov Nurlan" in _text(client.get("/my-data/"))


def test_next_is_followed_only_within_the_site(citizen_a: Persona) -> None:
    client = _client()
    response = _login(client, _username(citizen_a), next="https://evil.example/")
    assert response["Location"] == "/my-data/"
    client = _client()
    response = _login(client, _username(citizen_a), next="/")
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The login or password is wrong."),
        ("ru", "Неверный логин или пароль."),
        ("kk", "Логин немесе құпиясөз қате."),
    ],
)
def test_wrong_password_is_refused_in_the_users_language(
    citizen_a: Persona, language: str, message: str
) -> None:
    client = _client(language)
    response = _login(client, _username(citizen_a), "not the password")
    assert response.status_code == 200
    assert message in _text(response)
    assert _logged_in_as(client) is None


def test_unknown_login_is_refused_like_a_wrong_password(db: None) -> None:
    response = _login(_client(), "nobody.here")
    assert "The login or password is wrong." in _text(response)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "this account is locked for 15 minutes"),
        ("ru", "учётная запись заблокирована на 15 минут"),
        ("kk", "есептік жазба 15 минутқа бұғатталды"),
    ],
)
def test_five_wrong_passwords_lock_the_account(
    citizen_a: Persona, language: str, message: str
) -> None:
    client = _client(language)
    for _ in range(MAX_FAILED_LOGINS):
        _login(client, _username(citizen_a), "not the password")
    response = _login(client, _username(citizen_a))  # even the right password is refused now
    assert message in _text(response)
    assert _logged_in_as(client) is None
    assert citizen_a.account is not None
    citizen_a.account.refresh_from_db()
    assert citizen_a.account.locked_until is not None


@pytest.mark.parametrize(
    ("username", "language", "message"),
    [
        ("90051730012", "en", "An IIN has exactly 12 digits; you entered 11 digits."),
        ("90051730012", "ru", "ИИН состоит ровно из 12 цифр, а вы ввели 11 цифр."),
        ("9005173", "ru", "ИИН состоит ровно из 12 цифр, а вы ввели 7 цифр."),
        ("90051", "ru", "ИИН состоит ровно из 12 цифр, а вы ввели 5 цифр."),
        ("9005173001", "kk", "ЖСН дәл 12 цифрдан тұрады, ал сіз 10 цифр енгіздіңіз."),
        ("900517300125", "en", "This is not a valid IIN"),
        ("901317300125", "ru", "Это неверный ИИН"),
    ],
)
def test_a_mistyped_iin_gets_a_clear_message(
    db: None, username: str, language: str, message: str
) -> None:
    response = _login(_client(language), username)
    assert response.status_code == 200
    assert message in _text(response)


def test_iin_may_be_typed_with_spaces(citizen_a: Persona) -> None:
    iin = _username(citizen_a)
    client = _client()
    response = _login(client, f"{iin[:6]} {iin[6:]}")
    assert response["Location"] == "/my-data/"


def test_officer_needs_a_correct_code(officer_x: Persona) -> None:
    client = _client()
    response = _login(client, _username(officer_x))
    assert response["Location"] == "/login/code/"
    assert _logged_in_as(client) is None  # the password alone does not log staff in
    assert client.get("/my-data/").status_code == 302

    response = client.post("/login/code/", {"code": "000000"})
    if officer_x.totp() != "000000":
        assert "The code is wrong." in _text(response)
        assert _logged_in_as(client) is None

    response = client.post("/login/code/", {"code": officer_x.totp()})
    assert response.status_code == 302
    assert response["Location"] == "/office/"  # officers land on their queue
    assert officer_x.account is not None
    assert _logged_in_as(client) == str(officer_x.account.pk)
    assert PENDING_LOGIN not in client.session


def test_operator_lands_in_the_admin(operator: Persona) -> None:
    client = _client()
    _login(client, _username(operator))
    response = client.post("/login/code/", {"code": operator.totp()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This code has already been used."),
        ("ru", "Этот код уже использован."),
        ("kk", "Бұл код бұрын пайдаланылған."),
    ],
)
def test_a_used_code_is_refused(officer_x: Persona, language: str, message: str) -> None:
    first = _client()
    _login(first, _username(officer_x))
    code = officer_x.totp()
    assert first.post("/login/code/", {"code": code}).status_code == 302

    second = _client(language)
    _login(second, _username(officer_x))
    response = second.post("/login/code/", {"code": code})
    assert message in _text(response)
    assert _logged_in_as(second) is None


def test_code_must_be_six_digits(officer_x: Persona) -> None:
    client = _client("ru")
    _login(client, _username(officer_x))
    response = client.post("/login/code/", {"code": "12ab"})
    assert "Код состоит из 6 цифр." in _text(response)


def test_code_step_needs_the_password_step_first(officer_x: Persona) -> None:
    client = _client()
    response = client.post("/login/code/", {"code": officer_x.totp()})
    assert response["Location"] == "/login/"
    assert _logged_in_as(client) is None


def test_a_pending_login_expires(officer_x: Persona) -> None:
    client = _client()
    _login(client, _username(officer_x))
    session = client.session
    pending = session[PENDING_LOGIN]
    pending["since"] = (timezone.now() - timedelta(minutes=6)).isoformat()
    session[PENDING_LOGIN] = pending
    session.save()
    response = client.post("/login/code/", {"code": officer_x.totp()})
    assert response["Location"] == "/login/"
    assert _logged_in_as(client) is None


def test_wrong_codes_lock_the_account_and_stop_the_guessing(officer_x: Persona) -> None:
    client = _client()
    _login(client, _username(officer_x))
    wrong = "111111" if officer_x.totp() != "111111" else "222222"
    for _ in range(MAX_FAILED_LOGINS):
        client.post("/login/code/", {"code": wrong})
    response = client.post("/login/code/", {"code": officer_x.totp()})
    assert "this account is locked" in _text(response)
    assert _logged_in_as(client) is None
    assert PENDING_LOGIN not in client.session


def test_logout_is_a_post(citizen_a: Persona) -> None:
    client = _client()
    _login(client, _username(citizen_a))
    assert client.get("/logout/").status_code == 405
    assert _logged_in_as(client) is not None
    response = client.post("/logout/", follow=True)
    assert _logged_in_as(client) is None
    assert "You have logged out." in _text(response)


def test_logged_in_user_may_log_in_as_someone_else(citizen_a: Persona, citizen_b: Persona) -> None:
    client = _client()
    _login(client, _username(citizen_a))
    assert "You are logged in as" in _text(client.get("/login/"))
    _login(client, _username(citizen_b))
    assert citizen_b.account is not None
    assert _logged_in_as(client) == str(citizen_b.account.pk)


def test_inactive_account_cannot_log_in(citizen_a: Persona) -> None:
    Account.objects.filter(username=_username(citizen_a)).update(is_active=False)
    client = _client()
    response = _login(client, _username(citizen_a))
    assert "The login or password is wrong." in _text(response)
