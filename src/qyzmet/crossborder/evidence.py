"""One message's evidence as a ZIP: the envelope, the partner's signed receipt or error
signal, both nodes' trust lists and a manifest, so anyone can check it offline (xmlsec1)."""

from __future__ import annotations

import io
import json
import zipfile
from uuid import UUID

from qyzmet.core.errors import Problem
from qyzmet.crossborder.models import IncomingMessage, OutgoingMessage, RefusedEnvelope
from qyzmet.crossborder.node import own_trust_list

DIRECTIONS = ("outgoing", "incoming", "refused")
Files = dict[str, bytes]
Manifest = dict[str, object]


def _outgoing(message_id: UUID) -> tuple[Files, Manifest] | None:
    sent = OutgoingMessage.objects.select_related("partner").filter(message_id=message_id).first()
    if sent is None:
        return None
    files = {
        "envelope.xml": bytes(sent.envelope),
        "partner-trust-list.xml": bytes(sent.partner.trust_list),
    }
    if sent.receipt is not None:
        files["receipt.xml"] = bytes(sent.receipt)
    if sent.error_signal is not None:
        files["error-signal.xml"] = bytes(sent.error_signal)
    return files, {
        "message_id": str(sent.message_id), "conversation_id": str(sent.conversation_id),
        "sequence": sent.sequence, "partner": sent.partner.country,
        "document_type": sent.document_type, "status": sent.status, "attempts": sent.attempts,
        "last_error": sent.last_error, "envelope_sha256": sent.envelope_sha256,
        "created_at": sent.created_at.isoformat(),
        "finished_at": sent.finished_at.isoformat() if sent.finished_at else None,
    }  # fmt: skip


def _incoming(message_id: UUID) -> tuple[Files, Manifest] | None:
    got = IncomingMessage.objects.select_related("partner").filter(message_id=message_id).first()
    if got is None:
        return None
    files = {"envelope.xml": bytes(got.envelope), "receipt.xml": bytes(got.receipt),
             "partner-trust-list.xml": bytes(got.partner.trust_list)}  # fmt: skip
    return files, {
        "message_id": str(got.message_id), "conversation_id": str(got.conversation_id),
        "sequence": got.sequence, "partner": got.partner.country,
        "document_type": got.document_type, "status": got.status, "outcome": got.outcome,
        "duplicates": got.duplicates, "envelope_sha256": got.envelope_sha256,
        "received_at": got.received_at.isoformat(),
    }  # fmt: skip


def _refused(message_id: UUID) -> tuple[Files, Manifest] | None:
    refused = RefusedEnvelope.objects.filter(message_id=message_id).order_by("-at").first()
    if refused is None:
        return None
    files = {
        "envelope.xml": bytes(refused.envelope),
        "error-signal.xml": bytes(refused.error_signal),
    }
    return files, {
        "message_id": str(message_id), "code": refused.code, "detail": refused.detail,
        "sender_country": refused.sender_country, "envelope_sha256": refused.envelope_sha256,
        "at": refused.at.isoformat(),
    }  # fmt: skip


_FINDERS = {"outgoing": _outgoing, "incoming": _incoming, "refused": _refused}


def evidence_export(direction: str, message_id: UUID) -> bytes:
    """The evidence of one message this node sent, received or refused (``direction``);
    Problem 404 when there is none."""
    found = _FINDERS[direction](message_id) if direction in _FINDERS else None
    if found is None:
        raise Problem(
            404, f"No {direction} message {message_id} is in the journal.", code="no-message"
        )
    files, manifest = found
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in {**files, "own-trust-list.xml": own_trust_list()}.items():
            archive.writestr(name, content)
        manifest = {"direction": direction, **manifest}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return buffer.getvalue()
