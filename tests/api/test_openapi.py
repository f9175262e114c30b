"""The OpenAPI document: valid 3.1, complete for every operation, and true to what the API
actually answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from openapi_schema_validator import OAS31Validator, validate
from openapi_spec_validator import OpenAPIV31SpecValidator

from qyzmet.api.api import PROBLEM_STATUSES
from qyzmet.core.errors import PROBLEM_CONTENT_TYPE
from tests.api.endpoints import ACCEPTED, CREATED, ENDPOINTS, ROLES, Call, Endpoint, role_of, send
from tests.api.world import World
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

Document = dict[str, Any]


@pytest.fixture
def document(client: Client) -> Document:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    served: Document = response.json()
    return served


def _operation(document: Document, endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][endpoint.template][endpoint.method.lower()]
    return operation


def _success(operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    codes = [code for code in operation["responses"] if str(code).startswith("2")]
    assert len(codes) == 1, codes
    return str(codes[0]), operation["responses"][codes[0]]


def test_document_is_valid_openapi_3_1(document: Document) -> None:
    assert document["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(document).validate()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
def test_operation_is_fully_described(document: Document, endpoint: Endpoint) -> None:
    operation = _operation(document, endpoint)
    assert operation["summary"]
    # An operation open to anyone says so with an empty requirement, [{}]; none forgets.
    assert operation["security"], "every operation states its authentication"
    public = {} in operation["security"]
    assert public is (endpoint.outcome("anonymous").status < 400)

    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    assert declared == set(re.findall(r"{(\w+)}", endpoint.template))
    for parameter in operation.get("parameters", []):
        assert parameter["schema"], parameter["name"]

    if endpoint.method in ("POST", "PUT", "PATCH"):
        body = operation["requestBody"]
        assert body["required"] is True
        if "multipart/form-data" in body["content"]:  # a file upload
            upload = body["content"]["multipart/form-data"]["schema"]
            assert upload["required"], "an upload names the parts it needs"
        else:
            reference = body["content"]["application/json"]["schema"]["$ref"]
            schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
            assert schema["additionalProperties"] is False, "request bodies refuse unknown fields"
    else:
        assert "requestBody" not in operation

    code, success = _success(operation)
    expected = "201" if CREATED in endpoint.outcomes else "200"
    if ACCEPTED in endpoint.outcomes:  # taken for processing by the workers
        expected = "202"
    assert code == expected, "201 exactly for what creates a resource, 202 for what is queued"
    assert success["content"]["application/json"]["schema"]

    for status in PROBLEM_STATUSES:
        problem = operation["responses"][status]["content"][PROBLEM_CONTENT_TYPE]["schema"]
        assert problem == {"$ref": "#/components/schemas/Problem"}


def _successful_call(
    endpoint: Endpoint, personas: dict[str, Persona], world: World
) -> tuple[Persona, Call]:
    """Who gets a 2xx answer about citizen A, and with what: the operator where they may, or
    the first role that may, or the one the endpoint brings about itself."""
    by_role = {role_of(name, "a"): persona for name, persona in personas.items()}
    if endpoint.success is not None:
        accounts = {role: p.account for role, p in by_role.items() if p.account is not None}
        role, call = endpoint.success(world.a, accounts)
        return by_role[role], call
    allowed = [role for role in ROLES if endpoint.outcome(role).status < 400] or ["self"]
    role = "operator" if "operator" in allowed else allowed[0]
    return by_role[role], endpoint.call(world.a)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
def test_answers_match_the_document(
    document: Document, endpoint: Endpoint, personas: dict[str, Persona], world: World
) -> None:
    """A successful answer about citizen A validates against the documented schema."""
    caller, call = _successful_call(endpoint, personas, world)
    response = send(caller.client, call, headers=endpoint.credentials())
    code, success = _success(_operation(document, endpoint))
    assert str(response.status_code) == code, response.content
    schema = {
        **success["content"]["application/json"]["schema"],
        "components": document["components"],
    }
    content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    validate(json.loads(content), schema, cls=OAS31Validator)
