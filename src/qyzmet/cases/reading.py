"""How a case reads the registries: through the exchange, as its agency's e-services
subsystem, for the purpose of delivering a public service, named by the case number, so
that every read is signed, logged and shown to the person in their data tracker.

A published service declares what it reads (its prefill sources and its eligibility rule's
facts); the agency's subsystem is granted exactly that, and nothing else, the first time a
case of the service reads (decisions/0009).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction

from qyzmet.catalog.definitions import ServiceDefinition
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import Grant, MemberClass
from qyzmet.exchange.selectors import local_service_identifier
from qyzmet.exchange.services import exchange_init, grant_give, member_add, subsystem_add
from qyzmet.identity.models import Agency
from qyzmet.rules.sources import ExchangeSource

PURPOSE = "service-delivery"
SUBSYSTEM = "e-services"
# What the eligibility rules read through the exchange (rules.sources.ExchangeSource).
RULE_SOURCES = (
    ("population", "person"), ("families", "links"), ("employment", "income-by-period"),
    ("employment", "jobs"), ("benefits", "paid-to"),
)  # fmt: skip


class ReadFailed(Exception):
    """A registry did not answer a case's read."""


def client_identifier(agency: Agency) -> str:
    return f"{settings.QYZMET_EXCHANGE_INSTANCE}/GOV/{agency.organisation.bin}/{SUBSYSTEM}"


def data_needs(definition: ServiceDefinition) -> set[str]:
    """The exchange services a service reads."""
    needs = {local_service_identifier(*p.service.split("/", 1)) for p in definition.prefill}
    if definition.eligibility:
        needs |= {local_service_identifier(*route) for route in RULE_SOURCES}
    return needs


@transaction.atomic
def service_reader_ensure(*, agency: Agency, definition: ServiceDefinition) -> str:
    """The agency's e-services subsystem, granted what ``definition`` reads (idempotent)."""
    identifier = client_identifier(agency)
    needs = data_needs(definition)
    granted = set(
        Grant.objects.filter(
            client__identifier=identifier, revoked_at__isnull=True, purposes__code=PURPOSE
        ).values_list("service__identifier", flat=True)
    )
    if needs <= granted:
        return identifier
    exchange_init(actor="system")  # the registries' services, published once
    member_add(
        member_class=MemberClass.GOV, code=agency.organisation.bin, name=agency.name_en,
        agency=agency, actor="system",
    )  # fmt: skip
    subsystem_add(identifier=identifier, actor="system")
    for service in sorted(needs - granted):
        grant_give(client=identifier, service=service, purposes=[PURPOSE], actor="system")
    return identifier


def exchange_get(
    *, agency: Agency, definition: ServiceDefinition, route: str, iin: str, issue: str, user: str
) -> Any:
    """The answer of ``route`` (``population/person``) about ``iin``, as JSON."""
    client = ExchangeClient.local(service_reader_ensure(agency=agency, definition=definition))
    answer = client.get(
        local_service_identifier(*route.split("/", 1)), iin,
        purpose=PURPOSE, issue=issue, user_id=user,
    )  # fmt: skip
    if answer.status != 200:
        raise ReadFailed(f"{route} answered {answer.status} {answer.error}")
    return json.loads(answer.body)


def rule_source(
    *, agency: Agency, definition: ServiceDefinition, issue: str, user: str
) -> ExchangeSource:
    client = ExchangeClient.local(service_reader_ensure(agency=agency, definition=definition))
    return ExchangeSource(client, purpose=PURPOSE, issue=issue, user_id=user)
