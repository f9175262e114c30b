"""The birth of a child, end to end through the API: a parent opens the life situation,
registers the birth (the registry office approves), and the birth benefit (the labour
ministry approves) and the kindergarten queue (automatic) unlock in turn, prefilled with
what was already said. Three agencies, signed submissions, signed results in the wallet,
each SMS once, every step in the audit trail and every registry read in the data tracker."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from qyzmet.cases.models import Case, CaseEvent, CaseStatus
from qyzmet.cases.services import case_process
from qyzmet.core.models import AuditEntry
from qyzmet.messaging.models import Notification
from qyzmet.messaging.simulator import simulated_sms
from qyzmet.registries import models as m
from tests.api.world import signing_code
from tests.cases.conftest import CITIZEN_SCOPES, Api
from tests.conftest import Persona


def sign_and_submit(api: Api, case: dict[str, Any], phone: str, capture: Any) -> Any:
    """Sign the submission digest with a code texted to the phone, then submit."""
    with capture(execute=True):  # the code is texted once the request commits
        started = api.post("/trust/signing-requests", {
            "content_sha256": case["submission_digest"], "description": case["number"],
        })  # fmt: skip
    assert started.status_code == 201, started.json()
    signed = api.post(
        f"/trust/signing-requests/{started.json()['id']}/confirm", {"code": signing_code(phone)}
    )
    assert signed.status_code == 200, signed.json()
    return api.post(f"/cases/{case['id']}/submit", {"signature": signed.json()["id"]})


def by_service(situation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["service"]: c for c in situation["cases"]}


@pytest.mark.smoke  # on SQLite too: the demo's database
@pytest.mark.usefixtures("published")
def test_birth_of_a_child_end_to_end(
    citizen_a: Persona,
    citizen_b: Persona,
    registrar: Persona,
    labour_reviewer: Persona,
    officer_y: Persona,
    run_tasks: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert citizen_a.account is not None
    assert citizen_a.person is not None
    assert citizen_b.person is not None
    assert registrar.account is not None
    assert labour_reviewer.account is not None
    phone = citizen_a.account.phone
    earlier = len(simulated_sms(to=phone))  # the simulator's outbox lasts the test session
    parent = Api(citizen_a.token(*CITIZEN_SCOPES))
    justice = Api(registrar.token("cases:read", "cases:decide"))
    labour = Api(labour_reviewer.token("cases:read", "cases:decide"))

    opened = parent.post("/cases/situations", {"situation": "birth-of-a-child"})
    assert opened.status_code == 201, opened.json()
    situation = opened.json()
    steps = by_service(situation)
    assert [c["locked"] for c in situation["cases"]] == [False, True, True]

    # 1. Birth registration: the registry office checks, the birth is registered.
    born = timezone.localdate() - timedelta(days=3)
    registration = steps["birth-registration"]
    saved = parent.patch(f"/cases/{registration['id']}", {"answers": {
        "child_surname": "Abenova", "child_given_name": "Aruzhan",
        "child_birth_date": born.isoformat(), "child_sex": "F",
        "medical_record_number": "20261201", "other_parent_iin": citizen_b.person.iin,
    }})  # fmt: skip
    assert saved.status_code == 200, saved.json()
    assert saved.json()["problems"] == []
    submitted = sign_and_submit(parent, saved.json(), phone, django_capture_on_commit_callbacks)
    assert submitted.status_code == 202, submitted.json()
    assert submitted.json()["status"] == "submitted"
    run_tasks()

    queue = justice.get("/cases/queue").json()
    assert [c["number"] for c in queue] == [registration["number"]]
    assert Api(officer_y.token("cases:read", "cases:decide")).get("/cases/queue").json() == []
    assert justice.post(f"/cases/{registration['id']}/claim").status_code == 200
    approved = justice.decide(registrar.account, registration["id"], "approve", "Record checked.")
    assert approved.status_code == 200, approved.json()
    run_tasks()

    done = parent.get(f"/cases/{registration['id']}").json()
    assert done["status"] == "completed", done["timeline"]
    assert done["result_document"] is not None
    child = m.PopulationRecord.objects.get(given_name_kk="Aruzhan", birth_date=born)
    assert m.FamilyLink.objects.filter(person=child.person, relative=citizen_a.person).exists()
    assert m.FamilyLink.objects.filter(person=child.person, relative=citizen_b.person).exists()

    # 2. The birth benefit unlocks, already knowing the child's name and birth date.
    steps = by_service(parent.get(f"/cases/situations/{situation['id']}").json())
    assert not steps["birth-benefit"]["locked"]
    assert steps["kindergarten-queue"]["locked"]
    benefit = parent.get(f"/cases/{steps['birth-benefit']['id']}").json()
    assert benefit["answers"]["child_given_name"] == "Aruzhan"
    assert benefit["answers"]["child_birth_date"] == born.isoformat()
    saved = parent.patch(f"/cases/{benefit['id']}", {"answers": {"iban": "KZ86125KZT5004100100"}})
    assert saved.json()["problems"] == []
    assert sign_and_submit(parent, saved.json(), phone,
                           django_capture_on_commit_callbacks).status_code == 202  # fmt: skip
    run_tasks()
    assert [c["number"] for c in labour.get("/cases/queue").json()] == [benefit["number"]]
    assert justice.get("/cases/queue").json() == []
    assert labour.decide(labour_reviewer.account, benefit["id"], "approve").status_code == 200
    run_tasks()
    benefit = parent.get(f"/cases/{benefit['id']}").json()
    assert benefit["status"] == "completed", benefit["timeline"]
    assert m.BenefitAward.objects.filter(person=citizen_a.person, kind="child_birth").exists()

    # 3. The kindergarten queue: the child's IIN comes from the birth registration.
    kindergarten = parent.get(f"/cases/{steps['kindergarten-queue']['id']}").json()
    assert not kindergarten["locked"]
    assert kindergarten["answers"]["child_iin"] == child.person.iin
    saved = parent.patch(f"/cases/{kindergarten['id']}", {"answers": {
        "district": "Astana, Yesil district", "language": "kk",
    }})  # fmt: skip
    assert saved.json()["problems"] == []
    assert sign_and_submit(parent, saved.json(), phone,
                           django_capture_on_commit_callbacks).status_code == 202  # fmt: skip
    run_tasks()
    kindergarten = parent.get(f"/cases/{kindergarten['id']}").json()
    assert kindergarten["status"] == "completed", kindergarten["timeline"]
    assert parent.get(f"/cases/situations/{situation['id']}").json()["completed"]

    # Three signed results in the wallet, issued by three agencies.
    wallet = parent.get("/documents").json()
    assert sorted(d["agency"] for d in wallet) == ["education", "justice", "labour"]

    # Processing again changes nothing: each case was accepted and completed once.
    for case in Case.objects.filter(situation__public_id=situation["id"]):
        case_process(case_id=case.pk)
        kinds = Counter(case.events.values_list("kind", flat=True))
        assert kinds["accepted"] == kinds["completed"] == 1
    assert run_tasks() == 0

    # Each notification went out once, by SMS.
    run_tasks()
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    texts = [s.text for s in simulated_sms(to=phone)[earlier:] if "code" not in s.text.lower()]
    assert len(texts) == len(set(texts)) == Notification.objects.count()
    assert len(texts) == 3 * 2 + 2  # accepted and completed per case, two steps opened

    # Every step is in the audit trail, with its actor.
    cases = Case.objects.filter(situation__public_id=situation["id"])
    events = CaseEvent.objects.filter(case__in=cases).count()
    audited = AuditEntry.objects.filter(action__startswith="cases.", object_type="case")
    assert audited.count() == events
    assert audited.filter(actor=f"account:{registrar.account.public_id}",
                          action="cases.approved").exists()  # fmt: skip

    # The data tracker shows the registry reads, named by the case numbers.
    tracker = parent.get("/exchange/tracker").json()["accesses"]
    numbers = {c.number for c in cases}
    assert {a["issue"] for a in tracker} >= {benefit["number"], kindergarten["number"]}
    assert {a["issue"] for a in tracker} <= numbers | {""}
    assert all(a["purpose"] == "service-delivery" for a in tracker if a["issue"] in numbers)
    assert cases.filter(status=CaseStatus.COMPLETED).count() == 3
