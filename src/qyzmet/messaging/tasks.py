"""Background work of the messaging app (run by ``qyzmet worker``)."""

from __future__ import annotations

from django_tasks import task

from qyzmet.messaging import services


@task()
def notification_send(notification_id: int) -> str:
    """Send one queued notification; enqueued by ``notification_queue`` in the same
    transaction as the notification, and again with a delay after a transient failure.
    Running it for a notification that is not queued does nothing."""
    return services.notification_send_attempt(notification_id=notification_id)
