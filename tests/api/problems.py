"""What every API error must look like: RFC 9457 problem+json, with the status it claims."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from openapi_schema_validator import OAS31Validator, validate

from qyzmet.api.api import PROBLEM_SCHEMA
from qyzmet.core.errors import PROBLEM_CONTENT_TYPE

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """The response is a problem+json answer with this status; returns its body."""
    content = response.content.decode()
    assert response.status_code == status, (response.status_code, content[:500])
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE, response["Content-Type"]
    body: dict[str, Any] = json.loads(content)
    validate(body, PROBLEM_SCHEMA, cls=OAS31Validator)
    assert body["status"] == status
    assert body["type"].startswith("urn:qyzmet:problem:")
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in content
    assert "<html" not in content.lower()
    return body
