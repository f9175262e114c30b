"""Short messages to people (one-time codes, notices), through a pluggable adapter.

The default adapter is the local simulator: it appends each message to
``QYZMET_HOME/outbox/<channel>.jsonl`` instead of reaching an SMS operator or a mail
server, so the demo and the tests run offline and can read what was "sent". A
deployment points ``QYZMET_DELIVERY_ADAPTER`` at its operator's adapter.

The simulator is also the SMS gateway of the messaging app in the demo and the tests: it
gives each message an id and, like a real gateway, keeps one message per client
reference, so a message sent twice with the same reference reaches the phone once.
"""

from __future__ import annotations

import fcntl
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Message:
    channel: str  # "sms" or "email"
    to: str
    text: str
    reference: str = ""  # the sender's reference for this message; "" for none
    id: str = ""  # given by the simulator when it accepts the message


class DeliveryAdapter(Protocol):
    def send(self, message: Message) -> None: ...


class SimulatedOperator:
    """Writes messages to a local outbox file, one JSON object per line."""

    def send(self, message: Message) -> None:
        self.submit(message)

    def submit(self, message: Message) -> str:
        """Append the message and return its id; a message whose reference was already
        submitted is not appended again, and the first one's id is returned."""
        path = outbox_path(message.channel)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # several workers may write at once
            if message.reference:
                f.seek(0)
                for line in f:
                    item = json.loads(line)
                    if item.get("reference") == message.reference:
                        return str(item["id"])
            message_id = f"sim-{uuid.uuid4().hex}"
            item = {"at": timezone.now().isoformat(), "to": message.to, "text": message.text}
            item |= {"id": message_id, "reference": message.reference}
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
            return message_id


def outbox_path(channel: str) -> Path:
    return Path(settings.QYZMET_HOME) / "outbox" / f"{channel}.jsonl"


def deliver(message: Message) -> None:
    adapter_path = settings.QYZMET_DELIVERY_ADAPTER
    adapter: DeliveryAdapter = (
        import_string(adapter_path)() if adapter_path else SimulatedOperator()
    )
    adapter.send(message)


def simulated_messages(channel: str, *, to: str | None = None) -> list[Message]:
    """What the simulator has "sent", oldest first (for the demo's phone page and tests)."""
    path = outbox_path(channel)
    if not path.exists():
        return []
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if to is None or item["to"] == to:
            messages.append(
                Message(
                    channel=channel,
                    to=item["to"],
                    text=item["text"],
                    reference=item.get("reference", ""),
                    id=item.get("id", ""),
                )
            )
    return messages
