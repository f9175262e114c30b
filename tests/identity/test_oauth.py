"""qyzmet as an OAuth 2.0 / OpenID Connect provider: a bank app acts for a citizen who
approved it, with the scopes approved and nothing more, until the citizen revokes it.

Everything goes through the portal and the endpoints over the Django test client, as a
browser and the bank's server would: the login, the consent page, the code exchange with
PKCE, the API, the JWKS, the Connected apps page."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException
from oauth2_provider.models import AccessToken as OAuthAccessToken
from oauth2_provider.models import Application, Grant, RefreshToken

from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import ClientAuthorization
from qyzmet.identity.oauth import SCOPE_WORDING
from qyzmet.identity.services import TOKEN_SCOPES, RegisteredClient, oauth_client_register
from tests.api.problems import assert_problem
from tests.api.snapshots import changes, snapshot
from tests.conftest import PASSWORD, Persona

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

CALLBACK = "https://bank.example/qyzmet/callback"
SCOPES = "openid identity:read cases:read"


@pytest.fixture
def bank(db: None) -> RegisteredClient:
    return oauth_client_register(name="Dala Bank", redirect_uris=[CALLBACK], confidential=True)


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def _authorize_url(client_id: str, pkce: Pkce | None, **overrides: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": SCOPES,
        "state": "st-123",
        "nonce": "n-456",
    }
    if pkce is not None:
        query |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    query |= overrides
    return f"/oauth/authorize/?{urlencode(query)}"


def _text(response: Response) -> str:
    return html.unescape(response.content.decode())


def _hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "next":  # the language switch's own field
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def _consent_form(page: str) -> dict[str, str]:
    """The hidden fields of the consent form (not of the language switch or logout)."""
    form = re.search(r'<form class="form" method="post" action="/oauth/authorize/">(.*?)</form>',
                     page, re.S)  # fmt: skip
    assert form is not None, page
    return _hidden_fields(form.group(1))


def _redirect_query(response: Response) -> dict[str, str]:
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith(CALLBACK + "?"), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def _approve(client: Client, client_id: str, pkce: Pkce) -> str:
    """The citizen (logged in on ``client``) approves the app; returns the code."""
    page = client.get(_authorize_url(client_id, pkce))
    assert page.status_code == 200, page.content[:500]
    answer = client.post("/oauth/authorize/", {**_consent_form(_text(page)), "allow": "on"})
    query = _redirect_query(answer)
    assert query["state"] == "st-123"
    return query["code"]


def _token(bank: RegisteredClient, **form: str) -> Response:
    credentials = f"{bank.application.client_id}:{bank.secret}".encode()
    return Client().post(
        "/oauth/token/",
        form,
        headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
    )


def _exchange(bank: RegisteredClient, code: str, verifier: str) -> Response:
    return _token(
        bank, grant_type="authorization_code", code=code, redirect_uri=CALLBACK,
        code_verifier=verifier,
    )  # fmt: skip


def _api(token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Response:
    headers = {"Authorization": f"Bearer {token}"}
    if method == "GET":
        return Client().get(f"/api/v1{path}", headers=headers)
    return Client().post(
        f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=headers
    )


def test_a_bank_app_acts_for_a_citizen_until_revoked(
    bank: RegisteredClient, citizen_a: Persona
) -> None:
    account = citizen_a.account
    assert account is not None
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pkce = Pkce.new()

    # The bank sends the citizen to qyzmet; qyzmet asks them to log in first.
    start = browser.get(_authorize_url(bank.application.client_id, pkce))
    assert start.status_code == 302
    assert start["Location"].startswith("/login/?next=")
    logged_in = browser.post(
        "/login/",
        {"username": account.username, "password": PASSWORD,
         "next": parse_qs(urlsplit(start["Location"]).query)["next"][0]},
    )  # fmt: skip
    assert logged_in.status_code == 302
    assert logged_in["Location"].startswith("/oauth/authorize/?")

    # The consent page says who asks for what, in words, and lets the answer leave for
    # the bank (the form's redirect is allowed by the page's own policy).
    consent = browser.get(logged_in["Location"])
    assert consent.status_code == 200
    page = _text(consent)
    assert "<h1>Allow Dala Bank to act for you?</h1>" in page
    assert "Dala Bank wants to:" in page
    assert "read your applications and how they are going" in page
    assert "read your qyzmet account's profile" in page
    assert "registers hold about you" not in page  # not asked for
    assert "form-action 'self' https://bank.example" in consent["Content-Security-Policy"]
    assert consent["Cache-Control"] == "no-store"

    approved = browser.post("/oauth/authorize/", {**_consent_form(page), "allow": "on"})
    returned = _redirect_query(approved)
    assert returned["iss"] == Client().get("/.well-known/openid-configuration").json()["issuer"]
    code = returned["code"]
    granted = AuditEntry.objects.get(action="oauth.grant")
    assert granted.actor == f"account:{account.public_id}"
    assert granted.data == {
        "client": bank.application.client_id,
        "scopes": ["cases:read", "identity:read", "openid"],
    }

    # The bank's server exchanges the code; without the right verifier it gets nothing.
    wrong = _exchange(bank, code, Pkce.new().verifier)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert not OAuthAccessToken.objects.exists()
    tokens = _exchange(bank, code, pkce.verifier)
    assert tokens.status_code == 200, tokens.content
    issued = tokens.json()
    assert issued["token_type"] == "Bearer"
    assert set(issued["scope"].split()) == set(SCOPES.split())
    access, refresh = issued["access_token"], issued["refresh_token"]
    assert access.startswith("qzo_")
    assert refresh.startswith("qzr_")
    # Stored only as checksums: a database dump gives no usable token.
    assert not OAuthAccessToken.objects.filter(token=access).exists()
    assert OAuthAccessToken.objects.get().token == ""

    # The ID token is signed with a key the JWKS publishes, and names the account opaquely.
    discovery = Client().get("/.well-known/openid-configuration").json()
    keys = jwk.JWKSet.from_json(Client().get(urlsplit(discovery["jwks_uri"]).path).content)
    id_token = jwt.JWT(jwt=issued["id_token"], key=keys, algs=["RS256"])
    claims = json.loads(id_token.claims)
    assert claims["sub"] == str(account.public_id)
    assert claims["aud"] == bank.application.client_id
    assert claims["iss"] == discovery["issuer"]
    assert claims["nonce"] == "n-456"
    assert account.username not in id_token.claims  # never the IIN
    header, _payload, signature = issued["id_token"].split(".")
    other = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "someone"}).encode())
    with pytest.raises(JWException):  # no published key verifies an edited token
        jwt.JWT(jwt=f"{header}.{other.rstrip(b'=').decode()}.{signature}", key=keys)

    # The API takes the token with exactly its scopes.
    me = _api(access, "GET", "/identity/me")
    assert me.status_code == 200
    assert me.json()["id"] == str(account.public_id)
    assert me.json()["scopes"] == ["cases:read", "identity:read", "openid"]
    assert _api(access, "GET", "/cases").status_code == 200
    # What it was not given is refused as a personal token without the scope is refused.
    personal = citizen_a.token("cases:read", "identity:read")
    before = snapshot()
    own_record = f"/registries/population/persons/{account.username}"
    for method, path, status in [
        ("POST", "/cases", 404),  # cases:write
        ("GET", own_record, 404),  # registries:read
        ("GET", "/exchange/consents", 200),  # consents:read: an empty list, as for a token
    ]:
        body = {"service": "address-certificate"}
        by_app = _api(access, method, path, body)
        by_personal_token = _api(personal, method, path, body)
        assert by_app.status_code == by_personal_token.status_code == status, path
        assert by_app.json() == by_personal_token.json()
        if status == 404:
            assert_problem(by_app, 404)
        else:
            assert by_app.json() == []
    assert changes(before, snapshot()) == {}

    # A refresh gives a new pair (the old refresh token is spent).
    refreshed = _token(bank, grant_type="refresh_token", refresh_token=refresh)
    assert refreshed.status_code == 200, refreshed.content
    access, refresh = refreshed.json()["access_token"], refreshed.json()["refresh_token"]
    assert _api(access, "GET", "/cases").status_code == 200

    # The citizen sees the app on Connected apps and revokes it.
    apps_page = browser.get("/my/apps/")
    assert apps_page.status_code == 200
    listed = _text(apps_page)
    assert "<h3>Dala Bank</h3>" in listed
    assert "read your applications and how they are going" in listed
    connected = ClientAuthorization.objects.get(account=account)
    revoked = browser.post(f"/my/apps/{connected.public_id}/revoke/")
    assert revoked.status_code == 302
    assert "Dala Bank can no longer act for you." in _text(browser.get("/my/apps/"))
    assert "No app may act for you." in _text(browser.get("/my/apps/"))
    entry = AuditEntry.objects.get(action="oauth.revoke")
    assert entry.actor == f"account:{account.public_id}"
    assert entry.object_id == str(connected.public_id)

    # From that moment the bank has nothing: the API refuses the token, the refresh fails.
    assert_problem(_api(access, "GET", "/cases"), 401)
    assert_problem(_api(access, "GET", "/identity/me"), 401)
    again = _token(bank, grant_type="refresh_token", refresh_token=refresh)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert not OAuthAccessToken.objects.filter(user=account).exists()
    assert not RefreshToken.objects.filter(user=account).exists()


def _logged_in(persona: Persona, language: str = "en") -> Client:
    assert persona.account is not None
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(persona.account)
    return client


@pytest.mark.parametrize("staff", ["officer_x", "operator"])
def test_staff_cannot_authorise_an_app(
    bank: RegisteredClient, personas: dict[str, Persona], staff: str
) -> None:
    client = _logged_in(personas[staff])
    before = snapshot()
    page = client.get(_authorize_url(bank.application.client_id, Pkce.new()))
    assert page.status_code == 403
    assert "<h1>For citizens only</h1>" in _text(page)
    # Posting an approval directly changes nothing either.
    form = {"client_id": bank.application.client_id, "redirect_uri": CALLBACK,
            "response_type": "code", "scope": SCOPES, "state": "s", "allow": "on",
            "code_challenge": Pkce.new().challenge, "code_challenge_method": "S256"}  # fmt: skip
    assert client.post("/oauth/authorize/", form).status_code == 403
    assert client.get("/my/apps/").status_code == 200
    assert changes(before, snapshot()) == {}
    assert not Grant.objects.exists()


@pytest.mark.parametrize(
    ("language", "heading", "asks", "button", "scope"),
    [
        ("kk", "Dala Bank қолданбасына сіздің атыңыздан әрекет етуге рұқсат бересіз бе?",
         "Dala Bank қолданбасы мынаған рұқсат сұрайды:", "Dala Bank қолданбасына рұқсат беру",
         "өтініштеріңізді және олардың барысын оқу"),
        ("ru", "Разрешить приложению Dala Bank действовать от вашего имени?",
         "Приложение Dala Bank просит разрешения:", "Разрешить приложению Dala Bank",
         "читать ваши заявления и следить за их ходом"),
        ("en", "Allow Dala Bank to act for you?", "Dala Bank wants to:", "Allow Dala Bank",
         "read your applications and how they are going"),
    ],
)  # fmt: skip
def test_the_consent_page_speaks_the_citizens_language(
    bank: RegisteredClient,
    citizen_a: Persona,
    language: str,
    heading: str,
    asks: str,
    button: str,
    scope: str,
) -> None:
    client = _logged_in(citizen_a, language)
    page = client.get(_authorize_url(bank.application.client_id, Pkce.new()))
    assert page.status_code == 200
    text = _text(page)
    assert f'<html lang="{language}">' in text
    assert f"<h1>{heading}</h1>" in text
    assert f'<h2 id="asks-heading">{asks}</h2>' in text
    assert f"<li>{scope}</li>" in text
    assert f'name="allow" value="on">{button}</button>' in text
    # Headed and usable without JavaScript: a plain form with its two buttons.
    assert "<script" not in text
    assert text.count('<button type="submit" class="button') == 2
    assert 'aria-labelledby="asks-heading"' in text


def test_denying_sends_the_citizen_back_with_nothing(
    bank: RegisteredClient, citizen_a: Persona
) -> None:
    client = _logged_in(citizen_a)
    page = client.get(_authorize_url(bank.application.client_id, Pkce.new()))
    before = snapshot()
    denied = client.post("/oauth/authorize/", _consent_form(_text(page)))
    assert _redirect_query(denied)["error"] == "access_denied"
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": "", "code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"response_type": "token"}, "unauthorized_client"),
        ({"response_type": "code id_token"}, "unauthorized_client"),
        ({"scope": "openid cases:read everything"}, "invalid_scope"),
    ],
)
def test_what_is_not_allowed_is_refused_to_the_app(
    bank: RegisteredClient, citizen_a: Persona, overrides: dict[str, str], error: str
) -> None:
    client = _logged_in(citizen_a)
    response = client.get(_authorize_url(bank.application.client_id, Pkce.new(), **overrides))
    if response.status_code == 200:  # refused when the citizen answers, before any code
        response = client.post(
            "/oauth/authorize/", {**_consent_form(_text(response)), "allow": "on"}
        )
    assert _redirect_query(response)["error"] == error
    assert not Grant.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"client_id": "no-such-client"},
        {"redirect_uri": "https://evil.example/steal"},
        {"redirect_uri": "not a uri\x00"},
    ],
)
def test_a_bad_request_from_an_unknown_app_gets_a_plain_page(
    bank: RegisteredClient, citizen_a: Persona, query: dict[str, str]
) -> None:
    client = _logged_in(citizen_a)
    response = client.get(_authorize_url(**{"client_id": bank.application.client_id, **query},
                                         pkce=Pkce.new()))  # fmt: skip
    assert response.status_code == 400
    assert "<h1>The app's request cannot be accepted</h1>" in _text(response)
    assert "Location" not in response  # never sent to an address not registered


def test_a_tampered_answer_is_a_bad_request(bank: RegisteredClient, citizen_a: Persona) -> None:
    client = _logged_in(citizen_a)
    response = client.post("/oauth/authorize/", {"client_id": "no-such-client", "allow": "on"})
    assert response.status_code == 400
    assert "<h1>The app's request cannot be accepted</h1>" in _text(response)


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"grant_type": "password", "username": "x", "password": "y"},
        {"grant_type": "client_credentials"},
        {
            "grant_type": "authorization_code",
            "code": "nope",
            "redirect_uri": CALLBACK,
            "code_verifier": "v" * 43,
        },
        {"grant_type": "refresh_token", "refresh_token": "qzr_nope"},
        {"grant_type": "authorization_code", "code": "\x00"},
    ],
)
def test_the_token_endpoint_answers_bad_requests_in_oauth_terms(
    bank: RegisteredClient, form: dict[str, str]
) -> None:
    response = _token(bank, **form)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]


def test_a_nul_in_the_client_credentials_is_a_client_error(bank: RegisteredClient) -> None:
    basic = base64.b64encode(b"bank\x00:secret").decode()
    response = Client().post(
        "/oauth/token/", {"grant_type": "refresh_token", "refresh_token": "qzr_x"},
        headers={"Authorization": f"Basic {basic}"},
    )  # fmt: skip
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "form",
    [
        {"token": "qzo_\x00"},
        {"token": "qzo_unknown", "token_type_hint": "refresh_token"},
    ],
)
def test_the_revocation_endpoint_takes_nonsense_calmly(
    bank: RegisteredClient, form: dict[str, str]
) -> None:
    credentials = f"{bank.application.client_id}:{bank.secret}".encode()
    response = Client().post(
        "/oauth/revoke/", form,
        headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
    )  # fmt: skip
    assert response.status_code in (200, 400), response.content


def test_a_foreign_or_unknown_bearer_token_is_refused(bank: RegisteredClient) -> None:
    for token in ["qzo_unknown", "qzo_", "random-garbage", "qzr_a_refresh_token_is_no_access"]:
        assert_problem(_api(token, "GET", "/cases"), 401)


def test_discovery_offers_only_the_code_flow_with_s256_and_the_api_scopes() -> None:
    discovery = Client().get("/.well-known/openid-configuration")
    assert discovery.status_code == 200
    document = discovery.json()
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["id_token_signing_alg_values_supported"][0] == "RS256"
    assert set(document["scopes_supported"]) == {"openid", *TOKEN_SCOPES}
    assert document["authorization_endpoint"].endswith("/oauth/authorize/")
    assert document["token_endpoint"].endswith("/oauth/token/")


def test_every_api_scope_is_worded_for_the_citizen() -> None:
    assert set(SCOPE_WORDING) == {"openid", *TOKEN_SCOPES}


def test_registration_refuses_what_qyzmet_does_not_take(db: None) -> None:
    from qyzmet.core.errors import Problem

    for uris in ([], ["http://bank.example/cb"], ["https://bank.example/cb#frag"], ["bank"]):
        with pytest.raises(Problem):
            oauth_client_register(name="Bank", redirect_uris=uris, confidential=True)
    with pytest.raises(Problem):
        oauth_client_register(name=" ", redirect_uris=[CALLBACK], confidential=False)
    public = oauth_client_register(name="Bot", redirect_uris=[CALLBACK], confidential=False)
    assert public.secret == ""
    assert AuditEntry.objects.filter(action="oauth-client.register").count() == 1


def test_an_operator_registers_a_client_from_the_command_line(db: None) -> None:
    out = io.StringIO()
    call_command("oauth_register", "--name", "Dala Bank", "--redirect-uri", CALLBACK, stdout=out)
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
    application = Application.objects.get(client_id=lines["client_id"])
    assert application.name == "Dala Bank"
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.client_secret != lines["client_secret"]  # kept hashed
    assert check_password(lines["client_secret"], application.client_secret)
    with pytest.raises(CommandError, match="https"):
        call_command("oauth_register", "--name", "Bot", "--redirect-uri", "http://bot.example/")


def _connected(bank: RegisteredClient, persona: Persona) -> tuple[ClientAuthorization, str]:
    """``persona`` approved the bank; returns the connected app and an access token."""
    pkce = Pkce.new()
    code = _approve(_logged_in(persona), bank.application.client_id, pkce)
    access = _exchange(bank, code, pkce.verifier).json()["access_token"]
    return ClientAuthorization.objects.get(account=persona.account), access


def test_a_citizen_revokes_only_their_own_apps(
    bank: RegisteredClient, citizen_a: Persona, citizen_b: Persona, anonymous: Persona
) -> None:
    connected, access = _connected(bank, citizen_a)
    other = _logged_in(citizen_b)
    before = snapshot()
    assert other.post(f"/my/apps/{connected.public_id}/revoke/").status_code == 404
    assert other.post("/my/apps/not-a-uuid/revoke/").status_code == 404
    assert "Dala Bank" not in _text(other.get("/my/apps/"))
    assert anonymous.client.get("/my/apps/")["Location"].startswith("/login/")
    assert anonymous.client.post(f"/my/apps/{connected.public_id}/revoke/").status_code == 302
    assert changes(before, snapshot()) == {}
    assert _api(access, "GET", "/cases").status_code == 200


def test_userinfo_names_the_citizen_as_the_id_token_does(
    bank: RegisteredClient, citizen_a: Persona
) -> None:
    assert citizen_a.account is not None
    _, access = _connected(bank, citizen_a)
    info = Client().get("/oauth/userinfo/", headers={"Authorization": f"Bearer {access}"})
    assert info.status_code == 200
    assert info.json() == {"sub": str(citizen_a.account.public_id)}
    refused = Client().get("/oauth/userinfo/", headers={"Authorization": "Bearer qzo_nope"})
    assert refused.status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "",
        "response_type=code",
        "client_id=&redirect_uri=&scope=",
        "prompt=create",
        "prompt=none&client_id={client}&response_type=code",
        "client_id={client}&response_type=code&redirect_uri=" + CALLBACK + "&scope=%00",
        "claims=not-json&client_id={client}&response_type=code&redirect_uri=" + CALLBACK,
        "resource=not%20a%20uri&client_id={client}&response_type=code&redirect_uri=" + CALLBACK,
    ],
)
def test_no_authorization_request_ends_in_a_server_error(
    bank: RegisteredClient, citizen_a: Persona, query: str
) -> None:
    client = _logged_in(citizen_a)
    response = client.get("/oauth/authorize/?" + query.format(client=bank.application.client_id))
    assert response.status_code < 500
    assert not Grant.objects.exists()


def test_an_expired_or_deactivated_accounts_oauth_token_is_refused(
    bank: RegisteredClient, citizen_a: Persona
) -> None:
    assert citizen_a.account is not None
    _, access = _connected(bank, citizen_a)
    assert _api(access, "GET", "/cases").status_code == 200
    OAuthAccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert_problem(_api(access, "GET", "/cases"), 401)
    OAuthAccessToken.objects.update(expires=timezone.now() + timedelta(hours=1))
    assert _api(access, "GET", "/cases").status_code == 200
    citizen_a.account.is_active = False
    citizen_a.account.save(update_fields=["is_active"])
    assert_problem(_api(access, "GET", "/cases"), 401)
