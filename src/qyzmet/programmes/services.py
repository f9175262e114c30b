"""Programmes: load their definitions; run a mass programme stage by stage; send offers;
take answers from SMS, the portal and the API; pay through the payments app.

A run is resumable at every point. Each stage works in chunks, and each chunk commits in
one transaction with the run's cursor, so a run killed anywhere goes on from the last
committed chunk; what a chunk writes is keyed (one offer per person and programme, one
payment order per person and disbursement, one status report per bank file), so a chunk
done twice changes nothing the second time (docs/programmes.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, OuterRef, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from qyzmet.cases.models import Case, CaseStatus
from qyzmet.cases.services import case_open, case_submit_on_answer
from qyzmet.catalog.selectors import NotInCatalogue, service_version_get
from qyzmet.catalog.validation import (
    CatalogueInvalid,
    definition_files_read,
)
from qyzmet.catalog.validation import (
    Problem as FileProblem,
)
from qyzmet.core.audit import audit_record
from qyzmet.core.errors import Problem
from qyzmet.identity.models import Account, AccountKind, Agency, Person
from qyzmet.messaging.services import notification_queue, sms_reply_code_register
from qyzmet.payments import payouts
from qyzmet.payments.iso20022 import Party
from qyzmet.payments.models import Disbursement, PaymentOrder, PayoutAccount
from qyzmet.programmes.definitions import ProgrammeDefinition
from qyzmet.programmes.models import (
    TO_TELL,
    EventCursor,
    Offer,
    OfferStatus,
    Programme,
    ProgrammeRun,
    Stage,
)
from qyzmet.registries.models import PopulationRecord, RegistryEvent
from qyzmet.rules.checker import rule_check
from qyzmet.rules.explanations import explain
from qyzmet.rules.models import RuleVersion
from qyzmet.rules.population import eligible_population
from qyzmet.rules.selectors import RuleNotFound, rule_version_get
from qyzmet.rules.services import decision_make
from qyzmet.rules.sources import PersonUnknown, RegistrySource

SHIPPED = Path(__file__).resolve().parent / "defs"
FOLDER = "programmes"
CHUNK_PERSONS = 250_000  # person ids a chunk of the eligibility and orders stages covers
OFFER_BATCH = 500  # offers queued in one transaction
ACTOR = "programmes"
BANK_RETRY_SECONDS = 5.0  # a run waits this long for a bank that is down or has not answered
Say = Callable[[str], None]


# --- definitions -------------------------------------------------------------------------


def programmes_read(directory: Path) -> dict[str, tuple[ProgrammeDefinition, RuleVersion]]:
    """Every programme under ``directory/programmes``, checked; CatalogueInvalid names
    each problem by file, line and field."""
    problems: list[FileProblem] = []
    found = definition_files_read(directory, FOLDER, ProgrammeDefinition, problems)
    checked: dict[str, tuple[ProgrammeDefinition, RuleVersion]] = {}
    agencies = set(Agency.objects.values_list("code", flat=True))
    for code, (definition, where) in found.items():
        if definition.agency not in agencies:
            where.problem(("agency",), f"there is no agency {definition.agency!r}")
        try:
            version = rule_version_get(definition.rule)
        except RuleNotFound:
            where.problem(("rule",), f"no rule {definition.rule!r} is published")
            continue
        for field in ("service", "appeal"):
            service = getattr(definition, field)
            if service is None:
                continue
            try:
                service_version_get(service)
            except NotInCatalogue:
                where.problem((field,), f"no service {service!r} is published")
        checked[code] = (definition, version)
    if not found and not problems:
        problems.append(FileProblem(str(directory), None, "", f"no definitions in {FOLDER}/"))
    if problems:
        raise CatalogueInvalid(problems)
    return checked


def programmes_load(directory: Path = SHIPPED, *, actor: str) -> list[Programme]:
    """Load (or update) every programme under ``directory``; one that pays gets its
    disbursement with the budget as cap."""
    loaded = []
    with transaction.atomic():
        for code, (definition, version) in programmes_read(directory).items():
            disbursement = None
            payer = definition.payer
            if definition.payment is not None:
                if payer is None or definition.budget is None:  # the definition checks it
                    raise ValueError(f"{code} pays without a payer or a budget")
                disbursement = payouts.disbursement_open(
                    code=f"programme:{code}", description=definition.name.get("en")[:140],
                    cap=definition.budget, actor=actor,
                    debtor=Party(name=payer.name, iban=payer.iban, bic=payer.bic, bin=payer.bin),
                )  # fmt: skip
            programme, _created = Programme.objects.update_or_create(
                code=code,
                defaults={"definition": definition.model_dump(mode="json"),
                          "rule_version": version, "disbursement": disbursement},
            )  # fmt: skip
            audit_record(actor=actor, action="programmes.load", object_type="programme",
                         object_id=code, data={"rule_version": version.number})  # fmt: skip
            loaded.append(programme)
    return loaded


def programme_get(code: str) -> Programme:
    programme = Programme.objects.select_related("rule_version", "disbursement").filter(code=code)
    found = programme.first()
    if found is None:
        raise Problem(404, _("There is no such programme."), code="no-such-programme")
    return found


def definition_of(programme: Programme) -> ProgrammeDefinition:
    return ProgrammeDefinition.model_validate(programme.definition)


# --- runs --------------------------------------------------------------------------------


class RunPaused(Exception):
    """The programme is paused; the run stops after the chunk it was in."""


def programme_pause(code: str, *, paused: bool, actor: str) -> Programme:
    programme = programme_get(code)
    programme.paused_at = timezone.now() if paused else None
    programme.save(update_fields=["paused_at"])
    audit_record(actor=actor, action="programmes.pause" if paused else "programmes.resume",
                 object_type="programme", object_id=code)  # fmt: skip
    return programme


Checkpoint = Callable[[str, str], None]  # (stage, "before-commit" | "after-commit" | "sent")
_checkpoint: ContextVar[Checkpoint | None] = ContextVar("programme_checkpoint", default=None)


def _at(stage: str, where: str) -> None:
    hook = _checkpoint.get()
    if hook is not None:
        hook(stage, where)


def programme_run(
    code: str,
    *,
    resume: bool = False,
    on: date | None = None,
    say: Say = lambda _text: None,
    checkpoint: Checkpoint | None = None,
) -> ProgrammeRun:
    """Run a mass programme through its stages (eligibility, orders, bank files, sending
    them, the banks' answers), or with ``resume`` go on with its open run from where it
    stopped. Raises RunPaused when the programme is paused (resume it, then run again).

    ``checkpoint`` is called at every point where a crash must lose nothing: just before
    each chunk commits, just after, and after a bank took a file but before that is
    recorded; the crash tests kill the process there."""
    token = _checkpoint.set(checkpoint)
    try:
        return _run(code, resume=resume, on=on, say=say)
    finally:
        _checkpoint.reset(token)


def _run(code: str, *, resume: bool, on: date | None, say: Say) -> ProgrammeRun:
    programme = programme_get(code)
    definition = definition_of(programme)
    if definition.trigger != "run":
        raise Problem(409, _("This programme starts from registry events, not by a run."),
                      code="not-a-mass-programme")  # fmt: skip
    run = ProgrammeRun.objects.filter(programme=programme, finished_at=None).first()
    if run is not None and not resume:
        raise Problem(409, _("This programme has an unfinished run: resume it."),
                      code="run-open")  # fmt: skip
    if run is None:
        try:
            with transaction.atomic():
                run = ProgrammeRun.objects.create(
                    programme=programme, on=on or timezone.localdate(),
                    stage=Stage.ELIGIBILITY, counts={"last_person": _last_person()},
                )  # fmt: skip
        except IntegrityError:  # another process started one at the same moment
            raise Problem(409, _("This programme has an unfinished run: resume it."),
                          code="run-open") from None  # fmt: skip
        audit_record(actor=ACTOR, action="programmes.run.start", object_type="programme",
                     object_id=code, data={"run": run.pk, "on": run.on.isoformat()})  # fmt: skip
    started = {run.stage: time.monotonic()}
    while run.stage != Stage.DONE:
        if Programme.objects.filter(pk=programme.pk, paused_at__isnull=False).exists():
            raise RunPaused(code)
        stage = run.stage
        run = STEPS[Stage(stage)](run, programme, definition)
        _at(stage, "after-commit")
        if run.stage != stage:
            _statistics_refresh(stage)
            say(f"{stage}: done in {time.monotonic() - started[stage]:.1f} s "
                f"({_stage_count(run, stage)})")  # fmt: skip
            started[run.stage] = time.monotonic()
    return run


def _disbursement(programme: Programme) -> Disbursement:
    if programme.disbursement is None:
        raise Problem(409, _("This programme makes no payments."), code="no-payments")
    return programme.disbursement


# The tables a stage fills, whose statistics the next stage's plans depend on: a stage
# adds millions of rows at once, faster than autovacuum notices.
FILLED_BY = {Stage.ELIGIBILITY: Offer, Stage.ORDERS: PaymentOrder}


def _statistics_refresh(stage: str) -> None:
    model = FILLED_BY.get(Stage(stage))
    if model is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _last_person() -> int:
    return PopulationRecord.objects.aggregate(last=Max("person_id"))["last"] or 0


def _stage_count(run: ProgrammeRun, stage: str) -> str:
    value = run.counts.get(stage)
    return f"{value:,}" if isinstance(value, int) else "-"


def _advance(run: ProgrammeRun, *, finished: bool, cursor: int, added: int = 0) -> ProgrammeRun:
    """Record a chunk's progress (in the chunk's transaction): the cursor, the stage's
    count, and the next stage once this one is finished."""
    _at(run.stage, "before-commit")
    counts = dict(run.counts)
    counts[run.stage] = counts.get(run.stage, 0) + added
    run.counts, run.cursor = counts, cursor
    if finished:
        run.stage, run.cursor = NEXT[Stage(run.stage)], 0
        if run.stage == Stage.DONE:
            run.finished_at = timezone.now()
    run.save(update_fields=["counts", "cursor", "stage", "finished_at"])
    return run


def _locked_run(run: ProgrammeRun) -> ProgrammeRun:
    """The run's row, locked: two processes resuming the same run take turns, and each
    finds the cursor where the other left it."""
    return ProgrammeRun.objects.select_for_update().get(pk=run.pk)


def _eligibility_step(
    run: ProgrammeRun, programme: Programme, definition: ProgrammeDefinition
) -> ProgrammeRun:
    """One chunk of person ids: everyone in it the rule finds eligible gets an offer
    (accepted already where the programme pays without asking)."""
    rule = rule_check(programme.rule_version.source)
    with transaction.atomic():
        run = _locked_run(run)
        if run.stage != Stage.ELIGIBILITY:
            return run
        low, high = run.cursor, run.cursor + CHUNK_PERSONS
        eligible = (
            eligible_population(rule, on=run.on)
            .filter(person_id__gte=low, person_id__lt=high)
            .values_list("person_id")
        )
        select, params = eligible.query.get_compiler(connection=connection).as_sql()
        status = (
            OfferStatus.ACCEPTED if definition.acceptance == "implied" else OfferStatus.ELIGIBLE
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Offer._meta.db_table} (programme_id, person_id, status, channel,"  # noqa: S608
                " created_at) SELECT %s, e.person_id, %s, '', %s"
                f" FROM ({select}) e WHERE true"
                # A refusal is not final: eligible now, the person gets the offer.
                " ON CONFLICT (programme_id, person_id) DO UPDATE SET status = EXCLUDED.status,"
                " explanation = NULL, channel = ''"
                f" WHERE {Offer._meta.db_table}.status = %s",
                [programme.pk, status, timezone.now(), *params, OfferStatus.REFUSED],
            )
            added = max(cursor.rowcount, 0)
        return _advance(run, finished=high > run.counts["last_person"], cursor=high, added=added)


def _offers_step(
    run: ProgrammeRun, programme: Programme, definition: ProgrammeDefinition
) -> ProgrammeRun:
    """Offers go out at the programme's pace from the worker (``offers_send_due``), not
    from the run, which goes on to pay those who need not answer."""
    with transaction.atomic():
        run = _locked_run(run)
        if run.stage != Stage.OFFERS:
            return run
        waiting = Offer.objects.filter(programme=programme, status=OfferStatus.ELIGIBLE).count()
        return _advance(run, finished=True, cursor=0, added=waiting)


def payees_of(programme: Programme, offers: Any) -> Any:
    """(person id, amount, payee name, IBAN, BIC) of the accepted offers in ``offers`` whose
    person has a payout account: what the payments app makes orders from."""
    definition = definition_of(programme)
    # The name straight from the population register by person id (not through the
    # persons table, which a chunk would otherwise read whole).
    name = PopulationRecord.objects.filter(person_id=OuterRef("person_id")).values(
        name=Concat("given_name_lat", Value(" "), "surname_lat")
    )[:1]
    return PayoutAccount.objects.filter(
        primary=True,
        person_id__in=offers.filter(status=OfferStatus.ACCEPTED).values("person_id"),
    ).values_list("person_id", Value(definition.payment), Subquery(name), "iban", "bic")


def _orders_step(
    run: ProgrammeRun, programme: Programme, definition: ProgrammeDefinition
) -> ProgrammeRun:
    """One chunk of person ids: a payment order for each accepted offer in it."""
    disbursement = _disbursement(programme)
    with transaction.atomic():
        run = _locked_run(run)
        if run.stage != Stage.ORDERS:
            return run
        low, high = run.cursor, run.cursor + CHUNK_PERSONS
        chunk = Offer.objects.filter(programme=programme, person_id__gte=low, person_id__lt=high)
        made = payouts.payment_orders_make(disbursement, payees_of(programme, chunk))
        return _advance(run, finished=high > run.counts["last_person"], cursor=high,
                        added=made.orders)  # fmt: skip


def _files_step(
    run: ProgrammeRun, programme: Programme, definition: ProgrammeDefinition
) -> ProgrammeRun:
    disbursement = _disbursement(programme)
    with transaction.atomic():  # under the run's lock: no file is made behind a resume's back
        run = _locked_run(run)
        if run.stage != Stage.FILES:
            return run
        file = payouts.bank_file_next(disbursement)
        return _advance(run, finished=file is None, cursor=0, added=1 if file else 0)


def _transmit_step(
    run: ProgrammeRun, programme: Programme, definition: ProgrammeDefinition
) -> ProgrammeRun:
    disbursement = _disbursement(programme)
    sent = payouts.bank_files_transmit(disbursement, sent=lambda _file: _at(Stage.TRANSMIT, "sent"))
    unsent = payouts.bank_files_unsent(disbursement).exists()
    if unsent:  # the bank is down: try again in a while
        time.sleep(BANK_RETRY_SECONDS)
    with transaction.atomic():
        run = _locked_run(run)
        if run.stage != Stage.TRANSMIT:
            return run
        return _advance(run, finished=not unsent, cursor=0, added=sent)


def _statuses_step(
    run: ProgrammeRun, programme: Programme, definition: ProgrammeDefinition
) -> ProgrammeRun:
    """The banks' reports read so far; the stage ends when every file is sent and
    reported on. Orders made meanwhile (an acceptance, say) or going out again (after a
    bank's technical refusal) are written into a file and sent first."""
    disbursement = _disbursement(programme)
    payouts.bank_file_next(disbursement)  # orders made meanwhile, or going out again
    payouts.bank_files_transmit(disbursement)
    applied = payouts.bank_reports_apply()
    unanswered = disbursement.files.filter(report_name=None).exists() or (
        PaymentOrder.objects.filter(disbursement=disbursement, file__isnull=True).exists()
    )
    if unanswered and not applied:  # the banks have not answered yet
        time.sleep(BANK_RETRY_SECONDS)
    with transaction.atomic():
        run = _locked_run(run)
        if run.stage != Stage.STATUSES:
            return run
        return _advance(run, finished=not unanswered, cursor=0, added=applied)


Step = Callable[[ProgrammeRun, Programme, ProgrammeDefinition], ProgrammeRun]
STEPS: dict[Stage, Step] = {
    Stage.ELIGIBILITY: _eligibility_step,
    Stage.OFFERS: _offers_step,
    Stage.ORDERS: _orders_step,
    Stage.FILES: _files_step,
    Stage.TRANSMIT: _transmit_step,
    Stage.STATUSES: _statuses_step,
}
ORDER = [Stage.ELIGIBILITY, Stage.OFFERS, Stage.ORDERS, Stage.FILES, Stage.TRANSMIT,
         Stage.STATUSES, Stage.DONE]  # fmt: skip
NEXT = {stage: ORDER[i + 1] for i, stage in enumerate(ORDER[:-1])}


def payouts_advance() -> int | None:
    """Between runs and after them, for every programme that pays: file the orders made
    since (acceptances, accounts given later, refusals tried again), send the files, read
    the banks' answers (one of the worker's periodic jobs). Skips a programme while a run
    of it is open: the run does this itself."""
    done = 0
    busy = ProgrammeRun.objects.filter(finished_at=None).values("programme_id")
    for programme in (
        Programme.objects.filter(disbursement__isnull=False, paused_at=None)
        .exclude(pk__in=busy)
        .select_related("disbursement")
    ):
        disbursement = _disbursement(programme)
        while payouts.bank_file_next(disbursement) is not None:
            done += 1
        done += payouts.bank_files_transmit(disbursement)
    done += payouts.bank_reports_apply()
    return done or None


def orders_for_new_account(person: Person, **_signal: Any) -> None:
    """The person has given an account (``payout_account_changed``): pay what they
    accepted while they had none, in the same transaction."""
    for programme in Programme.objects.filter(disbursement__isnull=False).select_related(
        "disbursement"
    ):
        offers = Offer.objects.filter(programme=programme, person=person)
        payouts.payment_orders_make(_disbursement(programme), payees_of(programme, offers))


# --- offers and answers --------------------------------------------------------------


def offers_send_due(*, seconds: float | None = None) -> None:
    """Queue the offers each programme's pace allows in one interval of the worker's
    periodic jobs (``seconds``, AUDIT_SEAL_INTERVAL by default). Returns None always: the
    pace allows no more until the next interval."""
    interval = seconds if seconds is not None else settings.AUDIT_SEAL_INTERVAL
    for programme in Programme.objects.filter(paused_at=None):
        definition = definition_of(programme)
        Offer.objects.filter(
            programme=programme, status=OfferStatus.OFFERED,
            offered_at__lt=timezone.now() - timedelta(days=definition.answer_days),
        ).update(status=OfferStatus.EXPIRED)  # fmt: skip
        allowed = int(definition.offers_per_second * interval)
        while allowed > 0 and offers_send(programme, limit=min(allowed, OFFER_BATCH)):
            allowed -= OFFER_BATCH


@transaction.atomic
def offers_send(programme: Programme, *, limit: int) -> int:
    """Text up to ``limit`` people of ``programme`` not told yet, each in their language:
    an offer with its reply codes, or, where the programme pays without asking, a notice of
    the payment and the account it goes to. Those with no phone on file see it on the
    portal."""
    definition = definition_of(programme)
    offers = list(
        Offer.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("person")  # each message is filed under its person, read at once
        .filter(TO_TELL, programme=programme)
        .order_by("pk")[:limit]
    )
    persons = [o.person_id for o in offers]
    accounts = {
        a.person_id: a
        for a in Account.objects.filter(kind=AccountKind.CITIZEN, person_id__in=persons)
    }
    payout_accounts = dict(
        PayoutAccount.objects.filter(primary=True, person_id__in=persons).values_list(
            "person_id", "iban"
        )
    )
    now = timezone.now()
    for offer in offers:
        account = accounts.get(offer.person_id)
        asked = offer.status == OfferStatus.ELIGIBLE
        if account is not None and account.phone and "sms" in definition.channels:
            text = _offer_words(definition, account)
            if asked:
                _offer_text(offer, definition, account, text)
            else:
                _notice_text(offer, account, text, payout_accounts.get(offer.person_id))
        if asked:
            offer.status = OfferStatus.OFFERED
        offer.offered_at = now
    Offer.objects.bulk_update(offers, ["status", "offered_at"])
    return len(offers)


ACCEPT, DECLINE = "1", "0"


def _language_of(account: Account) -> str:
    language = account.preferred_language
    return language if language in ("kk", "ru", "en") else "kk"


def _offer_words(definition: ProgrammeDefinition, account: Account) -> str:
    """The programme's message in the person's language, with its name and amount."""
    language = _language_of(account)
    amount = definition.payment or 0
    return definition.message.get(language).format(
        programme=definition.name.get(language),
        amount=f"{amount // 100:,}".replace(",", " ") + " ₸",
    )


def _offer_text(offer: Offer, definition: ProgrammeDefinition, account: Account, text: str) -> None:
    from qyzmet.programmes.sms import OFFER_KEYWORD

    ttl = timedelta(days=definition.answer_days)
    codes = {
        answer: sms_reply_code_register(
            phone=account.phone, keyword=OFFER_KEYWORD, subject=f"offer:{offer.pk}:{answer}",
            ttl=ttl, actor=ACTOR, code=answer,
        )
        for answer in (ACCEPT, DECLINE)
    }  # fmt: skip
    notification_queue(
        key=f"offer:{offer.pk}", template="programme-offer",
        context={"text": text, "accept": codes[ACCEPT], "decline": codes[DECLINE]},
        to=account.phone, channel="sms", language=_language_of(account), actor=ACTOR,
        person=offer.person,
    )  # fmt: skip


def _notice_text(offer: Offer, account: Account, text: str, iban: str | None) -> None:
    """A payment made without asking: where it goes, or that an account is needed."""
    if iban:
        template, context = "programme-notice", {"text": text, "account": iban[-4:]}
    else:
        template, context = "programme-notice-no-account", {"text": text}
    notification_queue(
        key=f"offer:{offer.pk}", template=template, context=context,
        to=account.phone, channel="sms", language=_language_of(account), actor=ACTOR,
        person=offer.person,
    )  # fmt: skip


@dataclass(frozen=True)
class Answered:
    offer: Offer
    case: Any  # the application created, for a programme that leads to a service


@transaction.atomic
def offer_answer(*, offer: Offer, accept: bool, channel: str, reference: str) -> Answered:
    """The person's answer to their offer. Accepting a payment makes the payment order at
    once; accepting a service creates its application, prefilled, and submits it on this
    answer. Answering again changes nothing (409)."""
    offer = Offer.objects.select_for_update().select_related("programme", "person").get(pk=offer.pk)
    if offer.status not in (OfferStatus.OFFERED, OfferStatus.ELIGIBLE):
        raise Problem(409, _("This offer has been answered already."), code="answered")
    programme = offer.programme
    definition = definition_of(programme)
    too_late = offer.offered_at is not None and (
        timezone.now() - offer.offered_at > timedelta(days=definition.answer_days)
    )
    if too_late or (definition.closes is not None and timezone.localdate() > definition.closes):
        # Marked expired by the worker (offers_send_due); this transaction is undone.
        raise Problem(409, _("The time to answer this offer has passed."), code="expired")
    offer.status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    offer.channel, offer.answered_at = channel, timezone.now()
    offer.save(update_fields=["status", "channel", "answered_at"])
    audit_record(actor=f"person:{offer.person.iin}", action="programmes.answer",
                 object_type="offer", object_id=str(offer.pk),
                 data={"programme": programme.code, "accept": accept, "channel": channel,
                       "reference": reference})  # fmt: skip
    case = None
    if accept:
        case = _take_up(offer, programme, reference)
    return Answered(offer, case)


def _take_up(offer: Offer, programme: Programme, reference: str) -> Any:
    definition = definition_of(programme)
    if programme.disbursement is not None:
        payouts.payment_orders_make(
            programme.disbursement,
            payees_of(programme, Offer.objects.filter(pk=offer.pk)),
        )
        return None
    if definition.service is None:  # the definition checks it
        raise ValueError(f"{programme.code} leads to no service")
    account = Account.objects.filter(kind=AccountKind.CITIZEN, person=offer.person).first()
    if account is None:
        raise Problem(409, _("Log in to the portal once to take up this offer."), code="no-account")
    case = case_open(account=account, service=definition.service,
                     answers=_answers(definition, offer))  # fmt: skip
    case = case_submit_on_answer(case=case, account=account, answer=reference)
    offer.case = case
    offer.save(update_fields=["case"])
    return case


def _answers(definition: ProgrammeDefinition, offer: Offer) -> dict[str, Any]:
    """The service form's answers the programme fills from what the platform knows."""
    answers: dict[str, Any] = {}
    event = offer.event
    for field, source in definition.answers.items():
        value: Any = None
        if source == "event-date" and event is not None:
            value = event.on.isoformat()
        elif source == "event-subject-given-name" and event is not None:
            record = PopulationRecord.objects.filter(person_id=event.subject_id).first()
            value = record.given_name_kk if record else None
        elif source == "payout-account-iban":
            value = (
                PayoutAccount.objects.filter(person_id=offer.person_id, primary=True)
                .values_list("iban", flat=True)
                .first()
            )
        if value:
            answers[field] = value
    return answers


# --- proactive offers on registry events -----------------------------------------------

EVENTS_CURSOR = "registry-events"
EVENTS_BATCH = 200


EVENTS_SETTLE = timedelta(minutes=1)


def events_offer(*, settled_before: datetime | None = None) -> int | None:
    """Read the registry events written since last time, in order, and make an offer to
    each person an event concerns whom a programme started by that event finds eligible
    (one of the worker's periodic jobs); how many events were read, None when none.

    Ids are taken when a row is written, not when it commits: an event is read once it is
    EVENTS_SETTLE old, so that one written a moment earlier by a transaction still open
    is not passed by (a registry write lasts well under that)."""
    settled = settled_before or timezone.now() - EVENTS_SETTLE
    with transaction.atomic():
        cursor, _created = EventCursor.objects.select_for_update().get_or_create(name=EVENTS_CURSOR)
        waiting = RegistryEvent.objects.filter(pk__gt=cursor.last_id, at__lt=settled)
        events = list(waiting.order_by("pk")[:EVENTS_BATCH])
        if not events:
            return None
        by_trigger: dict[str, list[Programme]] = {}
        for programme in Programme.objects.select_related("rule_version"):
            trigger = definition_of(programme).trigger
            by_trigger.setdefault(trigger, []).append(programme)
        for event in events:
            for programme in by_trigger.get(event.kind, []):
                for person in Person.objects.filter(pk__in=event.persons):
                    _offer_on_event(programme, person, event)
        cursor.last_id = events[-1].pk
        cursor.save(update_fields=["last_id"])
    return len(events)


def _offer_on_event(programme: Programme, person: Person, event: RegistryEvent) -> None:
    if Offer.objects.filter(programme=programme, person=person).exists():
        return
    try:
        decided = decision_make(
            version=programme.rule_version, iin=person.iin, on=timezone.localdate(),
            source=RegistrySource(),
            actor=ACTOR,
        )  # fmt: skip
    except PersonUnknown:
        return
    if decided.outcome.eligible:
        Offer.objects.create(programme=programme, person=person, status=OfferStatus.ELIGIBLE,
                             event=event, created_at=timezone.now())  # fmt: skip


# --- applications on one's own initiative ---------------------------------------------


@transaction.atomic
def programme_apply(*, programme: Programme, person: Person, channel: str) -> Offer:
    """A person applies to a mass programme (portal, SMS, API): decided on the rule with
    the registries' facts; eligible → accepted (and paid); otherwise refused, with the
    rule's explanation kept for them to read and appeal."""
    definition = definition_of(programme)
    if definition.trigger != "run" or channel not in definition.channels:
        raise Problem(409, _("This programme is offered, not applied to, here."),
                      code="not-applied-to")  # fmt: skip
    if not definition.open_on(timezone.localdate()):
        raise Problem(409, _("Applications to this programme are closed."), code="closed")
    # Locked, so that the same person applying twice at once is decided once.
    existing, _created = Offer.objects.select_for_update().get_or_create(
        programme=programme, person=person,
        defaults={"status": OfferStatus.ELIGIBLE, "created_at": timezone.now()},
    )  # fmt: skip
    # A refusal is decided again: the registries may say otherwise now.
    deciding = (OfferStatus.ELIGIBLE, OfferStatus.OFFERED, OfferStatus.REFUSED)
    if existing.status not in deciding:
        return existing
    try:
        decided = decision_make(
            version=programme.rule_version, iin=person.iin, on=timezone.localdate(),
            source=RegistrySource(), actor=ACTOR,
        )  # fmt: skip
    except PersonUnknown as unknown:
        raise Problem(404, _("The registries do not know this person."),
                      code="person-unknown") from unknown  # fmt: skip
    offer = existing
    if not decided.outcome.eligible:
        offer.status, offer.channel, offer.answered_at = (
            OfferStatus.REFUSED, channel, timezone.now(),
        )  # fmt: skip
        offer.explanation = {
            language: explain(decided.outcome, decided.dossier, programme.rule_version.source,
                              on=timezone.localdate(), language=language).lines()
            for language in ("kk", "ru", "en")
        }  # fmt: skip
        offer.save(update_fields=["status", "channel", "answered_at", "explanation"])
        return offer
    if offer.status == OfferStatus.REFUSED:
        offer.status, offer.explanation = OfferStatus.ELIGIBLE, None
        offer.save(update_fields=["status", "explanation"])
    return offer_answer(offer=offer, accept=True, channel=channel,
                        reference=f"application:{channel}").offer  # fmt: skip


# --- appeals ---------------------------------------------------------------------------


@transaction.atomic
def offer_appeal(*, offer: Offer, account: Account, grounds: str, channel: str) -> Case:
    """The person appeals their refusal: an application of the programme's appeal service,
    naming the programme and the refusal's reasons, goes to that service's officers.
    Filed on the person's own request, as an answer to the state's decision (no signature
    needed, decisions/0010). One appeal per refusal; when it is upheld the person is
    accepted and paid (``appeal_decided``)."""
    offer = Offer.objects.select_for_update().select_related("programme", "person").get(pk=offer.pk)
    if account.person_id != offer.person_id:
        raise Problem(404, _("Not found."))
    definition = definition_of(offer.programme)
    if definition.appeal is None:
        raise Problem(409, _("This programme's decisions cannot be appealed here."),
                      code="no-appeal")  # fmt: skip
    if offer.appeal_id is not None:
        raise Problem(409, _("You have appealed this decision already."), code="appealed")
    if offer.status != OfferStatus.REFUSED:
        raise Problem(409, _("Only a refusal can be appealed."), code="not-refused")
    language = _language_of(account)
    answers = {
        "programme": definition.name.get(language),
        "refusal": "\n".join((offer.explanation or {}).get(language, []))[:4000],
        "grounds": grounds.strip(),
    }
    case = case_open(account=account, service=definition.appeal, answers=answers,
                     by_platform=True)  # fmt: skip
    case = case_submit_on_answer(case=case, account=account,
                                 answer=f"{channel}:appeal:{offer.pk}")  # fmt: skip
    offer.appeal = case
    offer.save(update_fields=["appeal"])
    audit_record(actor=f"person:{offer.person.iin}", action="programmes.appeal",
                 object_type="offer", object_id=str(offer.pk),
                 data={"programme": offer.programme.code, "case": case.number,
                       "channel": channel})  # fmt: skip
    return case


def appeal_decided(case: Case, **_signal: Any) -> None:
    """An application closed (``case_closed``): if it is an appeal against a refusal, an
    upheld one accepts the person (and pays them, or applies for the service); a dismissed
    one leaves the refusal as it is, with the officer's reason on the appeal."""
    offer = (
        Offer.objects.select_for_update().select_related("programme").filter(appeal=case).first()
    )
    if offer is None or offer.status != OfferStatus.REFUSED:
        return
    upheld = case.status == CaseStatus.COMPLETED
    action = "programmes.appeal." + ("upheld" if upheld else "dismissed")
    audit_record(actor=ACTOR, action=action, object_type="offer", object_id=str(offer.pk),
                 data={"programme": offer.programme.code, "case": case.number})  # fmt: skip
    if not upheld:
        return
    offer.status, offer.channel, offer.answered_at = OfferStatus.ACCEPTED, "appeal", timezone.now()
    offer.save(update_fields=["status", "channel", "answered_at"])
    _take_up(offer, offer.programme, reference=f"appeal:{case.number}")
