"""Background work of the cross-border node (run by ``qyzmet worker``)."""

from __future__ import annotations

from django_tasks import task

from qyzmet.crossborder import delivery


@task()
def message_deliver(message_id: int) -> str:
    """One attempt to deliver an outgoing message; enqueued when it is stored and again,
    with a delay, after each failed attempt. Does nothing to a message not due."""
    return delivery.message_deliver(message_id)


@task()
def conversation_process(message_id: int) -> int:
    """Process a received message, and any of its conversation it was holding up."""
    return delivery.conversation_process(message_id)
