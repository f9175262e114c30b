"""The workflow one rule at a time: the clock that stops while the applicant is asked for
more, escalation, refusals with reasons, answers checked in the applicant's language, the
signature and fee a submission needs, and a worker killed while processing."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from qyzmet.cases.answers import answers_problems
from qyzmet.cases.models import Case, CaseStatus, EventKind
from qyzmet.cases.selectors import definition_of, queue_of
from qyzmet.cases.services import (
    case_approve,
    case_claim,
    case_fee_request,
    case_info_provide,
    case_open,
    case_request_info,
    case_submit,
    cases_escalate_due,
    situation_open,
    submission_digest,
)
from qyzmet.cases.workflow import eligibility_preview
from qyzmet.core.errors import Problem
from qyzmet.core.workdays import working_days_add, working_days_between
from qyzmet.core.worker import tasks_requeue_abandoned
from qyzmet.exchange.models import ExchangeRecord
from qyzmet.identity.models import Account
from qyzmet.identity.selectors import principal_for
from qyzmet.messaging.models import Notification
from qyzmet.messaging.simulator import simulator_reply
from qyzmet.payments.selectors import fee_for
from qyzmet.payments.simulator import simulated_pay
from tests.cases.conftest import CITIZEN_SCOPES, Api, sign_digest
from tests.conftest import Persona

pytestmark = pytest.mark.usefixtures("published")

RESIDENCE = {
    "new_address": "Astana, Yesil district, Kabanbay batyr 11, flat 5",
    "moved_on": "2026-11-20", "housing": "rented",
}  # fmt: skip


def signed(case: Case, account: Account) -> str:
    """The applicant's key-file signature over the application as it stands: its id."""
    return str(sign_digest(submission_digest(case), account).public_id)


def submitted(case: Case, account: Account, run_tasks: Callable[[], int]) -> Case:
    case_submit(case_id=case.public_id, signature=signed(case, account), account=account)
    run_tasks()
    return Case.objects.get(pk=case.pk)


def residence_case(citizen: Persona, owner_iin: str) -> Case:
    assert citizen.account is not None
    return case_open(
        account=citizen.account, service="residence-registration",
        answers={**RESIDENCE, "owner_iin": owner_iin},
    )  # fmt: skip


def test_asking_for_more_stops_the_clock_and_moves_the_deadline(
    citizen_a: Persona, citizen_b: Persona, officer_x: Persona, run_tasks: Callable[[], int]
) -> None:
    assert citizen_a.account is not None
    assert officer_x.account is not None
    assert citizen_b.person is not None
    case = submitted(residence_case(citizen_a, citizen_b.person.iin), citizen_a.account, run_tasks)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.queue_agency is not None
    assert case.queue_agency.code == "internal-affairs"
    deadline = case.deadline
    assert deadline == working_days_add(timezone.localdate(), 3)

    case_claim(case=case, officer=officer_x.account)
    case = case_request_info(case=case, officer=officer_x.account, note="The lease, please.")
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert case.paused_at is not None
    with pytest.raises(Problem) as waiting:
        case_approve(case=case, officer=officer_x.account, signature="")
    assert waiting.value.status == 409

    # The applicant answers a week later: the deadline moves on by the working days stood.
    week_ago = timezone.now() - timedelta(days=7)
    Case.objects.filter(pk=case.pk).update(paused_at=week_ago)
    stood = working_days_between(timezone.localdate(week_ago), timezone.localdate())
    assert stood >= 4
    case = case_info_provide(
        case=case, account=citizen_a.account, answers={"housing": "owned"}, note="Attached."
    )
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.paused_at is None
    assert case.deadline == working_days_add(deadline, stood)
    event = case.events.get(kind=EventKind.INFO_PROVIDED)
    assert event.data["clock_stood_working_days"] == stood

    # Asked a second time: told a second time (each request is its own notification).
    case_request_info(case=case, officer=officer_x.account, note="And the owner's consent.")
    asked = Notification.objects.filter(
        template="case-info-requested", key__contains=str(case.public_id)
    )
    assert asked.count() == 2


def test_an_application_near_its_deadline_is_escalated_and_leads_the_queue(
    citizen_a: Persona, citizen_b: Persona, officer_x: Persona, run_tasks: Callable[[], int]
) -> None:
    assert citizen_a.account is not None
    assert citizen_b.account is not None
    assert citizen_a.person is not None
    assert citizen_b.person is not None
    later = submitted(residence_case(citizen_a, citizen_b.person.iin), citizen_a.account, run_tasks)
    urgent = submitted(
        residence_case(citizen_b, citizen_a.person.iin), citizen_b.account, run_tasks
    )
    Case.objects.filter(pk=urgent.pk).update(deadline=timezone.localdate() + timedelta(days=1))

    assert cases_escalate_due() == 1
    assert cases_escalate_due() == 0  # once
    urgent.refresh_from_db()
    assert urgent.escalated_at is not None
    assert urgent.events.filter(kind=EventKind.ESCALATED).count() == 1
    assert officer_x.account is not None
    queue = list(queue_of(principal_for(officer_x.account)))
    assert [c.pk for c in queue] == [urgent.pk, later.pk]


def test_an_ineligible_applicant_is_refused_with_the_rule_explained_in_their_language(
    citizen_b: Persona, run_tasks: Callable[[], int]
) -> None:
    account = citizen_b.account
    assert account is not None
    account.preferred_language = "ru"
    account.save(update_fields=["preferred_language"])
    case = case_open(
        account=account, service="birth-benefit",
        answers={"child_birth_date": "2026-11-01", "iban": "KZ86125KZT5004100100"},
    )  # fmt: skip
    preview = eligibility_preview(case, "en")
    assert preview.eligible is False
    assert any("children" in line for line in preview.lines)
    assert not case.events.filter(kind=EventKind.ELIGIBILITY).exists()  # a preview is not kept
    case = submitted(case, account, run_tasks)
    assert case.status == CaseStatus.REFUSED
    assert "children" in case.refusal_reason  # the clause, as the rule writes it
    assert "Не" in case.refusal_reason.splitlines()[0]  # "Не имеет права..." in Russian
    assert case.decision is not None
    assert case.decision.eligible is False
    # The facts were read through the exchange, for this case.
    assert ExchangeRecord.objects.filter(issue=case.number, purpose="service-delivery").exists()


@pytest.mark.parametrize(
    ("language", "words", "date_hint"),
    [
        ("kk", "Тегі", "ЖЖЖЖ-АА-КК"),
        ("ru", "Фамилия", "ГГГГ-ММ-ДД"),
        ("en", "Surname", "YYYY-MM-DD"),
    ],
)
def test_answers_are_checked_with_messages_in_the_applicants_language(
    language: str, words: str, date_hint: str, citizen_a: Persona
) -> None:
    assert citizen_a.account is not None
    case = case_open(account=citizen_a.account, service="residence-registration")
    form = definition_of(case.version).form
    problems = answers_problems(form, {**case.answers, "surname": "", "moved_on": "20.11.2026"},
                                language)  # fmt: skip
    by_field = {p.field: p.message for p in problems}
    assert words in by_field["surname"]
    assert date_hint in by_field["moved_on"]
    assert "new_address" in by_field
    assert "owner_iin" in by_field


def test_a_field_from_a_register_cannot_be_changed_and_nothing_is_saved(
    citizen_a: Persona,
) -> None:
    assert citizen_a.account is not None
    case = case_open(account=citizen_a.account, service="residence-registration")
    assert case.prefilled["surname"]["service"] == "population/person"
    from qyzmet.cases.services import case_answers_save

    with pytest.raises(Problem) as refused:
        case_answers_save(case=case, answers={"surname": "Other", "housing": "owned"},
                          account=citizen_a.account)  # fmt: skip
    assert refused.value.status == 422
    assert refused.value.errors[0]["pointer"] == "/answers/surname"
    case.refresh_from_db()
    assert case.answers["surname"] == case.prefilled["surname"]["value"]
    assert "housing" not in case.answers


def test_a_submission_needs_the_applicants_own_signature_and_the_fee(
    citizen_a: Persona, citizen_b: Persona
) -> None:
    assert citizen_a.account is not None
    assert citizen_b.account is not None
    case = case_open(
        account=citizen_a.account, service="id-card-replacement",
        answers={"reason": "lost", "phone": "+77010000001"},
    )  # fmt: skip
    assert definition_of(case.version).fee == 1_380_00
    missing = answers_problems(definition_of(case.version).form, case.answers, "en")
    if missing:  # fill whatever the form still asks
        pytest.fail(f"the sample answers miss: {missing}")
    others = signed(case, citizen_b.account)
    own = signed(case, citizen_a.account)

    def refusal(signature: str) -> str:
        with pytest.raises(Problem) as refused:
            case_submit(case_id=case.public_id, signature=signature, account=citizen_a.account)
        return refused.value.code

    assert refusal(own) == "fee-unpaid"
    payment = case_fee_request(case=case, account=citizen_a.account)
    simulated_pay(payment.provider_reference)
    assert fee_for(f"case:{case.public_id}") is not None
    assert refusal(others) == "signature-mismatch"
    assert refusal("not-a-uuid") == "signature-mismatch"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DRAFT
    assert (
        case_submit(case_id=case.public_id, signature=own, account=citizen_a.account).status
        == "submitted"
    )


def test_a_worker_killed_while_processing_loses_nothing(
    citizen_a: Persona, citizen_b: Persona, run_tasks: Callable[[], int]
) -> None:
    assert citizen_a.account is not None
    assert citizen_b.person is not None
    case = residence_case(citizen_a, citizen_b.person.iin)
    case_submit(
        case_id=case.public_id, signature=signed(case, citizen_a.account), account=citizen_a.account
    )
    # A worker on this host claimed the task and died (its process is gone).
    dead = subprocess.Popen(["true"])  # noqa: S607 - a process that has ended
    dead.wait()
    task = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    task.claim(f"{socket.gethostname()}-{dead.pid}")
    assert run_tasks() == 0  # nothing is ready: the task looks taken

    tasks_requeue_abandoned()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert run_tasks() >= 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.queue_agency is not None
    assert case.events.filter(kind=EventKind.ACCEPTED).count() == 1

    # A task of a live worker (this process) stays where it is.
    live = DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).first()
    assert live is not None
    DBTaskResult.objects.filter(pk=live.pk).update(status=TaskResultStatus.RUNNING,
                                                   worker_ids=[f"{socket.gethostname()}-{os.getpid()}"],
                                                   started_at=timezone.now())  # fmt: skip
    tasks_requeue_abandoned()
    assert DBTaskResult.objects.get(pk=live.pk).status == TaskResultStatus.RUNNING


def test_status_by_sms_answers_only_from_the_applicants_phone(
    citizen_a: Persona, citizen_b: Persona, run_tasks: Callable[[], int]
) -> None:
    assert citizen_a.account is not None
    assert citizen_b.account is not None
    assert citizen_b.person is not None
    case = submitted(residence_case(citizen_a, citizen_b.person.iin), citizen_a.account, run_tasks)
    own = simulator_reply(sender=citizen_a.account.phone, text=f"status {case.number}")
    other = simulator_reply(sender=citizen_b.account.phone, text=f"STATUS {case.number}")
    assert own.handled_by == other.handled_by == "STATUS"
    assert case.number in own.reply
    assert "in progress" not in own.reply  # in Kazakh, the account's language
    assert case.number not in other.reply


def test_lists_take_the_same_queries_however_long(
    citizen_a: Persona, citizen_b: Persona, officer_x: Persona, run_tasks: Callable[[], int],
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    assert citizen_a.account is not None
    assert citizen_b.person is not None
    citizen = Api(citizen_a.token(*CITIZEN_SCOPES))
    officer = Api(officer_x.token("cases:read", "cases:decide"))

    def counted(api: Api, path: str) -> int:
        with django_assert_max_num_queries(1000) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    def grow() -> None:
        submitted(residence_case(citizen_a, citizen_b.person.iin), citizen_a.account, run_tasks)
        situation_open(account=citizen_a.account, situation="birth-of-a-child")

    grow()
    paths = [(citizen, "/cases"), (citizen, "/cases/situations"), (officer, "/cases/queue")]
    for api, path in paths:  # warm the per-process cache of published definitions
        counted(api, path)
    before = {path: counted(api, path) for api, path in paths}
    for _ in range(3):
        grow()
    after = {path: counted(api, path) for api, path in paths}
    assert after == before
    assert sum(after.values()) <= 16
