"""One node receiving and sending envelopes: a partner state (Kyrgyzstan, played by this
test with a PKI of its own) is imported from its trust list; what it sends is taken once,
in order within a conversation, and anything hostile is refused with a signed error signal
that names the reason and is kept in the journal."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from qyzmet.core.errors import Problem
from qyzmet.core.models import AuditEntry
from qyzmet.crossborder import delivery
from qyzmet.crossborder.delivery import (
    conversation_process,
    envelope_receive,
    message_deliver,
    message_send,
    partner_import,
)
from qyzmet.crossborder.envelope import (
    Enclosure,
    Envelope,
    Party,
    envelope_seal,
    error_signal_open,
    receipt_open,
)
from qyzmet.crossborder.models import (
    IncomingMessage,
    IncomingStatus,
    OutgoingMessage,
    OutgoingStatus,
    Partner,
    RefusedEnvelope,
)
from qyzmet.crossborder.node import own_party, own_signer
from qyzmet.crossborder.trustlist import (
    CA,
    GRANTED,
    Status,
    TrustedService,
    TrustList,
    trust_list_write,
)
from qyzmet.identity.models import Agency
from qyzmet.trust.authority import TrustSetup
from qyzmet.trust.signer import SigningIdentity
from tests.conftest import Persona
from tests.documents.pki import Pki, make_pki
from tests.exchange.nodes import free_port

KG = Party("KG", "02010199910048")
NOTE = "test-note"  # a document type only these tests handle


@pytest.fixture(scope="module")
def kg_pki() -> Pki:
    return make_pki("ec")


@pytest.fixture(scope="module")
def stranger() -> Pki:
    return make_pki("rsa")  # make_pki is cached per kind: another kind is another PKI


def kg_trust_list(pki: Pki, *, sequence: int = 1, territory: str = "KG") -> bytes:
    now = datetime.now(UTC).replace(microsecond=0)
    granted = Status(GRANTED, pki.root.not_valid_before_utc)
    return trust_list_write(
        TrustList(
            territory=territory, operator="KG node", sequence=sequence, issued_at=now,
            next_update=now + timedelta(days=30),
            services=(TrustedService(CA, "KG Root CA", pki.root, (granted,)),),
        ),
        pki.signer,
    )  # fmt: skip


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the test document type's handler saw, in order: each document's text."""
    seen: list[str] = []

    def handler(message: IncomingMessage, envelope: Envelope) -> str:
        seen.append(envelope.documents[0].content.decode())
        return f"noted {len(seen)}"

    monkeypatch.setitem(delivery.HANDLERS, NOTE, handler)
    return seen


@pytest.fixture
def partner(trust: TrustSetup, agencies: dict[str, Agency], kg_pki: Pki) -> Partner:
    return partner_import(
        country="KG", name="Kyrgyz Republic", endpoint=f"http://127.0.0.1:{free_port()}",
        organisation=KG.organisation, trust_list=kg_trust_list(kg_pki), document_types=[NOTE],
        actor="test",
    )  # fmt: skip


def from_kg(
    signer: SigningIdentity,
    text: str,
    *,
    conversation: uuid.UUID | None = None,
    sequence: int = 1,
    message_id: uuid.UUID | None = None,
    sender: Party = KG,
    receiver: Party | None = None,
    document_type: str = NOTE,
    created_at: datetime | None = None,
) -> bytes:
    return envelope_seal(
        Envelope(
            message_id=message_id or uuid.uuid4(), conversation_id=conversation or uuid.uuid4(),
            sequence=sequence, sender=sender, receiver=receiver or own_party(),
            document_type=document_type,
            created_at=created_at or timezone.now().replace(microsecond=0),
            documents=(Enclosure("note.txt", "text/plain", text.encode()),),
        ),
        signer,
    )  # fmt: skip


def test_an_envelope_is_acknowledged_with_a_receipt_that_binds_it(
    partner: Partner, kg_pki: Pki, handled: list[str]
) -> None:
    xml = from_kg(kg_pki.signer, "hello")
    answer = envelope_receive(xml)
    assert answer.status == 200
    receipt = receipt_open(answer.xml)
    stored = IncomingMessage.objects.get()
    assert receipt.value.envelope_sha256 == stored.envelope_sha256
    assert receipt.value.sender == own_party()
    assert receipt.value.receiver == KG
    assert receipt.signature.signer_certificate == own_signer().certificate
    assert conversation_process(stored.pk) == 1
    assert handled == ["hello"]
    stored.refresh_from_db()
    assert (stored.status, stored.outcome) == (IncomingStatus.PROCESSED, "noted 1")


def test_a_conversation_is_processed_in_order_whatever_order_it_arrives_in(
    partner: Partner, kg_pki: Pki, handled: list[str]
) -> None:
    conversation = uuid.uuid4()
    for sequence in (3, 2):
        envelope_receive(
            from_kg(kg_pki.signer, f"no. {sequence}", conversation=conversation, sequence=sequence)
        )
    waiting = IncomingMessage.objects.order_by("sequence")
    assert [conversation_process(m.pk) for m in waiting] == [0, 0]
    assert handled == []
    envelope_receive(from_kg(kg_pki.signer, "no. 1", conversation=conversation, sequence=1))
    first = IncomingMessage.objects.get(sequence=1)
    assert conversation_process(first.pk) == 3
    assert handled == ["no. 1", "no. 2", "no. 3"]
    assert conversation_process(first.pk) == 0  # each exactly once


def test_the_same_envelope_again_gets_the_same_receipt_and_is_processed_once(
    partner: Partner, kg_pki: Pki, handled: list[str]
) -> None:
    xml = from_kg(kg_pki.signer, "once")
    first, second = envelope_receive(xml), envelope_receive(xml)
    assert first == second
    stored = IncomingMessage.objects.get()
    assert stored.duplicates == 1
    conversation_process(stored.pk)
    conversation_process(stored.pk)
    assert handled == ["once"]


def _refused(xml: bytes, code: str) -> RefusedEnvelope:
    answer = envelope_receive(xml, remote_address="192.0.2.7")
    assert answer.status == delivery.REFUSAL_STATUS[code]
    signal = error_signal_open(answer.xml)
    assert signal.value.code == code, signal.value.detail
    assert signal.value.sender == own_party()
    assert signal.signature.signer_certificate == own_signer().certificate
    logged = RefusedEnvelope.objects.get(envelope_sha256=signal.value.envelope_sha256)
    assert (logged.code, bytes(logged.error_signal)) == (code, answer.xml)
    assert AuditEntry.objects.filter(
        action="crossborder.refuse", object_id=logged.envelope_sha256
    ).exists()
    assert not IncomingMessage.objects.filter(envelope_sha256=logged.envelope_sha256).exists()
    return logged


def test_hostile_or_wrong_envelopes_are_refused_with_a_signed_error_signal_and_logged(
    partner: Partner, kg_pki: Pki, stranger: Pki, handled: list[str]
) -> None:
    genuine = from_kg(kg_pki.signer, "genuine")
    assert envelope_receive(genuine).status == 200
    altered = genuine.replace(b"<DocumentType>", b"<DocumentType>x", 1)
    assert _refused(altered, "altered").sender_country == ""
    assert _refused(from_kg(stranger.signer, "who am I"), "untrusted-signer").sender_country == "KG"
    # This node's own key claiming to be Kyrgyzstan: a known signer, not the sender.
    _refused(from_kg(own_signer(), "impostor"), "forged")
    used = IncomingMessage.objects.get().message_id
    _refused(from_kg(kg_pki.signer, "other bytes", message_id=used), "replayed")
    stale = timezone.now() - delivery.REPLAY_WINDOW - timedelta(minutes=1)
    _refused(from_kg(kg_pki.signer, "old", created_at=stale), "replayed")
    _refused(from_kg(kg_pki.signer, "lost", receiver=Party("RU", "1027700000000")), "misrouted")
    _refused(from_kg(kg_pki.signer, "?", sender=Party("UZ", "1")), "unknown-partner")
    _refused(from_kg(kg_pki.signer, "?", document_type="tax-return"), "unsupported-document-type")
    _refused(b"<not-an-envelope/>", "malformed")
    assert handled == []
    assert IncomingMessage.objects.count() == 1


def test_a_message_is_stored_before_sending_and_retried_with_backoff_while_the_partner_is_down(
    partner: Partner,
) -> None:
    message = message_send(
        partner=partner, document_type=NOTE, documents=[Enclosure("n.txt", "text/plain", b"hi")],
        actor="test",
    )  # fmt: skip
    assert message.status == OutgoingStatus.QUEUED
    assert bytes(message.envelope)
    assert message_deliver(message.pk) == "retry"  # nothing listens on the partner's port
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutgoingStatus.QUEUED, 1)
    assert "ConnectionRefused" in message.last_error
    assert message.next_attempt_at is not None
    assert timedelta(seconds=1) < message.next_attempt_at - timezone.now() <= delivery.RETRY_FIRST
    assert message_deliver(message.pk) == "not due"  # not before its time
    followed = message_send(
        partner=partner, document_type=NOTE, documents=[Enclosure("n.txt", "text/plain", b"2")],
        conversation_id=message.conversation_id, actor="test",
    )  # fmt: skip
    assert followed.sequence == 2
    assert OutgoingMessage.objects.filter(conversation_id=message.conversation_id).count() == 2


def test_a_partner_is_joined_only_with_its_own_newer_signed_trust_list(
    partner: Partner, kg_pki: Pki, stranger: Pki
) -> None:
    def join(trust_list: bytes) -> Partner:
        return partner_import(
            country="KG", name="Kyrgyz Republic", endpoint=partner.endpoint,
            organisation=KG.organisation, trust_list=trust_list, actor="test",
        )  # fmt: skip

    assert join(kg_trust_list(kg_pki, sequence=2)).trust_list_sequence == 2
    for wrong in (
        kg_trust_list(kg_pki, sequence=1),  # older than the one imported
        kg_trust_list(kg_pki, sequence=3, territory="RU"),  # another state's
        kg_trust_list(kg_pki, sequence=3).replace(b"KG node", b"XX node"),  # altered
    ):
        with pytest.raises(Problem):
            join(wrong)
    with pytest.raises(Problem):
        message_send(
            partner=partner, document_type="tax-return",
            documents=[Enclosure("n.txt", "text/plain", b"x")], actor="test",
        )  # fmt: skip


def test_the_operator_sees_the_journal_and_takes_a_messages_evidence(
    partner: Partner, operator: Persona, citizen_a: Persona
) -> None:
    message = message_send(
        partner=partner, document_type=NOTE, documents=[Enclosure("n.txt", "text/plain", b"1")],
        actor="test",
    )  # fmt: skip
    refused = envelope_receive(b"<not-an-envelope/>", remote_address="192.0.2.7")
    page = operator.client.get("/operator/crossborder/")
    assert page.status_code == 200
    text = page.content.decode()
    assert str(message.message_id) in text
    assert "malformed" in text
    assert citizen_a.client.get("/operator/crossborder/").status_code == 404
    evidence = operator.client.get(
        f"/operator/crossborder/outgoing/{message.message_id}/evidence.zip"
    )
    assert evidence["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(evidence.content)) as archive:
        assert set(archive.namelist()) == {
            "envelope.xml", "partner-trust-list.xml", "own-trust-list.xml", "manifest.json",
        }  # fmt: skip
        assert archive.read("envelope.xml") == bytes(message.envelope)
        manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["status"], manifest["partner"]) == ("queued", "KG")
    assert error_signal_open(refused.xml).value.code == "malformed"
    missing = operator.client.get(f"/operator/crossborder/incoming/{uuid.uuid4()}/evidence.zip")
    assert missing.status_code == 404


def test_an_oversized_envelope_is_refused_and_only_its_start_is_kept(partner: Partner) -> None:
    body = b"<Envelope>" + b"x" * delivery.MAX_ENVELOPE_BYTES
    answer = envelope_receive(body, remote_address="192.0.2.7")
    signal = error_signal_open(answer.xml).value
    assert (answer.status, signal.code) == (400, "malformed")
    assert "larger than 20 MiB" in signal.detail
    logged = RefusedEnvelope.objects.get()
    assert len(bytes(logged.envelope)) == delivery.REFUSED_KEPT_BYTES
    assert logged.envelope_sha256 == signal.envelope_sha256 == hashlib.sha256(body).hexdigest()
