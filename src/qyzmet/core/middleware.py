from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Pages load nothing from anywhere but this server: no CDN, no external font, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'; worker-src 'self'; manifest-src 'self'"
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# A logged-in session is written at most this often just to keep it alive: a person idle
# for SESSION_COOKIE_AGE minus up to this is logged out, and a page view costs no write.
SESSION_REFRESH_EVERY = 5 * 60  # seconds
_REFRESHED = "qyzmet.refreshed"


class SessionRefreshMiddleware:
    """Push an active session's expiry on by writing it now and then, not on every request
    (which would make every page view a database write and a commit). A session is stamped
    whenever it is saved anyway (at login, say) and written just to renew it once its stamp
    is SESSION_REFRESH_EVERY old; one never stamped (not made by a request) is left alone.
    Sits after SessionMiddleware, so that a session marked here is saved on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        now = int(time.time())
        if session.modified:
            if not session.is_empty():
                session[_REFRESHED] = now  # saved anyway: the stamp costs nothing
        elif now - int(session.get(_REFRESHED, now)) >= SESSION_REFRESH_EVERY:
            session[_REFRESHED] = now  # modified: SessionMiddleware saves it, expiry renewed
        return response
