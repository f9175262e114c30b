"""The mediator's rules, through the in-process client and over HTTP on loopback."""

from __future__ import annotations

import pytest
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import ExchangeRecord
from tests.conftest import Persona
from tests.exchange.world import BENEFITS, PERSON, ExchangeWorld


@pytest.fixture
def over_http(
    live_server: LiveServer, settings: Settings, world: ExchangeWorld
) -> ExchangeClient:
    settings.QYZMET_PUBLIC_URL = live_server.url
    return ExchangeClient.over_http(BENEFITS, url=live_server.url, signer=world.benefits.signer)


def test_a_granted_client_gets_the_record_over_http(
    over_http: ExchangeClient, citizen_a: Persona
) -> None:
    assert citizen_a.person is not None
    answer = over_http.get(
        PERSON, citizen_a.person.iin, purpose="benefit-assignment", issue="case-1"
    )
    assert answer.status == 200, answer.body
    assert answer.json()["iin"] == citizen_a.person.iin
    assert answer.headers["X-Road-Request-Hash"]
    record = ExchangeRecord.objects.get()
    assert (record.client, record.service, record.subject_iin) == (
        BENEFITS,
        PERSON,
        citizen_a.person.iin,
    )
    assert "surname_kk" in record.fields


def test_local_client_follows_the_same_rules(world: ExchangeWorld, citizen_a: Persona) -> None:
    assert citizen_a.person is not None
    local = ExchangeClient.local(BENEFITS)
    refused = local.get(PERSON, citizen_a.person.iin, purpose="tax-administration", issue="c")
    assert refused.status == 403
    assert refused.error == "Server.ServerProxy.PurposeNotGranted"
    answer = local.get(PERSON, citizen_a.person.iin, purpose="benefit-assignment", issue="c")
    assert answer.status == 200
    assert ExchangeRecord.objects.count() == 2
