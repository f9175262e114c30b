from __future__ import annotations

import signal
import threading
from datetime import date, datetime, time, timedelta
from types import FrameType
from typing import Any

import pyotp
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from waitress.server import create_server

from qyzmet.catalog.services import catalogue_publish_shipped
from qyzmet.core.management.commands.serve import MAX_REQUEST_BODY
from qyzmet.core.worker import start_periodic_jobs, task_worker
from qyzmet.documents.samples import samples_issue
from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.models import ExchangeRecord, Grant, Purpose, Service, Subsystem
from qyzmet.exchange.selectors import local_service_identifier
from qyzmet.exchange.services import (
    consent_give,
    exchange_init,
    grant_give,
    member_add,
    subsystem_add,
)
from qyzmet.identity.models import Account, AccountKind, Agency, OfficerRole
from qyzmet.identity.services import (
    agency_ensure_defaults,
    citizen_account_create,
    staff_account_create,
)
from qyzmet.payments.generator import payout_accounts_generate
from qyzmet.payments.models import PayoutAccount
from qyzmet.programmes.services import programmes_load
from qyzmet.registries.models import Employment, FamilyLink, PopulationRecord
from qyzmet.trust.authority import trust_init
from qyzmet.wsgi import application

DEMO_PHONE = "+77000000001"
CITIZEN_PASSWORD = "demo-citizen"  # noqa: S105 - published demo logins on loopback only
STAFF_PASSWORD = "demo-staff"  # noqa: S105
# One officer of each agency a life situation of the shipped catalogue passes through.
DEMO_OFFICERS = (
    ("officer.mvd", "internal-affairs"), ("officer.labour", "labour"),
    ("officer.justice", "justice"), ("officer.education", "education"),
)  # fmt: skip
DEMO_BANK_BIN = "050140000123"  # a synthetic commercial bank, for consent-bound services
DEMO_ACTOR = "system:demo"


class Command(BaseCommand):
    help = (
        "Run the whole platform on 127.0.0.1 with a synthetic population: migrate, generate, "
        "create demo accounts, then serve the portal and run the worker. Ctrl-C stops it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--persons", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reset", action="store_true", help="erase all data first")
        parser.add_argument("--no-serve", action="store_true", help="prepare everything, then exit")

    def handle(
        self,
        *args: Any,
        port: int,
        persons: int,
        seed: int,
        reset: bool,
        no_serve: bool,
        **options: Any,
    ) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        if reset:
            self.stdout.write("erasing all data (--reset)")
            call_command("flush", verbosity=0, interactive=False)
        agencies = {agency.code: agency for agency in agency_ensure_defaults()}
        if not PopulationRecord.objects.exists():
            self.stdout.write(f"generating {persons:,} synthetic people (seed {seed})")
            call_command("registry_generate", persons=persons, seed=seed)
        logins = demo_accounts_ensure(agencies)
        trust_init()
        exchange_init(actor=DEMO_ACTOR)
        demo_documents_ensure()
        demo_exchange_ensure()
        catalogue_publish_shipped(actor=DEMO_ACTOR)
        if not PayoutAccount.objects.exists():
            payout_accounts_generate(share=0.9, seed=seed)
        programmes_load(actor=DEMO_ACTOR)
        if no_serve:
            self._print_logins(None, logins)
            return
        self._serve(port, logins)

    def _serve(self, port: int, logins: list[str]) -> None:
        server = create_server(
            application,
            host="127.0.0.1",
            port=port,
            threads=8,
            max_request_body_size=MAX_REQUEST_BODY,
        )
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        sealer, stop_sealer = start_periodic_jobs()
        worker = task_worker("demo")
        worker_thread = threading.Thread(target=worker.run, name="task-worker")
        worker_thread.start()
        self._print_logins(port, logins)
        try:
            server.run()
        except KeyboardInterrupt:
            self.stdout.write("\nstopping…")
        finally:
            server.close()
            worker.running = False
            stop_sealer.set()
            worker_thread.join()
            sealer.join()
            self.stdout.write("stopped")

    def _print_logins(self, port: int | None, logins: list[str]) -> None:
        if port is not None:
            base = f"http://127.0.0.1:{port}"
            self.stdout.write(
                f"\nqyzmet demo is running\n  portal   {base}/\n  my data  {base}/my-data/\n"
                f"  API      {base}/api/v1/docs\n  admin    {base}/admin/\n"
            )
        self.stdout.write("demo logins:")
        for line in logins:
            self.stdout.write(f"  {line}")
        if port is not None:
            self.stdout.write("press Ctrl-C to stop")


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # stop as Ctrl-C does: finish the running task, then exit


@transaction.atomic
def demo_accounts_ensure(agencies: dict[str, Agency]) -> list[str]:
    """Create the demo accounts that do not exist yet; return how to log in with each."""
    lines = []
    citizen = Account.objects.filter(kind=AccountKind.CITIZEN).order_by("pk").first()
    if citizen is None:
        record = demo_citizen_record()
        citizen = citizen_account_create(iin=record.person.iin, password=CITIZEN_PASSWORD)
    if not citizen.phone:
        citizen.phone = DEMO_PHONE
        citizen.save(update_fields=["phone"])
    lines.append(f"citizen   login {citizen.username}  password {CITIZEN_PASSWORD}")
    lines.append(
        f"          signing codes go by simulated SMS to {citizen.phone}: "
        "`qyzmet manage demo_messages`"
    )
    for username, agency_code in DEMO_OFFICERS:
        officer = Account.objects.filter(username=username).first() or staff_account_create(
            username=username,
            password=STAFF_PASSWORD,
            kind=AccountKind.OFFICER,
            display_name=f"Demo officer, {agencies[agency_code].name_en}",
            agency=agencies[agency_code],
            roles=(OfficerRole.CLERK, OfficerRole.REVIEWER, OfficerRole.REGISTRAR),
        )
        lines.append(_staff_line(officer))
    operator = Account.objects.filter(username="operator").first() or staff_account_create(
        username="operator",
        password=STAFF_PASSWORD,
        kind=AccountKind.OPERATOR,
        display_name="Demo operator",
    )
    lines.append(_staff_line(operator))
    return lines


def demo_documents_ensure() -> None:
    """Put sample signed documents in the demo citizen's wallet, once."""
    citizen = Account.objects.filter(kind=AccountKind.CITIZEN).order_by("pk").first()
    if citizen is None or citizen.person is None or citizen.person.documents.exists():
        return
    samples_issue(person=citizen.person, language="kk", actor="system:demo")


def _client_ensure(identifier: str, service: str, purpose: str) -> Subsystem:
    """A client subsystem (its member registered already) with a live grant to a service."""
    subsystem = Subsystem.objects.filter(identifier=identifier).first()
    if subsystem is None:
        subsystem = subsystem_add(identifier=identifier, actor=DEMO_ACTOR)
    if not Grant.objects.filter(
        client=subsystem, service__identifier=service, revoked_at__isnull=True
    ).exists():
        grant_give(client=identifier, service=service, purposes=[purpose], actor=DEMO_ACTOR)
    return subsystem


def demo_exchange_ensure() -> None:
    """Give the demo citizen's data tracker and consents something to show, once.

    The labour ministry's benefits office reads their population record for a benefit
    case (once as an officer's request, once on the citizen's own application), and a bank
    the citizen consented to reads their income statement for a loan.
    """
    citizen = Account.objects.filter(kind=AccountKind.CITIZEN).order_by("pk").first()
    if citizen is None or citizen.person is None:
        return
    person = citizen.person
    if ExchangeRecord.objects.filter(subject_iin=person.iin).exists():
        return
    instance = settings.QYZMET_EXCHANGE_INSTANCE
    labour = Agency.objects.select_related("organisation").get(code="labour")
    population = local_service_identifier("population", "person")
    income = local_service_identifier("employment", "income-statement")
    benefits = f"{instance}/GOV/{labour.organisation.bin}/benefits-office"
    bank = f"{instance}/COM/{DEMO_BANK_BIN}/loans"
    _client_ensure(benefits, population, "benefit-assignment")
    member_add(member_class="COM", code=DEMO_BANK_BIN, name="Dala Bank JSC", actor=DEMO_ACTOR)
    loans = _client_ensure(bank, income, "loan-assessment")

    last_day = timezone.localdate() + timedelta(days=30)
    consent_give(
        person=person,
        party=loans,
        purpose=Purpose.objects.get(code="loan-assessment"),
        services=[Service.objects.get(identifier=income)],
        valid_until=timezone.make_aware(datetime.combine(last_day, time.min)),
        via="portal",
        actor=DEMO_ACTOR,
    )
    office = ExchangeClient.local(benefits)
    office.get(
        population, person.iin, purpose="benefit-assignment", issue="BEN-2026-00417",
        user_id="officer.labour",
    )  # fmt: skip
    office.get(  # the citizen's own application prefilled from the register
        population, person.iin, purpose="benefit-assignment", issue="BEN-2026-00418",
        user_id=person.iin,
    )  # fmt: skip
    ExchangeClient.local(bank).get(
        income, person.iin, purpose="loan-assessment", issue="LOAN-2026-0093"
    )


def _staff_line(account: Account) -> str:
    uri = pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.username, issuer_name="qyzmet demo"
    )
    return (
        f"{account.kind:<9} login {account.username}  password {STAFF_PASSWORD}  "
        f"one-time code: `qyzmet manage demo_code {account.username}` (or add {uri})"
    )


def demo_citizen_record() -> PopulationRecord:
    """A living working-age adult with a job and a family, so "My data" has something to show."""
    today = timezone.localdate()
    adults = PopulationRecord.objects.select_related("person").filter(
        death_date__isnull=True,
        birth_date__lte=date(today.year - 30, 1, 1),
        birth_date__gte=date(today.year - 45, 1, 1),
    )
    rich = adults.filter(
        Exists(Employment.objects.filter(person=OuterRef("person"))),
        Exists(FamilyLink.objects.filter(relative=OuterRef("person"))),
    ).order_by("person__iin")
    record = rich.first() or adults.order_by("person__iin").first()
    if record is None:
        raise LookupError("the population has no adult of working age")
    return record
