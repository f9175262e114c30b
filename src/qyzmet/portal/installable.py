"""The portal as an installable web app: its manifest, its service worker and the page the
worker shows when there is no connection.

The worker only adds to the site: every page works the same without it and without
JavaScript. It keeps the offline page (in each language) and the style sheet, nothing else,
and shows the offline page in the person's language when a page cannot be loaded.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

BRAND_COLOUR = "#00556b"  # --brand in portal.css
BACKGROUND_COLOUR = "#ffffff"
STYLE_SHEET = "portal/portal.css"


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest, in the language of the request (base.html fetches it with the
    language cookie)."""
    icon = "portal/icons/icon-{}.png"
    data = {
        "id": "/",
        "name": f"qyzmet: {gettext('Public services online')}",
        "short_name": "qyzmet",
        "description": gettext("Public services online, in one place"),
        "lang": translation.get_language(),
        "dir": "ltr",
        "start_url": reverse("portal:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND_COLOUR,
        "theme_color": BRAND_COLOUR,
        "icons": [
            *(
                {"src": static(icon.format(size)), "sizes": f"{size}x{size}", "type": "image/png"}
                for size in (192, 512)
            ),
            # The glyph keeps to the middle 80 %: the same picture may be cropped to a circle.
            {"src": static(icon.format(512)), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": static("portal/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }  # fmt: skip
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _offline_page(language: str) -> str:
    # Rendered without the request, as the server error page is: no session is read, so a
    # message waiting for the next page is not used up by the worker fetching this one.
    with translation.override(language):
        return loader.get_template("portal/offline.html").render()


@require_safe
def offline(request: HttpRequest, language: str) -> HttpResponse:
    """The page shown instead of one that could not be loaded for want of a connection."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponse(_offline_page(language))
    response["Content-Language"] = language
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``, served from the root so that its scope is the whole site."""
    languages = [code for code, _name in settings.LANGUAGES]
    css_path = finders.find(STYLE_SHEET)
    if not isinstance(css_path, str):
        raise ImproperlyConfigured(f"{STYLE_SHEET} is not among the static files")
    with open(css_path, "rb") as css:
        # A new version of what the worker keeps makes a new worker, which fetches it anew.
        version = hashlib.sha256(css.read())
    for language in languages:
        version.update(_offline_page(language).encode())
    config = {
        "cache": f"qyzmet-offline-{version.hexdigest()[:16]}",
        "language": settings.LANGUAGE_CODE,
        "offline": {code: reverse("portal:offline", args=[code]) for code in languages},
        "css": static(STYLE_SHEET),
    }
    script = loader.get_template("portal/sw.js").render({"config": json.dumps(config)})
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker at most daily; never from a stale copy.
    patch_cache_control(response, no_cache=True)
    return response
