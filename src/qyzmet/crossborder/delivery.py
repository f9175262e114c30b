"""Envelopes between national nodes, with delivery guarantees.

Sending: ``message_send`` seals the envelope and stores it before anything goes out; the
worker's ``message_deliver`` posts it to the partner and keeps the signed receipt (or the
signed error signal) as evidence, retrying with backoff while the partner is down.

Receiving: ``envelope_receive`` checks an envelope (intact, from a partner, signed by a
key the partner's trust list vouched for when it was signed, addressed here, not seen
before with other bytes, not older than the replay window), stores it with its receipt in
one transaction, and answers the receipt; the same envelope received again gets the same
receipt and is not processed again. ``conversation_process`` hands stored messages to the
handler of their document type exactly once each, in sequence order within their
conversation. Anything refused is answered with a signed error signal and kept in the
journal of refused envelopes.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django_tasks import task

from qyzmet.core.audit import SYSTEM_ACTOR, audit_record
from qyzmet.core.errors import Problem
from qyzmet.core.retries import retry_delay
from qyzmet.crossborder.envelope import (
    Enclosure,
    Envelope,
    EnvelopeError,
    ErrorSignal,
    Opened,
    Party,
    envelope_open,
    envelope_seal,
    error_signal_open,
    error_signal_seal,
    receipt_for,
    receipt_matches,
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
from qyzmet.crossborder.trustlist import TrustList, TrustListError, trust_list_read
from qyzmet.crossborder.validation import ForeignValidation, foreign_signature_validate
from qyzmet.documents.formats import SignatureFacts
from qyzmet.trust.validation import certificate_check

if TYPE_CHECKING:
    from qyzmet.cases.models import Case

logger = logging.getLogger(__name__)

ENVELOPE_PATH = "/crossborder/v1/envelopes"
MEDIA_TYPE = "application/xml"
# An envelope older than this is refused as a replay; message ids are remembered longer.
REPLAY_WINDOW = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of this node's clock a partner's may be
MAX_ENVELOPE_BYTES = 20 * 1024 * 1024
# Of a refused envelope, the journal keeps this much (and the SHA-256 of all of it): enough
# to show what came, not enough for a hostile sender to fill the database.
REFUSED_KEPT_BYTES = 1024 * 1024
SEND_TIMEOUT = 30.0  # seconds
RETRY_FIRST, RETRY_FACTOR, RETRY_CAP = timedelta(seconds=2), 3, timedelta(minutes=15)
# A message left "sending" this long had its worker die mid-attempt: it is sent again.
STUCK_AFTER = timedelta(minutes=5)
# How each refusal is answered over HTTP.
REFUSAL_STATUS = {
    "malformed": 400, "altered": 400, "forged": 403, "untrusted-signer": 403,
    "unknown-partner": 403, "replayed": 409, "misrouted": 421, "unsupported-document-type": 422,
}  # fmt: skip

Handler = Callable[[IncomingMessage, Envelope], str]
# What this node does with each document type it accepts (registered by crossborder.flows).
HANDLERS: dict[str, Handler] = {}


def handles(document_type: str) -> Callable[[Handler], Handler]:
    """Register the function that processes received documents of ``document_type``; it
    returns what it did, in words, for the journal."""

    def register(handler: Handler) -> Handler:
        HANDLERS[document_type] = handler
        return handler

    return register


# --- partners ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _trust_list_of(xml: bytes) -> TrustList:
    return trust_list_read(xml).value


def partner_trust_list(partner: Partner) -> TrustList:
    return _trust_list_of(bytes(partner.trust_list))


def _vouched(facts: SignatureFacts, trust_list: TrustList) -> ForeignValidation:
    return foreign_signature_validate(facts, trust_list, now=timezone.now())


@transaction.atomic
def partner_import(
    *,
    country: str,
    name: str,
    endpoint: str,
    organisation: str,
    trust_list: bytes,
    document_types: Sequence[str] = (),
    exchange_client: str = "",
    actor: str,
) -> Partner:
    """Add a partner state's node, or update it with a newer trust list.

    The list must be the partner's (its territory is ``country``), signed by a key that
    the list itself vouches for, and not older than the one already imported.
    """
    country = country.upper()
    try:
        opened = trust_list_read(trust_list)
    except TrustListError as error:
        raise Problem(422, f"The trust list cannot be read: {error}", code="trust-list") from error
    listed = opened.value
    if listed.territory != country:
        raise Problem(422, f"The trust list is {listed.territory}'s, not {country}'s.")
    if _vouched(opened.signature, listed).indication != "TOTAL-PASSED":
        raise Problem(422, "The trust list is not signed by a key it vouches for.")
    if urlsplit(endpoint).scheme not in {"http", "https"}:
        raise Problem(422, "The endpoint is an http or https URL.")
    existing = Partner.objects.select_for_update().filter(country=country).first()
    if existing is not None and existing.trust_list_sequence > listed.sequence:
        raise Problem(
            422,
            f"The partner's list {existing.trust_list_sequence} is newer than this one "
            f"({listed.sequence}).",
        )
    partner, _created = Partner.objects.update_or_create(
        country=country,
        defaults={
            "name": name, "organisation": organisation, "endpoint": endpoint.rstrip("/"),
            "trust_list": trust_list, "trust_list_sequence": listed.sequence,
            "trust_list_issued_at": listed.issued_at, "document_types": sorted(document_types),
            "exchange_client": exchange_client,
        },
    )  # fmt: skip
    _partners.clear()
    audit_record(
        actor=actor, action="crossborder.partner_import", object_type="partner",
        object_id=country, data={"sequence": listed.sequence, "endpoint": partner.endpoint},
    )  # fmt: skip
    return partner


# Partners as this process last read them, by country and by id: a receiving node looks
# its sender up on every envelope, a sending one its receiver on every attempt. A change
# (a newer trust list) is seen within PARTNER_RECHECK seconds.
PARTNER_RECHECK = 10.0
_partners: dict[str | int, tuple[float, Partner | None]] = {}


def _partner_of(key: str | int) -> Partner | None:
    """The partner of a country code (str) or with an id (int), as lately read."""
    now = time.monotonic()
    kept = _partners.get(key)
    if kept is None or now - kept[0] > PARTNER_RECHECK:
        lookup = {"country": key} if isinstance(key, str) else {"pk": key}
        kept = _partners[key] = (now, Partner.objects.filter(**lookup).first())
    return kept[1]


def partner_get(country: str) -> Partner:
    partner = Partner.objects.filter(country=country.upper()).first()
    if partner is None:
        raise Problem(404, f"{country.upper()} is not a partner of this node.", code="no-partner")
    return partner


# --- sending ----------------------------------------------------------------------------


def _next_sequence(partner: Partner, conversation_id: uuid.UUID) -> int:
    Partner.objects.select_for_update().filter(pk=partner.pk).first()  # one numberer at a time
    last = OutgoingMessage.objects.filter(partner=partner, conversation_id=conversation_id)
    return int(last.aggregate(m=Max("sequence"))["m"] or 0) + 1


@transaction.atomic
def message_send(
    *,
    partner: Partner,
    document_type: str,
    documents: Sequence[Enclosure],
    receiver_organisation: str = "",
    conversation_id: uuid.UUID | None = None,
    case: Case | None = None,
    actor: str,
) -> OutgoingMessage:
    """Seal an envelope to ``partner`` and store it; the worker delivers it after commit.

    A new conversation starts unless ``conversation_id`` continues one; the sequence
    number orders the messages this node sends within it.
    """
    if document_type not in partner.document_types:
        raise Problem(
            422, f"{partner.country} takes no {document_type} from this node.", code="no-route"
        )
    if not documents:
        raise Problem(422, "An envelope encloses at least one document.")
    conversation = conversation_id or uuid.uuid4()
    sequence = 1 if conversation_id is None else _next_sequence(partner, conversation)
    envelope = Envelope(
        message_id=uuid.uuid4(), conversation_id=conversation, sequence=sequence,
        sender=own_party(),
        receiver=Party(partner.country, receiver_organisation or partner.organisation),
        document_type=document_type, created_at=timezone.now().replace(microsecond=0),
        documents=tuple(documents),
    )  # fmt: skip
    xml = envelope_seal(envelope, own_signer())
    message = OutgoingMessage.objects.create(
        message_id=envelope.message_id, conversation_id=conversation, sequence=sequence,
        partner=partner, document_type=document_type, envelope=xml,
        envelope_sha256=hashlib.sha256(xml).hexdigest(), case=case,
    )  # fmt: skip
    audit_record(
        actor=actor, action="crossborder.send", object_type="outgoing-message",
        object_id=str(message.message_id),
        data={"to": partner.country, "document_type": document_type, "sequence": sequence},
    )  # fmt: skip
    # In the same transaction (the task queue is a table): the message and the task to
    # deliver it are stored together or not at all.
    message_deliver_task.enqueue(message.pk)
    return message


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no answer (refused connection, timeout)
    body: bytes
    error: str = ""


# One kept-alive connection per sending thread and partner: a worker delivering a batch
# does not open a TCP (and TLS) connection for each envelope.
_connections = threading.local()


def _connection(endpoint: str, *, fresh: bool) -> http.client.HTTPConnection:
    kept: dict[str, http.client.HTTPConnection] = _connections.__dict__.setdefault("by", {})
    connection = kept.get(endpoint)
    if connection is None or fresh:
        if connection is not None:
            connection.close()
        parts = urlsplit(endpoint)
        https = parts.scheme == "https"
        kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
        connection = kept[endpoint] = kind(parts.netloc, timeout=SEND_TIMEOUT)
    return connection


def _post(endpoint: str, xml: bytes) -> Reply:
    """POST the envelope; on a kept connection the partner has since closed, once more on
    a new one (the partner keeps each message once, so a second send is harmless)."""
    path = urlsplit(endpoint).path.rstrip("/") + ENVELOPE_PATH
    for fresh in (False, True):
        connection = _connection(endpoint, fresh=fresh)
        try:
            connection.request(
                "POST", path, body=xml, headers={"Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE}
            )
            response = connection.getresponse()
            return Reply(response.status, response.read(MAX_ENVELOPE_BYTES))
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
            connection.close()
            if fresh:
                return Reply(0, b"", f"{type(error).__name__}: {error}")
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            return Reply(0, b"", f"{type(error).__name__}: {error}")
    raise AssertionError("unreachable")  # pragma: no cover


def _claim(message_id: int) -> tuple[OutgoingMessage, Partner] | None:
    """Take a queued message that is due for one attempt: one UPDATE … RETURNING, which
    changes and reads the row at once (PostgreSQL, and SQLite since 3.35)."""
    now = timezone.now()
    claimed = list(
        OutgoingMessage.objects.raw(
            f"UPDATE {OutgoingMessage._meta.db_table} "  # noqa: S608 - the model's own table
            "SET status = %s, attempts = attempts + 1, last_attempt_at = %s "
            "WHERE id = %s AND status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s) "
            "RETURNING *",
            [OutgoingStatus.SENDING, now, message_id, OutgoingStatus.QUEUED, now],
        )
    )
    if not claimed:
        return None
    message = claimed[0]
    partner = _partner_of(message.partner_id)
    if partner is None:  # pragma: no cover - partners are protected from deletion
        raise Partner.DoesNotExist(message.partner_id)
    message.partner = partner
    return message, partner


def message_deliver(message_id: int) -> str:
    """One attempt to deliver a stored message; returns its status after the attempt.

    Not one transaction: the claim commits before the partner is called, so two workers
    never send at once. The partner keeps each message id once, so sending again after a
    lost answer is safe.
    """
    claimed = _claim(message_id)
    if claimed is None:
        return "not due"
    message, partner = claimed
    reply = _post(partner.endpoint, bytes(message.envelope))
    if reply.status == 200:
        return _delivered(message, reply.body)
    if reply.status in set(REFUSAL_STATUS.values()):
        return _refused(message, reply.body)
    return _retry(message, reply.error or f"HTTP {reply.status}")


def _partner_signed(partner: Partner, facts: SignatureFacts) -> bool:
    return _vouched(facts, partner_trust_list(partner)).indication == "TOTAL-PASSED"


def _delivered(message: OutgoingMessage, body: bytes) -> str:
    try:
        receipt = receipt_open(body)
    except EnvelopeError as error:
        return _retry(message, f"the receipt cannot be read: {error}")
    acknowledged = receipt.value
    if not _partner_signed(message.partner, receipt.signature):
        return _retry(message, "the receipt is not signed by the partner")
    if not receipt_matches(
        acknowledged, message_id=message.message_id, envelope_sha256=message.envelope_sha256
    ):
        return _retry(message, "the receipt acknowledges another envelope")
    return _finish(message, OutgoingStatus.DELIVERED, receipt=body)


def _refused(message: OutgoingMessage, body: bytes) -> str:
    try:
        signal = error_signal_open(body)
    except EnvelopeError as error:
        return _retry(message, f"refused without a readable error signal: {error}")
    if not _partner_signed(message.partner, signal.signature):
        return _retry(message, "the error signal is not signed by the partner")
    if signal.value.envelope_sha256 != message.envelope_sha256:
        return _retry(message, "the error signal is about another envelope")
    detail = f"{signal.value.code}: {signal.value.detail}"
    return _finish(message, OutgoingStatus.REFUSED, error_signal=body, error=detail)


def _finish(
    message: OutgoingMessage,
    status: OutgoingStatus,
    *,
    receipt: bytes | None = None,
    error_signal: bytes | None = None,
    error: str = "",
) -> str:
    still_sending = OutgoingMessage.objects.filter(pk=message.pk, status=OutgoingStatus.SENDING)
    outcome = {
        "status": status, "receipt": receipt, "error_signal": error_signal, "last_error": error,
        "finished_at": timezone.now(), "next_attempt_at": None,
    }  # fmt: skip
    if status == OutgoingStatus.DELIVERED:  # one statement: a delivery's evidence is its receipt
        still_sending.update(**outcome)
        return str(status)
    with transaction.atomic():
        if still_sending.update(**outcome):
            audit_record(
                actor=SYSTEM_ACTOR, action=f"crossborder.{status}", object_type="outgoing-message",
                object_id=str(message.message_id),
                data={"attempts": message.attempts, "error": error},
            )  # fmt: skip
    return str(status)


def _retry(message: OutgoingMessage, error: str) -> str:
    if timezone.now() - message.created_at > REPLAY_WINDOW:
        return _finish(message, OutgoingStatus.FAILED, error=error)
    delay = retry_delay(message.attempts, first=RETRY_FIRST, factor=RETRY_FACTOR, cap=RETRY_CAP)
    at = timezone.now() + delay
    with transaction.atomic():
        requeued = OutgoingMessage.objects.filter(
            pk=message.pk, status=OutgoingStatus.SENDING
        ).update(status=OutgoingStatus.QUEUED, next_attempt_at=at, last_error=error)
        if requeued:
            message_deliver_task.using(run_after=at).enqueue(message.pk)
    logger.info(
        "envelope %s to %s: %s; again at %s", message.message_id, message.partner, error, at
    )
    return "retry"


def deliveries_resume() -> None:
    """For the worker's periodic loop: queue again what a dead worker left half-sent (the
    partner keeps each message id once, so a second send is harmless)."""
    cutoff = timezone.now() - STUCK_AFTER
    with transaction.atomic():
        stuck = list(
            OutgoingMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutgoingStatus.SENDING, last_attempt_at__lt=cutoff)
            .values_list("pk", flat=True)[:1000]
        )
        OutgoingMessage.objects.filter(pk__in=stuck).update(
            status=OutgoingStatus.QUEUED, next_attempt_at=None
        )
        for message_id in stuck:
            message_deliver_task.enqueue(message_id)


def messages_send_now(*, country: str | None = None) -> int:
    """Attempt every queued message again now (an operator, once a partner is back)."""
    waiting = OutgoingMessage.objects.filter(status=OutgoingStatus.QUEUED)
    if country:
        waiting = waiting.filter(partner__country=country.upper())
    ids = list(waiting.values_list("pk", flat=True))
    OutgoingMessage.objects.filter(pk__in=ids).update(next_attempt_at=None)
    for message_id in ids:
        message_deliver_task.enqueue(message_id)
    return len(ids)


# --- receiving --------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    xml: bytes  # a signed receipt, or a signed error signal


class Refusal(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def envelope_receive(xml: bytes, *, remote_address: str | None = None) -> Answer:
    """Check, store and acknowledge one envelope; a refusal is answered and logged."""
    opened: Opened[Envelope] | None = None
    if len(xml) > MAX_ENVELOPE_BYTES:
        detail = f"the envelope is larger than {MAX_ENVELOPE_BYTES // 2**20} MiB"
        return _refuse(xml, None, "malformed", detail, remote_address)
    try:
        opened = envelope_open(xml)
        return _accept(opened)
    except EnvelopeError as error:
        return _refuse(xml, opened, error.code, str(error), remote_address)
    except Refusal as refusal:
        return _refuse(xml, opened, refusal.code, refusal.detail, remote_address)


def _signer_known_elsewhere(facts: SignatureFacts, sender: Partner) -> str:
    """Whom else ``facts``' signer belongs to, when not to ``sender``: another partner's
    country, or this node's; "" when nobody here vouches for it."""
    for other in Partner.objects.exclude(pk=sender.pk):
        if _partner_signed(other, facts):
            return other.country
    certificate = facts.signer_certificate
    if (
        certificate is not None
        and certificate_check(
            certificate, at=timezone.now(), carried=facts.embedded_certificates
        ).trusted
    ):
        return own_party().country
    return ""


def _accept(opened: Opened[Envelope]) -> Answer:
    envelope = opened.value
    own = own_party()
    if envelope.receiver.country != own.country:
        raise Refusal(
            "misrouted", f"this node is {own.country}'s, not {envelope.receiver.country}'s"
        )
    partner = _partner_of(envelope.sender.country)
    if partner is None:
        raise Refusal("unknown-partner", f"{envelope.sender.country} is not a partner of this node")
    validation = _vouched(opened.signature, partner_trust_list(partner))
    if validation.indication != "TOTAL-PASSED":
        elsewhere = _signer_known_elsewhere(opened.signature, partner)
        if elsewhere:
            raise Refusal("forged", f"signed by {elsewhere}'s key, not {partner.country}'s")
        problems = ", ".join(validation.problems)
        detail = f"{partner.country}'s trust list does not vouch for the signer ({problems})"
        raise Refusal("untrusted-signer", detail)
    if envelope.document_type not in HANDLERS:
        raise Refusal("unsupported-document-type", f"this node takes no {envelope.document_type}")
    now = timezone.now()
    if envelope.created_at < now - REPLAY_WINDOW:
        raise Refusal("replayed", "the envelope is older than the replay window")
    if envelope.created_at > now + CLOCK_SKEW:
        raise Refusal("malformed", "the envelope is dated in the future")
    return _store(partner, opened)


def _again(partner: Partner, opened: Opened[Envelope]) -> Answer | None:
    """The stored receipt when this very envelope was received before; a Refusal when its
    message id (or its place in the conversation) was taken by another envelope."""
    envelope = opened.value
    earlier = IncomingMessage.objects.filter(
        Q(message_id=envelope.message_id)
        | Q(conversation_id=envelope.conversation_id, sequence=envelope.sequence),
        partner=partner,
    ).first()
    if earlier is None:
        return None
    if earlier.envelope_sha256 != opened.sha256:
        raise Refusal("replayed", "this message id or sequence number came before with other bytes")
    IncomingMessage.objects.filter(pk=earlier.pk).update(duplicates=F("duplicates") + 1)
    return Answer(200, bytes(earlier.receipt))


def _store(partner: Partner, opened: Opened[Envelope]) -> Answer:
    """Keep the envelope with its receipt and the task to process it, in one transaction;
    the message id (and place in the conversation) being taken already is found by the
    unique constraints, so the common case costs no lookup."""
    envelope = opened.value
    now = timezone.now()
    receipt = receipt_for(opened, own_signer(), now.replace(microsecond=0))
    try:
        with transaction.atomic():
            message = IncomingMessage.objects.create(
                partner=partner, message_id=envelope.message_id,
                conversation_id=envelope.conversation_id, sequence=envelope.sequence,
                document_type=envelope.document_type, envelope=opened.xml,
                envelope_sha256=opened.sha256, receipt=receipt, received_at=now,
            )  # fmt: skip
            # No audit entry: the partner's signed envelope and this node's signed receipt,
            # kept together, are the evidence of the receipt.
            conversation_process_task.enqueue(message.pk)
    except IntegrityError:  # received before, or the same message on another thread now
        return _again(partner, opened) or Answer(503, b"")
    return Answer(200, receipt)


def _refuse(
    xml: bytes, opened: Opened[Envelope] | None, code: str, detail: str, remote: str | None
) -> Answer:
    envelope = opened.value if opened is not None else None
    sha256 = hashlib.sha256(xml).hexdigest()
    now = timezone.now()
    signal = error_signal_seal(
        ErrorSignal(
            message_id=envelope.message_id if envelope else None, sender=own_party(), code=code,
            detail=detail, envelope_sha256=sha256, at=now.replace(microsecond=0),
        ),
        own_signer(),
    )  # fmt: skip
    with transaction.atomic():
        RefusedEnvelope.objects.create(
            at=now, remote_address=remote,
            sender_country=envelope.sender.country if envelope else "",
            message_id=envelope.message_id if envelope else None, code=code, detail=detail,
            envelope=xml[:REFUSED_KEPT_BYTES], envelope_sha256=sha256, error_signal=signal,
        )  # fmt: skip
        audit_record(
            actor=remote or "unknown", action="crossborder.refuse", object_type="envelope",
            object_id=sha256, data={"code": code, "detail": detail[:500]},
        )  # fmt: skip
    return Answer(REFUSAL_STATUS[code], signal)


# --- processing -------------------------------------------------------------------------


def _handle(message: IncomingMessage) -> tuple[IncomingStatus, str]:
    envelope = envelope_open(bytes(message.envelope)).value
    try:
        with transaction.atomic():
            return IncomingStatus.PROCESSED, HANDLERS[message.document_type](message, envelope)
    except Problem as problem:
        return IncomingStatus.FAILED, problem.detail
    except Exception as error:  # a handler's bug must not stop the conversation for ever
        logger.exception("handling %s %s failed", message.document_type, message.message_id)
        return IncomingStatus.FAILED, f"{type(error).__name__}: {error}"


@transaction.atomic
def conversation_process(message_id: int) -> int:
    """Process the received messages of ``message_id``'s conversation that are next in
    order, each exactly once; returns how many. A message whose predecessor has not
    arrived waits for it (its arrival processes both)."""
    message = IncomingMessage.objects.filter(pk=message_id).first()
    if message is None:
        return 0
    rows = list(
        IncomingMessage.objects.select_for_update()
        .filter(partner_id=message.partner_id, conversation_id=message.conversation_id)
        .order_by("sequence")
    )
    done = max((r.sequence for r in rows if r.status != IncomingStatus.RECEIVED), default=0)
    processed = 0
    for row in rows:
        if row.status != IncomingStatus.RECEIVED:
            continue
        if row.sequence != done + 1:
            break
        row.status, row.outcome = _handle(row)
        row.processed_at = timezone.now()
        row.save(update_fields=["status", "outcome", "processed_at"])
        audit_record(
            actor=SYSTEM_ACTOR, action=f"crossborder.{row.status}", object_type="incoming-message",
            object_id=str(row.message_id), data={"outcome": row.outcome[:500]},
        )  # fmt: skip
        done, processed = row.sequence, processed + 1
    return processed


# --- the worker's tasks (``qyzmet worker``) ---------------------------------------------


@task()
def message_deliver_task(message_id: int) -> str:
    """One attempt to deliver an outgoing message: enqueued with it, and again with a delay
    after each failed attempt. Does nothing to a message not due."""
    return message_deliver(message_id)


@task()
def conversation_process_task(message_id: int) -> int:
    """Process a received message, and any of its conversation it was holding up."""
    return conversation_process(message_id)
