"""The /api/v1 composition: every app's router under one OpenAPI 3.1 document."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from qyzmet.api.errors import install_problem_handlers, problem_for_wrong_method
from qyzmet.core.errors import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "detail": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}

PROBLEM_STATUSES = {
    "400": "Malformed request body",
    "401": "Not authenticated",
    "404": "Not found, or not visible to the caller",
    "413": "Request body too large",
    "422": "Invalid input: see errors",
}


class QyzmetAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        return [problem_for_wrong_method(p) for p in patterns], app_name, namespace

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The generated document, with the problem+json answers every operation can give."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path in schema["paths"].values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in PROBLEM_STATUSES.items():
                    responses.setdefault(status, {"description": description, "content": problem})
        return schema


api = QyzmetAPI(
    title="qyzmet API",
    version="1",
    description="Public services, base registries and identity for integrators. "
    "Authenticate with a personal access token ('Authorization: Bearer qzt_...') or a portal "
    "session. Every error is RFC 9457 problem+json.",
    urls_namespace="api-v1",
)
install_problem_handlers(api)
api.add_router("/identity", "qyzmet.identity.api.router")
api.add_router("/registries", "qyzmet.registries.api.router")
api.add_router("/documents", "qyzmet.documents.api.router")
api.add_router("/trust", "qyzmet.trust.api.router")
api.add_router("/exchange", "qyzmet.exchange.api.router")
api.add_router("/catalog", "qyzmet.catalog.api.router")
api.add_router("/cases", "qyzmet.cases.api.router")
api.add_router("/payments", "qyzmet.payments.api.router")
api.add_router("/messaging", "qyzmet.messaging.api.router")
api.add_router("/programmes", "qyzmet.programmes.api.router")
api.add_router("/procurement", "qyzmet.procurement.api.router")
