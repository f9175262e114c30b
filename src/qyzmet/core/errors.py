"""RFC 9457 problem details: the one shape every API error takes."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise from a service or endpoint to answer with a problem+json response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.code = code or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.errors = errors or []


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    title = title or HTTPStatus(status).phrase
    code = code or title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"urn:qyzmet:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
        headers=headers,
    )


def from_problem(request: HttpRequest, problem: Problem) -> JsonResponse:
    return problem_response(
        request,
        problem.status,
        problem.detail,
        title=problem.title,
        code=problem.code,
        errors=problem.errors,
    )
