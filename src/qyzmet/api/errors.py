"""Every API failure answers as RFC 9457 problem+json; nothing escapes as HTML or a 500."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from qyzmet.core.errors import Problem, from_problem, problem_response


def install_problem_handlers(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (Problem, _problem),
        (ValidationError, _validation_error),
        (AuthenticationError, _authentication_error),
        (HttpError, _http_error),
        (Http404, _not_found),
        (PermissionDenied, _not_found),
        (RequestDataTooBig, _too_big),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)


def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return from_problem(request, exc)


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_field_error(error) for error in exc.errors]
    return problem_response(
        request,
        422,
        "The request does not match the schema: see errors for each field.",
        title="Invalid request",
        code="invalid-request",
        errors=errors,
    )


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    location = [str(part) for part in error.get("loc", ())]
    return {
        "pointer": "/" + "/".join(location),
        "detail": str(error.get("msg", "invalid value")),
        "type": str(error.get("type", "value_error")),
    }


def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request,
        401,
        "Log in, or send a valid access token as 'Authorization: Bearer <token>'.",
        title="Authentication required",
        code="authentication-required",
        headers={"WWW-Authenticate": 'Bearer realm="qyzmet"'},
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 400:
        return problem_response(
            request, 400, "The request body is not valid JSON.", code="malformed-json"
        )
    return problem_response(request, status, str(exc))


def _not_found(request: HttpRequest, exc: Http404 | PermissionDenied) -> HttpResponse:
    return problem_response(request, 404, "Nothing here, or nothing you may see.", code="not-found")


def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem_response(
        request, 413, "The request body is larger than this API accepts.", code="too-large"
    )


def problem_for_wrong_method(
    pattern: URLPattern | URLResolver,
) -> URLPattern | URLResolver:
    """The same URL, answering a method it does not take with problem+json, not a bare 405.

    Ninja answers such a request itself, before any exception handler could see it.
    """
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback

    @functools.wraps(view)  # keeps csrf_exempt: cookie auth checks CSRF itself
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        return problem_response(
            request,
            405,
            f"This address does not take {request.method}; it takes {response['Allow']}.",
            code="method-not-allowed",
            headers={"Allow": response["Allow"]},
        )

    return URLPattern(pattern.pattern, answer, pattern.default_args, pattern.name)
