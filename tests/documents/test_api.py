"""/api/v1/documents: the wallet, downloads, share links, and public verification that
reports every kind of bad signature with its reason, in the reader's language."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from qyzmet.documents.models import Document, ShareLink
from qyzmet.documents.samples import samples_issue
from qyzmet.documents.services import document_content, share_link_open
from qyzmet.documents.verification import MAX_UPLOAD, problem_message
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup
from tests.api.endpoints import API, json_call, send, upload_call
from tests.api.problems import assert_problem
from tests.api.snapshots import changes, snapshot
from tests.api.world import wallet_document
from tests.conftest import Persona
from tests.trust.cases import (
    EXPECTED_PROBLEM,
    FORMATS,
    Format,
    Signer,
    signed_file,
    signer_identity,
    tampered,
    tampered_content,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

DOCUMENTS = f"{API}/documents"
VERIFY = f"{DOCUMENTS}/verify"
LANGUAGES = ("kk", "ru", "en")
INTEGRITY = {"digest-mismatch", "bad-signature-value", "content-after-signature"}


def _verify(data: bytes, content: bytes | None = None, *, language: str = "en") -> Response:
    files = {"file": data} | ({"content": content} if content is not None else {})
    return send(Client(), upload_call(VERIFY, **files), headers={"Accept-Language": language})


def _codes(report: dict[str, Any]) -> set[str]:
    found = {p["code"] for p in report["problems"]}
    return found | {p["code"] for s in report["signatures"] for p in s["problems"]}


def _messages_are_in(report: dict[str, Any], language: str) -> None:
    """Every problem has a message, and it is the one for this language."""
    problems = report["problems"] + [p for s in report["signatures"] for p in s["problems"]]
    assert problems
    with translation.override(language):
        for problem in problems:
            assert problem["message"], problem
            assert problem["message"] == problem_message(problem["code"])


# --- verification ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("signer", ["tampered", "foreign", "expired", "revoked"])
def test_a_bad_file_is_reported_invalid_with_its_reason_in_each_language(
    trust: TrustSetup, agencies: dict[str, Agency], kind: Format, signer: str
) -> None:
    made_by: Signer = "good" if signer == "tampered" else signer  # type: ignore[assignment]
    data, content = signed_file(kind, signer_identity(made_by, agencies["internal-affairs"]))
    if signer == "tampered":
        data = tampered(data, kind)
        content = tampered_content(content) if content else None

    before = snapshot()
    for language in LANGUAGES:
        response = _verify(data, content, language=language)
        assert response.status_code == 200, response.content
        assert response["Content-Language"] == language
        report = response.json()
        assert report["valid"] is False
        assert report["document"] is None
        assert report["format"] == kind
        assert report["signatures"], report
        assert report["signatures"][0]["valid"] is False
        if signer == "tampered":
            assert _codes(report) & INTEGRITY, report
        else:
            assert EXPECTED_PROBLEM[signer] in _codes(report), report
        _messages_are_in(report, language)
    assert changes(before, snapshot()) == {}


def test_the_english_messages_are_plain_words(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    data, _ = signed_file("json", signer_identity("revoked", agencies["internal-affairs"]))
    report = _verify(data, language="en").json()
    signature = report["signatures"][0]
    assert {"code": "revoked", "message": problem_message("revoked")} in signature["problems"]
    assert "revoked" in problem_message("revoked")
    assert signature["revoked_at"] is not None
    assert signature["chain"][0]["serial"]
    assert signature["chain"][-1]["subject"] == "CN=qyzmet Root CA,O=qyzmet,C=KZ"


def test_a_platform_document_is_valid_and_named(
    trust: TrustSetup, personas: dict[str, Persona]
) -> None:
    person = personas["citizen_a"].person
    assert person is not None
    documents = samples_issue(person=person, language="ru", actor="test")

    for document in documents:
        report = _verify(document_content(document), language="kk").json()
        assert report["valid"] is True, report
        assert report["problems"] == []
        assert report["format"] == document.format
        assert report["document"] == {
            "short_code": document.short_code,
            "title": document.title,
            "issued_at": report["document"]["issued_at"],
            "agency": "internal-affairs",
            "agency_name": document.agency.name_kk,
        }
        signature = report["signatures"][0]
        assert signature["valid"] is True
        assert signature["signer"] == "Ministry of Internal Affairs"
        assert signature["signer_id"].startswith("BIN")

        by_code = Client().get(f"{VERIFY}/{document.short_code}", HTTP_ACCEPT_LANGUAGE="en")
        assert by_code.status_code == 200
        assert by_code.json()["valid"] is True
        assert by_code.json()["document"]["short_code"] == document.short_code


def test_codes_are_read_leniently(trust: TrustSetup, personas: dict[str, Persona]) -> None:
    person = personas["citizen_b"].person
    assert person is not None
    code = wallet_document(person).short_code
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = Client().get(f"{VERIFY}/{quote(typed)}")
    assert response.status_code == 200
    assert response.json()["document"]["short_code"] == code

    assert_problem(Client().get(f"{VERIFY}/ZZZZ-ZZZZ-ZZZZ"), 404)
    assert_problem(Client().get(f"{VERIFY}/not-a-code"), 422)


def test_files_that_are_not_signed_documents(trust: TrustSetup) -> None:
    unknown = _verify(b"just some text").json()
    assert unknown == {
        "valid": False,
        "format": "",
        "problems": [{"code": "unknown-format", "message": problem_message("unknown-format")}],
        "signatures": [],
        "document": None,
    }
    assert {p["code"] for p in _verify(b"%PDF-1.7 broken").json()["problems"]} <= {
        "unreadable",
        "no-signature",
    }
    assert [p["code"] for p in _verify(b"0\x82\x01\x00").json()["problems"]] == ["content-needed"]


ENTITIES = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
NASTY = {
    "deeply nested JSON": b'{"a": ' + b"[" * 100_000,
    "deeply nested payload": b'{"payload": ' + b"[" * 100_000 + b', "signature": "x"}',
    "lone surrogate in the payload": b'{"payload": "\\ud800", "signature": "e30..AAAA"}',
    "time stamp that is no token": b'{"payload": 1, "signature": "e30..A", "timestamp": "MA=="}',
    "entity expansion": b'<?xml version="1.0"?>' + ENTITIES + b"]><x>&b;&b;&b;</x>",
    "external entity": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "deeply nested XML": b"<a>" * 100_000,
    "PDF of zeros": b"%PDF-1.7\n" + bytes(1000),
    "DER with a huge length": b"0\x84\xff\xff\xff\xff",
}


@pytest.mark.parametrize("data", NASTY.values(), ids=NASTY.keys())
def test_a_nasty_upload_gets_a_report(trust: TrustSetup, data: bytes) -> None:
    """Never a 500: whatever the bytes, the answer is a report that they are not valid."""
    for content in (None, b"detached content"):
        response = send(
            Client(raise_request_exception=False),
            upload_call(VERIFY, file=data, **({"content": content} if content else {})),
        )
        assert response.status_code == 200, response.content
        assert response.json()["valid"] is False
        assert b"/etc/passwd" not in response.content


def test_a_detached_signature_is_checked_against_its_content(
    trust: TrustSetup, agencies: dict[str, Agency]
) -> None:
    data, content = signed_file("cms", signer_identity("good", agencies["internal-affairs"]))
    assert content is not None
    assert _verify(data, content).json()["valid"] is True
    assert _verify(data, tampered_content(content)).json()["valid"] is False


def test_an_upload_over_20_mb_is_refused(trust: TrustSetup) -> None:
    before = snapshot()
    response = _verify(b"%PDF" + b"0" * MAX_UPLOAD, language="ru")
    body = assert_problem(response, 413)
    with translation.override("ru"):
        assert body["detail"] == problem_message("too-large")
    assert changes(before, snapshot()) == {}


# --- the wallet ------------------------------------------------------------------------


def test_the_wallet_lists_only_my_documents(
    trust: TrustSetup,
    personas: dict[str, Persona],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    a, b = personas["citizen_a"], personas["citizen_b"]
    assert a.person is not None
    assert b.person is not None
    mine = [wallet_document(a.person, title=f"Extract {i}") for i in range(5)]
    wallet_document(b.person)

    with django_assert_max_num_queries(6 + 1):  # the session's queries, and one
        listed = a.client.get(DOCUMENTS).json()
    assert [d["id"] for d in listed] == [str(d.public_id) for d in reversed(mine)]
    first = listed[-1]
    assert first["title"] == "Extract 0"
    assert first["agency"] == "internal-affairs"
    assert first["format"] == "json"
    assert first["media_type"] == "application/json"
    assert first["sha256"] == hashlib.sha256(document_content(mine[0])).hexdigest()
    assert first["size"] == len(document_content(mine[0]))
    assert first["verification_url"] == f"{settings.QYZMET_PUBLIC_URL}/verify/{mine[0].short_code}"

    assert len(b.client.get(DOCUMENTS).json()) == 1
    assert personas["operator"].client.get(DOCUMENTS).json() == []
    assert_problem(b.client.get(f"{DOCUMENTS}/{mine[0].public_id}"), 404)
    assert_problem(personas["operator"].client.get(f"{DOCUMENTS}/{mine[0].public_id}"), 404)


def test_a_document_downloads_as_issued(trust: TrustSetup, personas: dict[str, Persona]) -> None:
    citizen = personas["citizen_a"]
    assert citizen.person is not None
    for document in samples_issue(person=citizen.person, language="kk", actor="test"):
        response = citizen.client.get(f"{DOCUMENTS}/{document.public_id}/content")
        assert response.status_code == 200
        assert response.content == document_content(document)
        assert response["Content-Type"] == document.blob.media_type
        assert response["Content-Disposition"] == f'attachment; filename="{document.filename}"'
        assert "no-store" in response["Cache-Control"]
        assert_problem(personas["citizen_b"].client.get(f"{DOCUMENTS}/{document.public_id}"), 404)


def test_tokens_need_the_documents_scopes(trust: TrustSetup, personas: dict[str, Persona]) -> None:
    citizen = personas["citizen_a"]
    assert citizen.person is not None
    document = wallet_document(citizen.person)
    reader = {"Authorization": f"Bearer {citizen.token('documents:read')}"}
    other = {"Authorization": f"Bearer {citizen.token('identity:read')}"}
    path = f"{DOCUMENTS}/{document.public_id}"

    assert Client().get(path, headers=reader).status_code == 200
    assert Client().get(f"{path}/content", headers=reader).status_code == 200
    assert Client().get(DOCUMENTS, headers=other).json() == []
    assert_problem(Client().get(path, headers=other), 404)
    share = json_call("POST", f"{path}/shares", {"lifetime_hours": 1})
    assert_problem(send(Client(), share, headers=reader), 404)  # sharing is a scope of its own
    sharer = {"Authorization": f"Bearer {citizen.token('documents:share')}"}
    assert send(Client(), share, headers=sharer).status_code == 201


# --- share links -----------------------------------------------------------------------


def test_share_link_lifecycle(trust: TrustSetup, personas: dict[str, Persona]) -> None:
    citizen, other = personas["citizen_a"], personas["citizen_b"]
    assert citizen.person is not None
    document = wallet_document(citizen.person)
    shares = f"{DOCUMENTS}/{document.public_id}/shares"

    created = send(citizen.client, json_call("POST", shares, {"lifetime_hours": 48}))
    assert created.status_code == 201, created.content
    link = created.json()
    prefix = f"{settings.QYZMET_PUBLIC_URL}/shared/"
    assert link["url"].startswith(prefix)
    token = link["url"].removeprefix(prefix)
    stored = ShareLink.objects.get(public_id=link["id"])
    assert token not in stored.token_hash
    assert (stored.expires_at - stored.created_at).total_seconds() == pytest.approx(48 * 3600, 5)

    opened = share_link_open(token)
    assert isinstance(opened, Document)
    assert opened.pk == document.pk

    listed = citizen.client.get(shares).json()
    assert [(s["id"], s["downloads"], s["revoked_at"]) for s in listed] == [(link["id"], 1, None)]
    assert "url" not in listed[0]
    assert token not in citizen.client.get(shares).content.decode()

    before = snapshot()
    assert_problem(other.client.get(shares), 404)
    assert_problem(other.client.delete(f"{shares}/{link['id']}"), 404)
    assert_problem(send(other.client, json_call("POST", shares, {"lifetime_hours": 1})), 404)
    assert changes(before, snapshot()) == {}

    revoked = citizen.client.delete(f"{shares}/{link['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert share_link_open(token) is None
    assert citizen.client.get(shares).json() == []  # only live links are listed
    other_document = wallet_document(citizen.person)
    elsewhere = f"{DOCUMENTS}/{other_document.public_id}/shares/{link['id']}"
    assert_problem(citizen.client.delete(elsewhere), 404)

    before = snapshot()
    again = citizen.client.delete(f"{shares}/{link['id']}")
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert changes(before, snapshot()) == {}


def test_share_lists_are_pinned(
    trust: TrustSetup,
    personas: dict[str, Persona],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    citizen = personas["citizen_a"]
    assert citizen.person is not None
    document = wallet_document(citizen.person)
    shares = f"{DOCUMENTS}/{document.public_id}/shares"
    for hours in range(1, 11):
        send(citizen.client, json_call("POST", shares, {"lifetime_hours": hours}))
    with django_assert_max_num_queries(6 + 2):  # the session's; the document, its links
        listed = citizen.client.get(shares).json()
    assert len(listed) == 10
