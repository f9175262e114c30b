"""Writes of the messaging app: queueing, sending, receipts and inbound SMS.

Every message goes through the outbox: ``notification_queue`` saves the notification and
its sending task in one transaction, and the task (``tasks.notification_send``) sends it
through the channel's adapter, retrying transient failures with growing delays.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qyzmet.core.audit import SYSTEM_ACTOR, audit_record
from qyzmet.core.retries import retry_delay
from qyzmet.identity.models import Account, Person
from qyzmet.messaging import tasks
from qyzmet.messaging.adapters import (
    PermanentFailure,
    TransientFailure,
    email_send,
    sms_gateway,
)
from qyzmet.messaging.handlers import SMS_HANDLERS, sms_handler_for
from qyzmet.messaging.models import (
    Channel,
    InboundSms,
    Language,
    Notification,
    SmsReplyCode,
    Status,
)
from qyzmet.messaging.selectors import sms_sender_account
from qyzmet.messaging.templates import template_render

GATEWAY_ACTOR = "sms-gateway"

# Retries of transient failures: 10 s, 40 s, 160 s, ... at most an hour apart; after
# MAX_ATTEMPTS attempts in all the notification fails.
RETRY_FIRST = timedelta(seconds=10)
RETRY_FACTOR = 4
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 6

HELP = "help"  # InboundSms.handled_by when no handler took the message


# --- queueing --------------------------------------------------------------------------


@transaction.atomic
def notification_queue(
    *,
    key: str,
    template: str,
    context: dict[str, str],
    to: str,
    channel: str,
    language: str,
    actor: str,
    person: Person | None = None,
) -> Notification:
    """Queue one message, once per ``key``: if a notification with this key exists (also
    one queued at this moment by another transaction), it is returned unchanged and
    nothing more is sent. Raises TemplateError for an unknown template or wrong context.

    ``person`` is whom it is for, when the caller knows: it shows on their "My
    notifications" page. Leave it None for a message to a number or address alone.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if language not in Language.values:
        raise ValueError(f"unknown language {language!r}")
    if not 0 < len(key) <= 200:
        raise ValueError("a notification key is 1 to 200 characters")
    text = template_render(template=template, language=language, context=context)
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    notification = Notification(
        key=key, channel=channel, to=to, person=person, language=language, template=template,
        context=context, text=text,
    )  # fmt: skip
    try:
        with transaction.atomic():  # a savepoint: losing the race on the key is not an error
            notification.save(force_insert=True)
    except IntegrityError:
        return Notification.objects.get(key=key)
    audit_record(
        actor=actor, action="messaging.queue", object_type="notification",
        object_id=str(notification.public_id),
        data={"key": key, "template": template, "channel": channel},
    )  # fmt: skip
    # The transactional outbox: django-tasks-db writes the task's row in this same
    # transaction, so the task exists exactly when the notification does; a rollback
    # takes both away and a commit hands both to the workers.
    tasks.notification_send.enqueue(notification.pk)
    return notification


def notification_queue_for(
    *, key: str, template: str, context: dict[str, str], account: Account, actor: str
) -> Notification | None:
    """Queue a message to an account: by SMS to its phone, else by e-mail, in its
    preferred language, for the account's person (none for a staff account); None when
    the account has neither phone nor e-mail."""
    if account.phone:
        channel, to = Channel.SMS, account.phone
    elif account.email:
        channel, to = Channel.EMAIL, account.email
    else:
        return None
    language = account.preferred_language
    if language not in Language.values:
        language = Language.KK
    return notification_queue(
        key=key, template=template, context=context, to=to, channel=channel,
        language=language, actor=actor, person=account.person,
    )  # fmt: skip


# --- sending ---------------------------------------------------------------------------


def notification_send_attempt(*, notification_id: int) -> str:
    """One attempt to send a queued notification; returns what became of it.

    Deliberately not one transaction: the claim (queued → sending) commits before the
    gateway is called, so two workers never both send, and a worker killed mid-send
    leaves the notification "sending" for ``notifications_resend_stuck``. A resend
    passes the same reference, and the gateway keeps one message per reference.
    """
    notification = _claim(notification_id)
    if notification is None:
        return "not queued"  # sent, failed, or claimed by another worker
    try:
        provider_id = _channel_send(notification)
    except PermanentFailure as error:
        return _attempt_failed(notification, str(error), permanent=True)
    except TransientFailure as error:
        return _attempt_failed(notification, str(error), permanent=False)
    return _sent(notification, provider_id)


def _claim(notification_id: int) -> Notification | None:
    claimed = Notification.objects.filter(pk=notification_id, status=Status.QUEUED).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        last_attempt_at=timezone.now(),
        next_attempt_at=None,
    )
    return Notification.objects.get(pk=notification_id) if claimed else None


def _channel_send(notification: Notification) -> str:
    reference = str(notification.public_id)
    if notification.channel == Channel.SMS:
        return sms_gateway().send(notification.to, notification.text, reference)
    return email_send(
        to=notification.to, text=notification.text, language=notification.language,
        reference=reference,
    )  # fmt: skip


@transaction.atomic
def _sent(notification: Notification, provider_id: str) -> str:
    updated = Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        status=Status.SENT, provider_id=provider_id, sent_at=timezone.now(), last_error=""
    )
    if updated:
        audit_record(
            actor=SYSTEM_ACTOR, action="messaging.sent", object_type="notification",
            object_id=str(notification.public_id), data={"provider_id": provider_id},
        )  # fmt: skip
    return Status.SENT


@transaction.atomic
def _attempt_failed(notification: Notification, error: str, *, permanent: bool) -> str:
    sending = Notification.objects.filter(pk=notification.pk, status=Status.SENDING)
    if not permanent and notification.attempts < MAX_ATTEMPTS:
        at = timezone.now() + retry_delay(
            notification.attempts, first=RETRY_FIRST, factor=RETRY_FACTOR, cap=RETRY_CAP
        )
        if sending.update(status=Status.QUEUED, next_attempt_at=at, last_error=error):
            tasks.notification_send.using(run_after=at).enqueue(notification.pk)
        return "retry"
    if sending.update(status=Status.FAILED, last_error=error):
        audit_record(
            actor=SYSTEM_ACTOR, action="messaging.failed", object_type="notification",
            object_id=str(notification.public_id),
            data={"error": error[:500], "attempts": notification.attempts},
        )  # fmt: skip
    return Status.FAILED


@transaction.atomic
def notifications_resend_stuck(older_than: timedelta) -> int:
    """Queue again every notification left "sending" for longer than ``older_than`` (its
    worker died mid-send); returns how many. The gateway drops a second message with the
    same reference, so a person who got the first does not get it twice."""
    cutoff = timezone.now() - older_than
    stuck = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(status=Status.SENDING, last_attempt_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=stuck).update(status=Status.QUEUED)
    for notification_id in stuck:
        tasks.notification_send.enqueue(notification_id)
    if stuck:
        audit_record(
            actor=SYSTEM_ACTOR, action="messaging.resend_stuck", object_type="notification",
            data={"count": len(stuck)},
        )  # fmt: skip
    return len(stuck)


def notifications_resend_stuck_periodically() -> None:
    """For the worker's periodic loop: sends a dead worker left half-done, ten minutes on."""
    notifications_resend_stuck(timedelta(minutes=10))


# --- from the SMS gateway --------------------------------------------------------------


@transaction.atomic
def sms_receipt_record(*, provider_id: str, status: str, at: datetime) -> Notification | None:
    """Record the gateway's delivery receipt ("delivered" or "failed") for the SMS it
    knows as ``provider_id``; None if we sent no such SMS. Idempotent: a receipt given
    twice changes nothing the second time, and "delivered" is final."""
    if status not in (Status.DELIVERED, Status.FAILED):
        raise ValueError(f"a receipt is 'delivered' or 'failed', not {status!r}")
    notification = (
        Notification.objects.select_for_update()
        .filter(channel=Channel.SMS, provider_id=provider_id)
        .exclude(provider_id="")
        .first()
    )
    if notification is None:
        return None
    if status == Status.DELIVERED and notification.status in (Status.SENT, Status.FAILED):
        notification.status, notification.delivered_at = Status.DELIVERED, at
        notification.save(update_fields=["status", "delivered_at"])
    elif status == Status.FAILED and notification.status == Status.SENT:
        notification.status = Status.FAILED
        notification.last_error = "the operator could not deliver it"
        notification.save(update_fields=["status", "last_error"])
    else:
        return notification
    audit_record(
        actor=GATEWAY_ACTOR, action="messaging.receipt", object_type="notification",
        object_id=str(notification.public_id), data={"status": status},
    )  # fmt: skip
    return notification


def phone_normalise(phone: str) -> str:
    """``+77010000001`` from ``77010000001`` or ``+7 701 000 00 01``."""
    digits = "".join(ch for ch in phone if ch.isdigit() and ch.isascii())
    return f"+{digits}"


@transaction.atomic
def sms_reply_code_register(
    *, phone: str, keyword: str, subject: str, ttl: timedelta, actor: str, code: str = ""
) -> str:
    """A code (four digits) the person with ``phone`` may start a reply with, within
    ``ttl``, to reach the handler of ``keyword`` about ``subject``; used once. Put the
    code in the message that asks for the reply. A ``code`` the caller wants ("1" to
    accept, say) is used while no other waiting code of the phone is the same."""
    word = keyword.upper()
    if sms_handler_for(word) is None:
        raise ValueError(f"no SMS handler is registered for {word}")
    phone = phone_normalise(phone)
    now = timezone.now()
    active = set(
        SmsReplyCode.objects.filter(phone=phone, used_at=None, expires_at__gt=now).values_list(
            "code", flat=True
        )
    )
    if len(active) >= 1000:
        raise ValueError(f"too many reply codes are waiting for {phone}")
    if not code or code in active:
        code = f"{secrets.randbelow(10_000):04d}"
    while code in active:
        code = f"{secrets.randbelow(10_000):04d}"
    reply_code = SmsReplyCode.objects.create(
        phone=phone, code=code, keyword=word, subject=subject, expires_at=now + ttl
    )
    audit_record(
        actor=actor, action="messaging.reply_code", object_type="sms_reply_code",
        object_id=str(reply_code.pk), data={"keyword": word, "subject": subject},
    )  # fmt: skip
    return code


@transaction.atomic
def sms_inbound_receive(*, provider_id: str, sender: str, text: str, at: datetime) -> InboundSms:
    """Take one SMS from the gateway, once per ``provider_id`` (a repeated one is returned
    as first received, and nothing more happens). The text goes to the handler of a
    waiting reply code it starts with, else of its first word, else a short help; the
    handler's answer is texted back once."""
    existing = InboundSms.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing
    inbound = InboundSms(
        provider_id=provider_id, sender=phone_normalise(sender), text=text, received_at=at
    )
    try:
        with transaction.atomic():  # a savepoint: the same SMS may arrive twice at once
            inbound.save(force_insert=True)
    except IntegrityError:
        return InboundSms.objects.get(provider_id=provider_id)

    words = text.split(maxsplit=1)
    first = words[0].upper() if words else ""
    reply_code = (
        SmsReplyCode.objects.select_for_update()
        .filter(phone=inbound.sender, code=first, used_at=None, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    handler = None
    if reply_code is not None:
        handler = sms_handler_for(reply_code.keyword)
        reply_code.used_at = timezone.now()
        reply_code.save(update_fields=["used_at"])
        inbound.reply_code, inbound.handled_by = reply_code, reply_code.keyword
    if handler is None and (handler := sms_handler_for(first)) is not None:
        inbound.handled_by = first
    account = sms_sender_account(inbound.sender)
    if handler is not None:
        reply = handler(inbound)
    else:
        inbound.handled_by, reply = HELP, _help_text(account)
    inbound.reply = reply or ""
    inbound.save(update_fields=["handled_by", "reply_code", "reply"])
    audit_record(
        actor=GATEWAY_ACTOR, action="messaging.inbound", object_type="inbound_sms",
        object_id=provider_id, data={"handled_by": inbound.handled_by},
    )  # fmt: skip
    if reply:
        # Answered to the phone and kept off anyone's "My notifications": ``account`` is only
        # the first account with this phone, and a phone may be shared.
        notification_queue(
            key=f"sms-reply:{provider_id}", template="sms-reply", context={"text": reply},
            to=inbound.sender, channel=Channel.SMS,
            language=_language_of(account), actor=GATEWAY_ACTOR,
        )  # fmt: skip
    return inbound


def _language_of(account: Account | None) -> str:
    if account is not None and account.preferred_language in Language.values:
        return account.preferred_language
    return Language.KK


def _help_text(account: Account | None) -> str:
    """What may be sent, in the sender's language; in Kazakh and Russian for a number
    no account has."""
    context = {"keywords": ", ".join(sorted(SMS_HANDLERS)) or "-"}
    if account is not None:
        language = _language_of(account)
        return template_render(template="sms-help", language=language, context=context)
    return "\n".join(
        template_render(template="sms-help", language=language, context=context)
        for language in (Language.KK, Language.RU)
    )
