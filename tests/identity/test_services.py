from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone
from pytest_django import Settings

from qyzmet.core.errors import Problem
from qyzmet.identity.models import AccessToken, AccountKind
from qyzmet.identity.services import (
    MAX_FAILED_LOGINS,
    LoginRefused,
    citizen_account_create,
    login_check_code,
    login_check_password,
    staff_account_create,
    token_authenticate,
    token_create,
    token_revoke,
)
from tests import factories
from tests.conftest import PASSWORD, Persona

pytestmark = pytest.mark.django_db


def test_password_login_and_lockout(citizen_a: Persona) -> None:
    assert citizen_a.account is not None
    username = citizen_a.account.username
    assert login_check_password(username=username, password=PASSWORD) == citizen_a.account
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused, match="wrong-credentials"):
            login_check_password(username=username, password="wrong")
    with pytest.raises(LoginRefused, match="locked"):
        login_check_password(username=username, password=PASSWORD)


def test_unknown_login_is_refused_like_a_wrong_password(db: None) -> None:
    with pytest.raises(LoginRefused, match="wrong-credentials"):
        login_check_password(username="nobody", password=PASSWORD)


def test_production_hasher_is_argon2(settings: Settings) -> None:
    from qyzmet import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    subject = factories.person()
    account = citizen_account_create(iin=subject.iin, password=PASSWORD)
    assert account.password.startswith("argon2$")
    assert login_check_password(username=subject.iin, password=PASSWORD) == account


def test_totp_code_works_once(officer_x: Persona) -> None:
    assert officer_x.account is not None
    code = officer_x.totp()
    login_check_code(account=officer_x.account, code=code)
    with pytest.raises(LoginRefused, match="code-used"):
        login_check_code(account=officer_x.account, code=code)


def test_wrong_totp_code_is_refused(officer_x: Persona) -> None:
    assert officer_x.account is not None
    now = pyotp.TOTP(officer_x.account.totp_secret).now()
    wrong = f"{(int(now) + 1) % 1_000_000:06d}"
    with pytest.raises(LoginRefused, match="wrong-code"):
        login_check_code(account=officer_x.account, code=wrong)


def test_citizen_account_needs_a_registered_valid_iin(db: None) -> None:
    with pytest.raises(Problem, match="check digit"):
        citizen_account_create(iin="900101300120", password=PASSWORD)
    with pytest.raises(Problem, match="exactly 12 digits"):
        citizen_account_create(iin="123", password=PASSWORD)


def test_officer_needs_agency_and_role(db: None) -> None:
    with pytest.raises(Problem, match="agency"):
        staff_account_create(
            username="x", password=PASSWORD, kind=AccountKind.OFFICER, display_name="X"
        )


def test_token_lifecycle(citizen_a: Persona) -> None:
    assert citizen_a.account is not None
    issued = token_create(
        account=citizen_a.account,
        name="bank app",
        scopes=["registries:read"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    assert issued.secret not in str(AccessToken.objects.values().get(pk=issued.token.pk))
    assert token_authenticate(issued.secret) == issued.token
    assert token_authenticate(issued.secret + "x") is None
    assert token_authenticate("qzt_unknown_secret") is None
    token_revoke(token=issued.token, actor=citizen_a.account)
    assert token_authenticate(issued.secret) is None


def test_expired_token_is_refused(citizen_a: Persona) -> None:
    assert citizen_a.account is not None
    issued = token_create(
        account=citizen_a.account,
        name="short",
        scopes=["identity:read"],
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    AccessToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert token_authenticate(issued.secret) is None


@pytest.mark.parametrize(
    ("scopes", "days"), [([], 10), (["everything"], 10), (["identity:read"], 400)]
)
def test_token_scopes_and_lifetime_are_checked(
    citizen_a: Persona, scopes: list[str], days: int
) -> None:
    assert citizen_a.account is not None
    with pytest.raises(Problem):
        token_create(
            account=citizen_a.account,
            name="bad",
            scopes=scopes,
            expires_at=timezone.now() + timedelta(days=days),
        )
