"""A published catalogue, the exchange, and officers of the agencies the birth of a child
passes through: the justice ministry's registry office and the labour ministry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client
from django.utils import timezone

from qyzmet.cases.models import Case
from qyzmet.cases.services import case_answers_save, case_submit, situation_open, submission_digest
from qyzmet.identity.models import Account
from qyzmet.trust.algorithms import algorithm_named
from qyzmet.trust.authority import x509_of
from qyzmet.trust.models import Signature
from qyzmet.trust.signing import signature_record
from tests.api.world import key_file_certificate
from tests.tasks import tasks_run_pending

CITIZEN_SCOPES = ("cases:read", "cases:write", "signatures:submit", "documents:read",
                  "tracker:read", "payments:read")  # fmt: skip


def sign_digest(digest_hex: str, account: Account) -> Signature:
    """``account``'s signature over a SHA-256 digest, made with a key file of theirs."""
    certificate, key = key_file_certificate(account)
    algorithm = algorithm_named(certificate.algorithm)
    return signature_record(
        certificate_der=x509_of(certificate).public_bytes(serialization.Encoding.DER),
        algorithm=algorithm.jws, value=algorithm.sign(key, bytes.fromhex(digest_hex)),
        content_sha256=digest_hex, description="application", account=account,
    )  # fmt: skip


def birth_registration_queued(account: Account) -> Case:
    """``account`` starts the life situation "birth of a child"; its birth registration,
    filled in, signed and submitted, waits in the registry office's queue."""
    situation = situation_open(account=account, situation="birth-of-a-child")
    case = situation.cases.get(situation_step="birth-registration")
    case = case_answers_save(case=case, account=account, answers={
        "child_surname": "Abenova", "child_given_name": "Aruzhan",
        "child_birth_date": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "child_sex": "F", "medical_record_number": "20261201", "other_parent_iin": "900517400025",
    })  # fmt: skip
    signature = sign_digest(submission_digest(case), account)
    case_submit(case_id=case.public_id, signature=str(signature.public_id), account=account)
    tasks_run_pending()
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def run_tasks(db: None) -> Callable[[], int]:
    return tasks_run_pending


class Api:
    """Calls /api/v1 with a bearer token, in English unless told otherwise."""

    def __init__(self, token: str, language: str = "en") -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"/api/v1{path}", query)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=headers
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", body, content_type="application/json")

    def decide(self, officer: Account, case_id: Any, decision: str, text: str = "") -> Any:
        """An officer's signed approval or refusal: the decision digest, a signature over
        it with the officer's key file, then the decision with the signature's id."""
        digest = self.post(f"/cases/{case_id}/decision-digest",
                           {"decision": decision, "text": text})  # fmt: skip
        assert digest.status_code == 200, digest.json()
        signature = str(sign_digest(digest.json()["sha256"], officer).public_id)
        words = "reason" if decision == "refuse" else "note"
        return self.post(f"/cases/{case_id}/{decision}", {words: text, "signature": signature})
