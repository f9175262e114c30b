"""The platform end to end on whichever database is configured (CI runs these on SQLite
too): prepare the demo, then serve pages and the API to its accounts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from qyzmet.core.audit import audit_seal_pending, audit_verify
from qyzmet.documents.models import Document
from qyzmet.documents.services import document_content
from qyzmet.documents.verification import verify_bytes
from qyzmet.identity.models import Account, AccountKind
from qyzmet.registries.models import PopulationRecord

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]


def test_demo_prepares_a_working_platform(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", persons=300, seed=7, no_serve=True)
    out = capsys.readouterr().out
    assert "generating 300 synthetic people" in out
    assert PopulationRecord.objects.count() >= 300
    citizen = Account.objects.get(kind=AccountKind.CITIZEN)
    assert f"login {citizen.username}  password demo-citizen" in out
    assert (
        Account.objects.filter(kind=AccountKind.OFFICER).count() == 4
    )  # one per agency of a life situation

    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json()["status"] == "ready"
    assert client.post(
        "/login/", {"username": citizen.username, "password": "demo-citizen"}
    ).status_code in (302, 303)
    my_data = client.get("/my-data/", HTTP_ACCEPT_LANGUAGE="en")
    assert my_data.status_code == 200
    record = PopulationRecord.objects.get(person=citizen.person)
    assert record.surname_lat in my_data.content.decode()

    openapi = client.get("/api/v1/openapi.json")
    assert openapi.status_code == 200
    me = client.get("/api/v1/identity/me").json()
    assert me["iin"] == citizen.username

    # The shipped catalogue is published: services of six agencies, life situations.
    services = client.get("/api/v1/catalog/services").json()
    assert len(services) >= 20
    assert len({service["agency"]["code"] for service in services}) >= 6
    birth = client.get("/api/v1/catalog/life-situations/birth-of-a-child").json()
    assert [step["service"] for step in birth["steps"]] == [
        "birth-registration",
        "birth-benefit",
        "kindergarten-queue",
    ]

    # The wallet holds signed sample documents, and each verifies.
    documents = list(Document.objects.filter(owner=citizen.person))
    assert sorted(d.format for d in documents) == ["json", "pdf", "xml"]
    for document in documents:
        report = verify_bytes(document_content(document))
        assert report.valid, report.messages()
        assert report.document == document

    # Running the demo again changes nothing and creates no second population.
    call_command("demo", persons=300, seed=7, no_serve=True)
    assert Account.objects.filter(kind=AccountKind.CITIZEN).count() == 1
    assert Document.objects.count() == len(documents)

    while audit_seal_pending():
        pass
    assert audit_verify().intact
