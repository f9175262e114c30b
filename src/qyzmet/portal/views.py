"""Portal pages (placeholder until the portal lands)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from qyzmet.core.errors import problem_response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("qyzmet")


def login_password(request: HttpRequest) -> HttpResponse:
    return HttpResponse("login")


def login_code(request: HttpRequest) -> HttpResponse:
    return HttpResponse("code")


def logout_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("logout")


def my_data(request: HttpRequest) -> HttpResponse:
    return HttpResponse("my data")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 400, "The request could not be understood.")
    return HttpResponse("Bad request", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 403, "You may not do this.")
    return HttpResponse("Forbidden", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 404, "Nothing here.", code="not-found")
    return HttpResponse("Not found", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem_response(request, 500, "Something went wrong on our side.")
    return HttpResponse("Server error", status=500)
