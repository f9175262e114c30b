"""SMS people send: routed by first word or reply code to a handler, answered once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from qyzmet.messaging.handlers import SMS_HANDLERS, sms_handler_register
from qyzmet.messaging.models import InboundSms, Notification
from qyzmet.messaging.services import sms_inbound_receive, sms_reply_code_register
from qyzmet.messaging.simulator import simulated_sms, simulator_reply
from tests.conftest import Persona
from tests.tasks import tasks_run_pending

pytestmark = pytest.mark.django_db

received: list[InboundSms] = []


def echo(inbound: InboundSms) -> str | None:
    """Answers "ECHO <words>" with the words; stays silent on "ECHO" alone."""
    received.append(inbound)
    words = inbound.text.split(maxsplit=1)
    return f"echo: {words[1]}" if len(words) > 1 else None


@pytest.fixture(autouse=True)
def _echo_handler() -> Iterator[None]:
    received.clear()
    sms_handler_register("echo", echo)
    yield
    SMS_HANDLERS.pop("ECHO")


def _keywords() -> str:
    """What the help lists: ECHO, and whatever the installed apps registered."""
    listed = ", ".join(sorted(SMS_HANDLERS))
    assert "ECHO" in listed
    return listed


def test_the_first_word_picks_the_handler_and_its_answer_is_texted_back(phone: str) -> None:
    inbound = simulator_reply(sender=phone, text="  eCHo  hello there")
    assert received == [inbound]
    assert (inbound.handled_by, inbound.reply) == ("ECHO", "echo: hello there")

    reply = Notification.objects.get(key=f"sms-reply:{inbound.provider_id}")
    assert (reply.to, reply.template, reply.language) == (phone, "sms-reply", "kk")
    tasks_run_pending()
    assert [message.text for message in simulated_sms(to=phone)] == ["echo: hello there"]


def test_the_same_sms_posted_twice_is_handled_and_answered_once(phone: str) -> None:
    at = timezone.now()
    first = sms_inbound_receive(provider_id="op-1", sender=phone, text="ECHO hi", at=at)
    second = sms_inbound_receive(provider_id="op-1", sender=phone, text="ECHO hi", at=at)
    assert first.pk == second.pk
    assert len(received) == 1
    assert InboundSms.objects.count() == 1
    assert Notification.objects.filter(key="sms-reply:op-1").count() == 1
    tasks_run_pending()
    assert len(simulated_sms(to=phone)) == 1


def test_a_handler_may_answer_nothing(phone: str) -> None:
    inbound = simulator_reply(sender=phone, text="echo")
    assert (inbound.handled_by, inbound.reply) == ("ECHO", "")
    assert Notification.objects.count() == 0


def test_the_sender_number_is_written_one_way(phone: str) -> None:
    inbound = sms_inbound_receive(
        provider_id="op-2", sender=phone.lstrip("+"), text="ECHO x", at=timezone.now()
    )
    assert inbound.sender == phone


def test_an_unknown_word_from_an_account_gets_help_in_its_language(
    citizen_a: Persona, phone: str
) -> None:
    account = citizen_a.account
    assert account is not None
    account.phone, account.preferred_language = phone, "ru"
    account.save(update_fields=["phone", "preferred_language"])
    inbound = simulator_reply(sender=phone, text="привет")
    assert inbound.handled_by == "help"
    assert inbound.reply == f"Команда не распознана. Можно отправить: {_keywords()}"
    assert Notification.objects.get().language == "ru"


def test_an_unknown_word_from_a_stranger_gets_help_in_kazakh_and_russian(phone: str) -> None:
    inbound = simulator_reply(sender=phone, text="")
    assert inbound.reply == (
        f"Команда танылмады. Жіберуге болады: {_keywords()}\n"
        f"Команда не распознана. Можно отправить: {_keywords()}"
    )
    tasks_run_pending()
    assert [message.text for message in simulated_sms(to=phone)] == [inbound.reply]


def test_a_reply_code_routes_the_answer_once(phone: str) -> None:
    code = sms_reply_code_register(
        phone=phone, keyword="echo", subject="case:42", ttl=timedelta(hours=1), actor="test"
    )
    assert len(code) == 4
    assert code.isdigit()
    inbound = simulator_reply(sender=phone, text=f"{code} yes")
    assert inbound.handled_by == "ECHO"
    assert inbound.reply_code is not None
    assert inbound.reply_code.subject == "case:42"
    assert inbound.reply == "echo: yes"

    again = simulator_reply(sender=phone, text=f"{code} yes")
    assert again.handled_by == "help"


def test_a_reply_code_is_only_for_its_phone_and_its_time(phone: str) -> None:
    code = sms_reply_code_register(
        phone=phone, keyword="ECHO", subject="case:43", ttl=timedelta(hours=1), actor="test"
    )
    other = phone[:-1] + str((int(phone[-1]) + 1) % 10)
    assert simulator_reply(sender=other, text=f"{code} yes").handled_by == "help"

    expired = sms_reply_code_register(
        phone=phone, keyword="ECHO", subject="case:44", ttl=timedelta(0), actor="test"
    )
    assert simulator_reply(sender=phone, text=f"{expired} yes").handled_by == "help"


def test_handlers_are_registered_with_care() -> None:
    sms_handler_register("ECHO", echo)  # the same one again is fine
    with pytest.raises(ValueError, match="another handler"):
        sms_handler_register("Echo", lambda inbound: None)
    with pytest.raises(ValueError, match="one word of letters"):
        sms_handler_register("ECHO2", echo)
    with pytest.raises(ValueError, match="no SMS handler"):
        sms_reply_code_register(
            phone="+77070000000", keyword="NOPE", subject="x", ttl=timedelta(1), actor="test"
        )
