"""The portal installs as a web app and says so, in the person's language, when there is no
connection: the manifest, its icons, the offline page, the service worker, and the
Content-Security-Policy that lets exactly these in."""

from __future__ import annotations

import html
import json
import struct
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from tests.browser import chromium

HEADINGS = {
    "kk": "Интернет байланысы жоқ",
    "ru": "Нет подключения к интернету",
    "en": "No internet connection",
}
NAMES = {
    "kk": "qyzmet: Мемлекеттік қызметтер онлайн",
    "ru": "qyzmet: Государственные услуги онлайн",
    "en": "qyzmet: Public services online",
}


def _client(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_manifest_names_the_app_in_the_current_language(language: str) -> None:
    response = _client(language).get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert "Cookie" in response["Vary"]
    manifest = json.loads(response.content)
    assert manifest["name"] == NAMES[language]
    assert manifest["short_name"] == "qyzmet"
    assert manifest["lang"] == language
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#00556b"
    # Installable: PNG icons of 192 and 512 px, each one what it says it is.
    sizes = set()
    for icon in manifest["icons"]:
        found = Client().get(icon["src"])
        assert found.status_code == 200, icon
        data = b"".join(found.streaming_content)  # type: ignore[attr-defined]
        if icon["type"] == "image/png":
            width, height = _png_size(data)
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
        else:
            assert icon["type"] == "image/svg+xml"
            assert data.startswith(b"<svg")
    assert sizes == {192, 512}


@pytest.mark.django_db  # the home page lists the life situations
def test_pages_link_the_manifest_icon_and_worker() -> None:
    page = _client("en").get("/").content.decode()
    assert (
        '<link rel="manifest" href="/manifest.webmanifest" crossorigin="use-credentials">' in page
    )
    assert 'data-worker="/sw.js"' in page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_offline_page_speaks_each_language(language: str) -> None:
    # Another language in the cookie: the page's address decides.
    other = "en" if language != "en" else "kk"
    response = _client(other).get(f"/offline/{language}/")
    assert response.status_code == 200
    assert response["Content-Language"] == language
    page = html.unescape(response.content.decode())
    assert f'<html lang="{language}">' in page
    assert f"<h1>{HEADINGS[language]}</h1>" in page
    assert "portal.css" in page
    # Nothing that needs the network or a session: no script, no form.
    assert "<script" not in page
    assert "<form" not in page
    assert "csrfmiddlewaretoken" not in page
    assert "sessionid" not in response.cookies


def test_the_offline_page_is_only_in_the_portals_languages() -> None:
    assert Client().get("/offline/de/").status_code == 404


def test_the_service_worker_is_served_from_the_root() -> None:
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    config = json.loads(script.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["offline"] == {code: f"/offline/{code}/" for code in ("kk", "ru", "en")}
    assert config["css"] == "/static/portal/portal.css"
    assert config["cache"].startswith("qyzmet-offline-")


@pytest.mark.django_db
def test_the_policy_lets_in_the_worker_and_the_manifest_and_nothing_more() -> None:
    policy = Client().get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "object-src": "'none'",
        "worker-src": "'self'",
        "manifest-src": "'self'",
    }


# --- in Chromium ---------------------------------------------------------------------------

# The language the worker noted, once a page has told it (empty until then).
NOTED_LANGUAGE = """async () => {
  const names = (await caches.keys()).filter((name) => name.startsWith("qyzmet-offline-"));
  if (names.length !== 1) return "";
  const noted = await (await caches.open(names[0])).match("/sw.js?language");
  return noted ? await noted.text() : "";
}"""


@pytest.fixture
def russian_page(settings: Settings, live_server: LiveServer) -> Iterator[Page]:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 360, "height": 800})
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url}]
        )
        yield context.new_page()
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offline_a_page_that_cannot_load_shows_the_offline_page(
    live_server: LiveServer, russian_page: Page
) -> None:
    page = russian_page
    page.goto(f"{live_server.url}/")
    # Waits in Python: the page's policy refuses the eval that wait_for_function needs.
    for _ in range(100):
        if page.evaluate(NOTED_LANGUAGE) == "ru":
            break
        page.wait_for_timeout(100)
    assert page.evaluate(NOTED_LANGUAGE) == "ru"
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/login/")
    assert page.url == f"{live_server.url}/login/"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == HEADINGS["ru"]
    # Styled from the kept style sheet: the header has the brand colour.
    header = page.locator(".site-header").evaluate(
        "(header) => getComputedStyle(header).backgroundColor"
    )
    assert header == "rgb(0, 85, 107)"

    # Back online, the same address is the real page again.
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Войти"
