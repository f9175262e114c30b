"""The /api/v1 composition: every app's router under one OpenAPI 3.1 document."""

from __future__ import annotations

from ninja import NinjaAPI

from qyzmet.api.errors import install_problem_handlers

api = NinjaAPI(
    title="qyzmet API",
    version="1",
    description="Public services, base registries and identity for integrators.",
    urls_namespace="api-v1",
)
install_problem_handlers(api)
