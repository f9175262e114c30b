"""The application pages and the back office without a browser: who may see what, what a
draft keeps, how problems are shown, and that bad input is a plain message, never a 500."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.test import Client
from django.utils import timezone

from qyzmet.cases.models import Case, CaseStatus, EventKind
from qyzmet.cases.office import deadline_of
from qyzmet.cases.services import (
    case_approve,
    case_claim,
    case_open,
    case_refuse,
    decision_digest,
)
from qyzmet.catalog.search import catalogue_search
from qyzmet.catalog.selectors import service_definition, service_version_get
from qyzmet.core.errors import Problem
from qyzmet.core.models import AuditEntry
from qyzmet.core.workdays import working_days_add
from qyzmet.trust.algorithms import algorithm_of_key
from qyzmet.trust.authority import seal_certificate_ensure, signing_identity
from qyzmet.trust.models import Signature
from qyzmet.trust.signing import signature_record
from tests.cases.conftest import birth_registration_queued, sign_digest
from tests.conftest import Persona

pytestmark = pytest.mark.usefixtures("published")


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response: object) -> str:
    content = response.content.decode()  # type: ignore[attr-defined]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content)))


def _draft(persona: Persona, service: str = "birth-registration") -> Case:
    assert persona.account is not None
    return case_open(account=persona.account, service=service)


def test_catalogue_search_forgives_typos_and_either_alphabet() -> None:
    def codes(query: str) -> list[str]:
        return [hit.entry.code for hit in catalogue_search(query)]

    for query in ("birth of a child", "birht", "рождение", "rozhdenie", "rojdenie", "tuu"):
        assert "birth-of-a-child" in codes(query)[:3], (query, codes(query))
    assert "unemployed-status" in codes("безработный")
    assert codes("zzzqqq") == []
    assert codes("   ") == []
    assert "programme-appeal" not in codes("appeal")  # opened by the platform only


def test_form_keeps_the_catalogues_field_order_in_postgresql() -> None:
    version = service_version_get("birth-registration")
    version.refresh_from_db()  # read back from jsonb, which sorts an object's keys
    order = list(service_definition(version).form.ui)
    assert order[:3] == ["child_surname", "child_given_name", "child_patronymic"]


def test_service_and_situation_pages_are_public(anonymous: Persona) -> None:
    client = _english(anonymous.client)
    page = client.get("/services/birth-benefit/")
    assert page.status_code == 200
    assert "One-time birth benefit" in _text(page)
    assert "Log in to apply" in _text(page)
    assert client.get("/situations/birth-of-a-child/").status_code == 200
    assert client.get("/services/no-such-service/").status_code == 404
    assert client.get("/services/", {"q": "x" * 5000}).status_code == 200
    found = client.get("/services/", {"q": "benefit"})
    assert "/services/birth-benefit/" in found.content.decode()


def test_a_draft_keeps_what_was_typed_and_says_what_is_missing(citizen_a: Persona) -> None:
    case = _draft(citizen_a)
    client = _english(citizen_a.client)
    url = f"/my/cases/{case.public_id}/"

    saved = client.post(url, {"go": "save", "child_given_name": "Aruzhan", "child_sex": "F"})
    assert saved.status_code == 302
    case.refresh_from_db()
    assert case.answers["child_given_name"] == "Aruzhan"
    assert case.status == CaseStatus.DRAFT

    checked = client.post(url, {"go": "check", "child_given_name": "Aruzhan",
                                "other_parent_iin": "12"})  # fmt: skip
    assert checked.status_code == 422
    text = _text(checked)
    assert "There is a problem" in text
    assert "Child's surname: please fill this in." in text
    assert "Other parent's IIN: the value is not written the expected way." in text
    assert 'aria-invalid="true"' in checked.content.decode()
    case.refresh_from_db()
    assert case.answers["other_parent_iin"] == "12"  # kept, to be corrected
    assert "child_sex" not in case.answers  # emptied by this post: forgotten

    # Until the form is right, the check page sends the person back to it.
    assert client.get(f"{url}check/")["Location"] == url


def test_submitting_without_a_signature_is_refused_plainly(citizen_a: Persona) -> None:
    case = _draft(citizen_a, "kindergarten-queue")
    client = _english(citizen_a.client)
    answered = client.post(f"/my/cases/{case.public_id}/submit/", {"signature": str(uuid4())})
    assert answered.status_code == 302
    page = client.get(answered["Location"], follow=True)
    assert page.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    bad = client.post(f"/my/cases/{case.public_id}/submit/", {"signature": "not-a-uuid"})
    assert bad.status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/my/cases/{id}/", "/my/cases/{id}/check/", "/my/cases/{id}/submit/"],
)
def test_only_the_applicant_sees_their_application(
    path: str, citizen_a: Persona, citizen_b: Persona, officer_x: Persona, anonymous: Persona
) -> None:
    case = _draft(citizen_a)
    url = path.format(id=case.public_id)
    assert citizen_a.client.get(url).status_code in (200, 302)
    assert citizen_b.client.get(url).status_code == 404
    assert officer_x.client.get(url).status_code == 403  # a citizens' page
    assert anonymous.client.get(url)["Location"].startswith("/login/")
    assert citizen_b.client.post(url, {"go": "save", "child_given_name": "X"}).status_code in (
        404, 405,
    )  # fmt: skip
    case.refresh_from_db()
    assert "child_given_name" not in case.answers


def test_the_back_office_is_for_officers_of_the_cases_agency(
    citizen_a: Persona, officer_x: Persona, registrar: Persona
) -> None:
    case = _draft(citizen_a)
    assert citizen_a.client.get("/office/").status_code == 403
    assert registrar.client.get("/office/").status_code == 200
    # A draft is the applicant's alone, even for the registry office.
    assert registrar.client.get(f"/office/cases/{case.public_id}/").status_code == 404
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_PROGRESS)
    assert registrar.client.get(f"/office/cases/{case.public_id}/").status_code == 200
    assert officer_x.client.get(f"/office/cases/{case.public_id}/").status_code == 404
    refused = officer_x.client.post(f"/office/cases/{case.public_id}/refuse/", {"text": "No"})
    assert refused.status_code == 404
    assert not case.events.filter(kind=EventKind.REFUSED).exists()


def test_an_officer_is_told_plainly_what_cannot_be_done(
    citizen_a: Persona, registrar: Persona
) -> None:
    case = _draft(citizen_a)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.SUBMITTED)
    client = _english(registrar.client)
    for action in ("approve", "claim", "refuse", "request-info"):
        response = client.post(f"/office/cases/{case.public_id}/{action}/", {"text": ""})
        assert response.status_code == 302, action
        shown = client.get(response["Location"])
        assert shown.status_code == 200
        assert "The application is not waiting for an officer." in _text(shown), action
    assert client.post(f"/office/cases/{case.public_id}/shred/").status_code == 404
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.OPENED]


def test_the_queue_reads_the_same_statements_however_long_it_is(
    citizen_a: Persona, citizen_b: Persona, registrar: Persona
) -> None:
    """Its rows need no statement of their own (bench/portal.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qyzmet.identity.models import Agency

    justice = Agency.objects.get(code="justice")

    def queue(persona: Persona) -> Case:
        case = _draft(persona)
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.IN_PROGRESS, queue_agency=justice, deadline="2030-01-10"
        )
        return case

    client = _english(registrar.client)
    first = queue(citizen_a)
    client.get("/office/")  # caches warm
    with CaptureQueriesContext(connection) as one:
        assert client.get("/office/").status_code == 200
    more = [queue(citizen_b), queue(citizen_a), queue(citizen_b)]
    Case.objects.filter(pk=more[0].pk).update(assigned_to=registrar.account)
    with CaptureQueriesContext(connection) as four:
        shown = client.get("/office/")
    assert len(four.captured_queries) == len(one.captured_queries)
    text = _text(shown)
    assert "Waiting: 1 to 4" in text
    for case in [first, *more]:
        assert case.number in text
    assert "Abenov Nurlan" in text or "Nurlan Abenov" in text
    assert "You" in text  # the one the registrar has taken


def test_the_queue_comes_in_pages_that_keep_the_filters(
    citizen_a: Persona, registrar: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qyzmet.cases import office
    from qyzmet.identity.models import Agency

    monkeypatch.setattr(office, "QUEUE_PAGE", 2)
    justice = Agency.objects.get(code="justice")
    numbers = []
    for day in (1, 2, 3):
        case = _draft(citizen_a)
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.IN_PROGRESS, queue_agency=justice, deadline=f"2030-01-0{day}"
        )
        numbers.append(case.number)
    client = _english(registrar.client)
    first = _text(client.get("/office/", {"agency": "justice"}))
    assert numbers[0] in first
    assert numbers[1] in first
    assert numbers[2] not in first
    assert (
        'href="?agency=justice&amp;page=2"'
        in client.get("/office/", {"agency": "justice"}).content.decode()
    )
    second = _text(client.get("/office/", {"agency": "justice", "page": "2"}))
    assert numbers[2] in second
    assert numbers[0] not in second
    assert "Waiting: 3 to 3" in second
    for page in ("0", "-1", "x", "99999999999"):
        assert numbers[0] in _text(client.get("/office/", {"page": page}))


# --- signed decisions -----------------------------------------------------------------------


def _loaded(case: Case) -> Case:
    return Case.objects.select_related("version__service", "applicant", "queue_agency").get(
        pk=case.pk
    )


def test_an_officer_signs_the_approval_then_makes_it(
    citizen_a: Persona, registrar: Persona
) -> None:
    assert citizen_a.account is not None
    assert registrar.account is not None
    case = birth_registration_queued(citizen_a.account)
    client = _english(registrar.client)
    assert client.get(f"/office/cases/{case.public_id}/claim/").status_code == 302
    assert _loaded(case).assigned_to_id is None, "a GET changes nothing"
    assert client.post(f"/office/cases/{case.public_id}/claim/").status_code == 302

    asked = client.post(f"/office/cases/{case.public_id}/approve/", {"text": " Record checked. "})
    assert asked.status_code == 302
    assert asked["Location"].startswith("/trust/sign/?")
    target = dict(parse_qsl(urlsplit(asked["Location"]).query))
    digest = decision_digest(
        _loaded(case), officer=registrar.account, decision="approve", text="Record checked."
    )
    assert target["sha256"] == digest
    assert target["description"] == f"Approval of application {case.number}"
    assert not case.events.filter(kind=EventKind.APPROVED).exists(), "nothing before signing"

    # The signing pages (tests/trust): the registrar confirms with the authenticator's code.
    started = client.post("/trust/sign/remote/", {k: target[k] for k in ("sha256", "next")})
    signed = client.post(started["Location"], {"code": registrar.totp_next()})
    assert signed.status_code == 302
    signature = Signature.objects.get(content_sha256=digest)
    confirm = client.get(f"{target['next']}?signature={signature.public_id}")
    assert confirm.status_code == 200
    assert "Record checked." in _text(confirm)
    assert not case.events.filter(kind=EventKind.APPROVED).exists(), "nothing before the press"

    # The words signed are the words decided, whatever the form sends.
    made = client.post(target["next"], {"signature": str(signature.public_id), "text": "Other"})
    assert made["Location"] == "/office/"
    event = case.events.get(kind=EventKind.APPROVED)
    assert (event.note, event.signature_id) == ("Record checked.", signature.pk)
    assert f"Application {case.number} is approved" in _text(client.get("/office/"))
    timeline = _text(_english(citizen_a.client).get(f"/my/cases/{case.public_id}/"))
    assert "Approved by an officer (signed)" in timeline


def test_a_decision_needs_a_signature_over_its_own_words_by_the_officer_or_agency(
    citizen_a: Persona, registrar: Persona
) -> None:
    assert citizen_a.account is not None
    officer = registrar.account
    assert officer is not None
    case = _loaded(birth_registration_queued(citizen_a.account))
    case_claim(case=case, officer=officer)

    def digest(decision: str, text: str) -> str:
        return decision_digest(_loaded(case), officer=officer, decision=decision, text=text)

    approval = str(sign_digest(digest("approve", "OK"), officer).public_id)
    by_applicant = str(sign_digest(digest("approve", "OK"), citizen_a.account).public_id)
    refusals = [
        lambda: case_refuse(case=case, officer=officer, reason="OK", signature=approval),
        lambda: case_approve(case=case, officer=officer, note="OK, seen", signature=approval),
        lambda: case_approve(case=case, officer=officer, note="OK", signature=by_applicant),
        lambda: case_approve(case=case, officer=officer, note="OK", signature="not-an-id"),
    ]
    for attempt in refusals:
        with pytest.raises(Problem) as refused:
            attempt()
        assert (refused.value.status, refused.value.code) == (422, "signature-mismatch")
    assert list(case.events.values_list("kind", flat=True)).count(EventKind.APPROVED) == 0

    # The agency's system may sign for the officer: the digest names the officer.
    assert case.queue_agency is not None
    seal = signing_identity(seal_certificate_ensure(agency=case.queue_agency))
    reason_digest = digest("refuse", "The medical record does not match.")
    algorithm = algorithm_of_key(seal.private_key)
    value = algorithm.sign(seal.private_key, bytes.fromhex(reason_digest))
    sealed = signature_record(
        certificate_der=seal.certificate.public_bytes(serialization.Encoding.DER),
        algorithm=algorithm.jws, value=value,
        content_sha256=reason_digest, description=case.number, agency=case.queue_agency,
    )  # fmt: skip
    case_refuse(case=case, officer=officer, reason="The medical record does not match.",
                signature=str(sealed.public_id))  # fmt: skip
    refused_event = case.events.get(kind=EventKind.REFUSED)
    assert refused_event.signature_id == sealed.pk
    assert AuditEntry.objects.filter(
        action="cases.refused", data__signature=str(sealed.public_id)
    ).exists()


def test_a_deadline_is_due_with_at_most_one_working_day_left() -> None:
    today = timezone.localdate()

    def level(deadline: date) -> str:
        return deadline_of(Case(deadline=deadline)).level

    second = working_days_add(today, 2)
    assert level(today - timedelta(days=1)) == "overdue"
    for day in range((second - today).days):  # today, and every day up to the second
        assert level(today + timedelta(days=day)) == "due", day
    assert level(second) == "ok"
    assert deadline_of(Case(deadline=today, paused_at=timezone.now())).level == "stopped"
