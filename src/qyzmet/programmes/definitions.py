"""The shape of a programme, as an agency writes it in YAML (``defs/*.yaml``).

A programme offers something to everyone a rule finds eligible. It starts either when an
operator runs it over the whole population (``trigger: run``: a mass programme such as an
emergency payment) or when a registry event concerns a person (``trigger: birth-registered``
and the others in EVENTS: a proactive offer). It leads either to a payment (``payment``:
an amount, paid from a budget) or to a service's application, created prefilled and
processed like any other (``service``). docs/programmes.md describes every field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_serializer, field_validator, model_validator

from qyzmet.catalog.definitions import Code, Strict, Texts, money_tiyn

# Registry events a proactive programme can start from, and whom each concerns.
EVENTS = {
    "birth-registered": "the parents of the child",
    "death-registered": "the close relatives of the deceased",
    "marriage-registered": "both spouses",
}
TRIGGERS = ("run", *EVENTS)
CHANNELS = ("sms", "portal", "api")
ANSWER_SOURCES = ("event-date", "event-subject-given-name", "payout-account-iban")
Digits12 = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Iban = Annotated[str, StringConstraints(pattern=r"^KZ\d{2}[0-9A-Z]{16}$")]
Bic = Annotated[str, StringConstraints(pattern=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")]


class Payer(Strict):
    """The treasury account payments are made from."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=140)]
    bin: Digits12
    iban: Iban
    bic: Bic


class ProgrammeDefinition(Strict):
    code: Code
    agency: str
    name: Texts
    summary: Texts
    rule: Code  # a published rule's code: who is eligible
    trigger: Literal[TRIGGERS] = "run"  # type: ignore[valid-type]
    payment: int | None = None  # in tiyn, written "42 500 KZT"
    budget: int | None = None  # in tiyn: what all payments together may not pass
    payer: Payer | None = None
    service: Code | None = None  # the application an acceptance creates
    # The service a refused person appeals through (published ``opened_by: platform``);
    # none: the programme's refusals are final here.
    appeal: Code | None = None
    # reply: a person accepts first (SMS, portal, API); implied: everyone eligible is paid
    # without being asked (mass payments where the registries already say everything).
    acceptance: Literal["reply", "implied"] = "reply"
    channels: list[Literal[CHANNELS]] = list(CHANNELS)  # type: ignore[valid-type]
    opens: date | None = None
    closes: date | None = None
    offers_per_second: int = Field(20, ge=1, le=10_000)
    answer_days: int = Field(30, ge=1, le=365)  # how long an offer waits for an answer
    message: Texts  # the offer, placeholders {programme} and {amount}
    # A service programme's answers to the service's form, from what the platform knows:
    # form field -> one of ANSWER_SOURCES.
    answers: dict[str, Literal[ANSWER_SOURCES]] = {}  # type: ignore[valid-type]

    @field_validator("payment", "budget", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return None if value is None else money_tiyn(value, example="42 500 KZT")

    @field_serializer("payment", "budget")
    def _money_text(self, tiyn: int | None) -> str | None:
        return None if tiyn is None else f"{tiyn // 100}.{tiyn % 100:02d} KZT"

    @model_validator(mode="after")
    def _leads_somewhere(self) -> ProgrammeDefinition:
        if (self.payment is None) == (self.service is None):
            raise ValueError("a programme leads to a payment or to a service: give one of them")
        if self.payment is not None and (self.budget is None or self.payer is None):
            raise ValueError("a programme that pays needs a budget and a payer")
        if self.acceptance == "implied" and self.payment is None:
            raise ValueError("only a payment can be made without the person's answer")
        if self.opens and self.closes and self.closes < self.opens:
            raise ValueError("closes is before opens")
        return self

    def open_on(self, day: date) -> bool:
        return (self.opens is None or self.opens <= day) and (
            self.closes is None or day <= self.closes
        )
