"""Portal pages under load: p50 and p95 of each main page while 50 people use the portal
at once, against the /healthz baseline measured in the same run.

    .venv/bin/python bench/portal.py [--users 50] [--seconds 60] [--people 5000]

Creates a scratch database (``qyzmet_bench_portal``) on the PostgreSQL server that
QYZMET_DATABASE_URL names (default: postgres@127.0.0.1:5432), migrates it, sets up the
platform PKI, the shipped catalogue and the exchange, generates a population of --people,
and prepares:

- the simulated citizens (--users minus --officers): an account each; half of them have
  started the life situation "birth-of-a-child" (its birth registration is their draft,
  half filled in), the others a draft of another service; every fourth of those also has
  a signed and submitted application (unemployed status) to follow;
- --queued more citizens whose birth registrations are signed, submitted and waiting for
  the registry office (justice), and --officers registrars of justice who see them in
  their queue (the first has taken a few);
- a session for every simulated user, written into the database as a login would (the
  bench measures pages, not Argon2 nor the one-time code of officers).

Then it starts ``qyzmet serve`` (--processes × --threads, 8 × 3 by default: see
docs/portal.md) on a free loopback port, and --users closed-loop users, each with its
own session cookie, reading each page for --think seconds (1 on average; people arrive
one by one and are anywhere in their walk when the clock starts), walk their pages over
kept-alive connections: a citizen the home page (anonymous), /services/, a search, a
service page, a situation page, my applications, their draft's form, their submitted
application (if they have one), my data, my documents, the data tracker and my payments;
an officer the queue and an application in it. Every fourth page is followed by /healthz
(no cookie, as a load balancer's probe), the baseline: what any request costs through the
same server, connections and client. After --warm-up seconds (not timed), the walks are
timed for --seconds.

It prints, per page, the requests, p50 and p95 latency, errors (any answer but 200), and
what one request costs, which a busy machine changes far less than latency: the SQL
statements it runs and the CPU milliseconds it takes (the median of five, in the bench's
own process before the run; other work on the same cores still slows it somewhat); the
totals with requests a second and where the CPU went; and LAST the p95 of the slowest
page divided by the p95 of /healthz, e.g.

    slowest page p95 / healthz p95 ratio 7.3 (my-data 112 ms / healthz 15 ms)

The target is a p95 of at most 150 ms for every page. With --think 0 the users keep the
node saturated: a request's latency is then mostly its wait behind the others' (on
average, users / requests a second), /healthz's included, so read the pages' CPU
milliseconds instead. Before the run the database is vacuumed and analysed, as a live
node's tables are, so that autovacuum does not work through the setup's rows beside it.
The bench exits non-zero when any request failed. The scratch database is dropped unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from citizens import Signer, citizen_accounts_create, unemployed_status_answers
from loopback_http import Pool, drive, percentile
from node import Processes, cpu_since, cpu_snapshot, platform_setup, scratch_node

TARGET_MS = 150.0
TIMEOUT = 30.0  # seconds a page may take before it counts as unanswered
HEALTHZ = "healthz"
HEALTHZ_EVERY = 4  # pages between two /healthz of a walk
SITUATION = "birth-of-a-child"
REGISTRATION = "birth-registration"
SUBMITTED_SERVICE = "unemployed-status"
DRAFT_SERVICES = ("address-certificate", "no-criminal-record-certificate", "school-enrolment")
SEARCHES = ("birth", "туу", "пособие", "certficate", "балабақша", "pension", "unemployed")
CLAIMED = 10  # queued applications the first officer has taken


@dataclass(frozen=True)
class Visit:
    """One step of a walk: the page's name in the table and the paths it rotates through."""

    page: str
    paths: tuple[str, ...]
    anonymous: bool = False


@dataclass
class User:
    session: str
    language: str
    walk: list[Visit]


@dataclass
class Sample:
    page: str
    status: int  # 0: no answer
    latency: float  # seconds
    path: str = ""
    detail: str = ""  # the start of the body or the error, for answers other than 200


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated users at once")
    parser.add_argument("--seconds", type=float, default=60.0, help="timed run")
    parser.add_argument("--warm-up", type=float, default=10.0, help="seconds before timing")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds a person reads a page before the next (on average; half to one and "
        "a half); 0: a closed loop that keeps the node saturated",
    )
    parser.add_argument("--people", type=int, default=5000, help="generated population")
    parser.add_argument("--officers", type=int, default=2, help="of the users: registrars")
    parser.add_argument(
        "--queued", type=int, default=250, help="applications in the registrars' queue"
    )
    # Pages are CPU in the interpreter: more processes of fewer threads keep a page from
    # waiting for the interpreter lock behind its neighbours' (p95 of the pages 47-260 ms
    # with 8 x 3 against 131-377 ms with 4 x 6, the same run otherwise).
    parser.add_argument("--processes", type=int, default=8, help="qyzmet serve --processes")
    parser.add_argument("--threads", type=int, default=3, help="qyzmet serve --threads")
    parser.add_argument("--database", default="qyzmet_bench_portal", help="scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if not 0 < args.officers < args.users:
        sys.exit("--officers must be at least 1 and fewer than --users")

    settings = {
        "QYZMET_SECURE_COOKIES": "0",  # plain HTTP on loopback
        # docs/operations.md: unsafe requests in flight, half the threads (pages are GETs).
        "QYZMET_ADMISSION_IN_FLIGHT": str(max(1, args.threads // 2)),
    }
    with scratch_node("portal", args.database, keep=args.keep, settings=settings) as node:
        failed = _bench(args, node)
    sys.exit(1 if failed else 0)


def _settle() -> None:
    """VACUUM (ANALYZE) what the setup wrote, as a live node's tables would be: otherwise
    autovacuum works through the new rows during the timed run, beside the server."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def _bench(args: argparse.Namespace, node: Processes) -> bool:
    """Prepare, serve, warm up, measure and report; True when a request failed."""
    started = time.monotonic()
    users = _prepare(args)
    print(
        f"setup: {args.people:,} people, {args.users - args.officers} citizens and "
        f"{args.officers} registrars with sessions, {args.queued} applications queued, in "
        f"{time.monotonic() - started:.1f} s",
        flush=True,
    )
    _settle()
    costs = _costs(users)
    node.serve(args.processes, args.threads)
    print(
        f"node: qyzmet serve {args.processes} processes × {args.threads} threads, no worker, "
        f"{os.cpu_count()} cores; {args.users} users, closed loop, "
        + (f"{args.think:g} s think time" if args.think else "no think time"),
        flush=True,
    )
    warm = drive(node.port, lambda pool: _walks(pool, users, args.warm_up, args.think), args.users)
    load_before = os.getloadavg()
    cpu = cpu_snapshot(node)
    run = drive(node.port, lambda pool: _walks(pool, users, args.seconds, args.think), args.users)
    usage = cpu_since(node, cpu, run.seconds)
    load_after = os.getloadavg()
    failures = [s for s in warm.samples + run.samples if s.status != 200]
    _report(run, failures, len(warm.samples), costs, len(users), args.think)
    print(f"CPU: {usage.line(len(run.samples), 'a request')}")
    print(
        "machine load average (1, 5, 15 min) before "
        + ", ".join(f"{v:.1f}" for v in load_before)
        + "; after "
        + ", ".join(f"{v:.1f}" for v in load_after)
    )
    print(_ratio_line(run))
    return bool(failures)


# --- setup ------------------------------------------------------------------------------


def _prepare(args: argparse.Namespace) -> list[User]:
    import django

    django.setup()
    from qyzmet.registries.generator import population_generate

    platform_setup()
    population_generate(persons=args.people, seed=1)
    citizens = args.users - args.officers
    accounts = citizen_accounts_create(citizens + args.queued)
    signer = Signer()
    queued = _queue_fill(accounts[citizens:], signer)
    officers = _officers(args.officers, queued)
    pages = _catalogue_pages()
    users = [
        User(_session_for(account), account.preferred_language,
             _citizen_walk(index, _citizen_cases(index, account, signer), pages))
        for index, account in enumerate(accounts[:citizens])
    ]  # fmt: skip
    cases = [f"/office/cases/{public_id}/" for public_id in queued]
    for index, officer in enumerate(officers):
        shift = index * len(cases) // len(officers)  # officers look at different cases
        walk = [
            Visit("office-queue", ("/office/",)),
            Visit("office-case", tuple(cases[shift:] + cases[:shift])),
        ]
        users.append(User(_session_for(officer), "ru", walk))
    from django.db import connections

    connections.close_all()
    return users


def _birth_registration_answers(seed: int, *, complete: bool) -> dict[str, str]:
    answers = {"child_given_name": ("Aruzhan", "Alikhan", "Ayaulym", "Nurislam")[seed % 4]}
    if complete:
        answers |= {
            "child_surname": "Bekov",
            "child_birth_date": "2026-01-10",
            "child_sex": "FM"[seed % 2],
            "medical_record_number": f"{100000 + seed:08d}",
            "other_parent_iin": f"{900101300000 + seed:012d}",
        }
    return answers


def _queue_fill(accounts: list[Any], signer: Signer) -> list[str]:
    """Birth registrations signed, submitted and processed up to the registrar's check;
    their ids."""
    from django.db import transaction

    from qyzmet.cases import services

    queued = []
    for start in range(0, len(accounts), 50):
        with transaction.atomic():
            for account in accounts[start : start + 50]:
                situation = services.situation_open(account=account, situation=SITUATION)
                case = situation.cases.get(situation_step=REGISTRATION)
                case = services.case_answers_save(
                    case=case,
                    answers=_birth_registration_answers(account.pk, complete=True),
                    account=account,
                )
                signature = signer.sign(account, case)
                services.case_submit(case_id=case.public_id, signature=signature, account=account)
                queued.append((case.pk, str(case.public_id)))
    # What a worker does with them; the tasks queued meanwhile stay (no worker runs).
    for pk, _public_id in queued:
        services.case_process(case_id=pk)
    return [public_id for _pk, public_id in queued]


def _officers(count: int, queued: list[str]) -> list[Any]:
    import secrets

    from qyzmet.cases import services
    from qyzmet.cases.models import Case
    from qyzmet.identity.models import AccountKind, Agency, OfficerRole
    from qyzmet.identity.services import staff_account_create

    justice = Agency.objects.get(code="justice")
    officers = [
        staff_account_create(
            username=f"registrar.{n}", password=secrets.token_urlsafe(16),
            kind=AccountKind.OFFICER, display_name=f"Registrar {n}", agency=justice,
            roles=(OfficerRole.REGISTRAR,),
        )
        for n in range(1, count + 1)
    ]  # fmt: skip
    for case in Case.objects.filter(public_id__in=queued[:CLAIMED]):
        services.case_claim(case=case, officer=officers[0])
    return officers


@dataclass(frozen=True)
class CitizenCases:
    draft: str  # public id
    submitted: str  # public id, or ""


def _citizen_cases(index: int, account: Any, signer: Signer) -> CitizenCases:
    """Half start the birth of a child (its registration half filled in), half a draft of
    another service; every fourth has also submitted an application."""
    from django.db import transaction

    from qyzmet.cases import services

    with transaction.atomic():
        if index % 2 == 0:
            situation = services.situation_open(account=account, situation=SITUATION)
            draft = services.case_answers_save(
                case=situation.cases.get(situation_step=REGISTRATION),
                answers=_birth_registration_answers(account.pk, complete=False),
                account=account,
            )
        else:
            service = DRAFT_SERVICES[index // 2 % len(DRAFT_SERVICES)]
            draft = services.case_open(account=account, service=service)
        submitted = ""
        if index % 4 == 1:
            case = services.case_open(
                account=account,
                service=SUBMITTED_SERVICE,
                answers=unemployed_status_answers(account.pk),
            )
            signature = signer.sign(account, case)
            services.case_submit(case_id=case.public_id, signature=signature, account=account)
            submitted = str(case.public_id)
    return CitizenCases(str(draft.public_id), submitted)


@dataclass(frozen=True)
class CataloguePages:
    services: tuple[str, ...]
    situations: tuple[str, ...]


def _catalogue_pages() -> CataloguePages:
    from qyzmet.catalog.selectors import (
        service_definition,
        services_current,
        situation_definition,
        situations_current,
    )

    services = sorted(
        d.code for d in map(service_definition, services_current()) if d.opened_by == "applicant"
    )
    situations = sorted(d.code for d in map(situation_definition, situations_current()))
    return CataloguePages(
        tuple(f"/services/{code}/" for code in services),
        tuple(f"/situations/{code}/" for code in situations),
    )


def _citizen_walk(index: int, cases: CitizenCases, pages: CataloguePages) -> list[Visit]:
    def turned(paths: tuple[str, ...]) -> tuple[str, ...]:
        shift = index % len(paths)  # users start at different services and searches
        return paths[shift:] + paths[:shift]

    walk = [
        Visit("home", ("/",), anonymous=True),
        Visit("services", ("/services/",)),
        Visit("search", turned(tuple(f"/services/?q={quote(q)}" for q in SEARCHES))),
        Visit("service", turned(pages.services)),
        Visit("situation", turned(pages.situations)),
        Visit("my-cases", ("/my/cases/",)),
        Visit("case-draft", (f"/my/cases/{cases.draft}/",)),
        Visit("my-data", ("/my-data/",)),
        Visit("my-documents", ("/my/documents/",)),
        Visit("data-tracker", ("/my/data-tracker/",)),
        Visit("my-payments", ("/my/programmes/",)),
    ]
    if cases.submitted:
        walk.insert(7, Visit("case-status", (f"/my/cases/{cases.submitted}/",)))
    return walk


def _session_for(account: Any) -> str:
    """A session of ``account`` as a completed login leaves it; its key (the cookie)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(account.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = account.get_session_auth_hash()
    store.create()
    key: str = store.session_key
    return key


@dataclass(frozen=True)
class Cost:
    """What one request of a page costs, the least the machine's other work changes."""

    queries: int  # SQL statements
    cpu_ms: float  # CPU of the process serving it (the median of COST_SAMPLES requests)


COST_SAMPLES = 5


def _costs(users: list[User]) -> dict[str, Cost]:
    """Each page's cost, requested in this process through the whole middleware stack
    (the first path of each page), in the order of the walks: a measure a shared
    machine's load changes far less than it changes the latencies."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    costs: dict[str, Cost] = {}
    longest_first = sorted(users, key=lambda who: -len(who.walk))  # the one with every page
    for who in [*longest_first, User("", "kk", [Visit(HEALTHZ, ("/healthz",), True)])]:
        for visit in who.walk:
            if visit.page in costs:
                continue
            client = Client(headers={"accept-language": who.language})
            if not visit.anonymous:
                client.cookies[settings.SESSION_COOKIE_NAME] = who.session
            client.get(visit.paths[0])  # once first: caches per process are warm in the run
            with CaptureQueriesContext(connection) as captured:
                answer = client.get(visit.paths[0])
            queries = len(captured)  # now: the next request empties Django's log
            if answer.status_code != 200:
                sys.exit(f"{visit.paths[0]} answered {answer.status_code} before the run")
            cpu = []
            for _ in range(COST_SAMPLES):
                started = time.process_time()
                client.get(visit.paths[0])
                cpu.append(time.process_time() - started)
            costs[visit.page] = Cost(queries, percentile(cpu, 0.5) * 1000)
    connection.close()
    return costs


# --- the load ---------------------------------------------------------------------------


async def _walks(pool: Pool, users: list[User], seconds: float, think: float) -> Run:
    """Every user walks their pages in turn, one request at a time, for ``seconds``,
    waiting ``think`` seconds after each page."""
    from django.conf import settings

    loop = asyncio.get_running_loop()
    run = Run()
    started = loop.time()
    deadline = started + seconds
    cookie_name = settings.SESSION_COOKIE_NAME

    async def fetch(page: str, path: str, headers: dict[str, str]) -> None:
        sent = loop.time()
        try:
            status, _headers, body = await asyncio.wait_for(
                pool.request("GET", path, headers), TIMEOUT
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            run.samples.append(Sample(page, 0, loop.time() - sent, path, repr(error)))
            return
        sample = Sample(page, status, loop.time() - sent, path)
        if status != 200:
            sample.detail = body[:300].decode("utf-8", "replace")
        run.samples.append(sample)

    async def user(index: int, who: User) -> None:
        signed_in = {"Cookie": f"{cookie_name}={who.session}", "Accept-Language": who.language}
        anonymous = {"Accept-Language": who.language}
        rounds = 0
        pauses = random.Random(index)  # think times vary, so that the users do not march
        # People arrive one by one and are somewhere in their walk when the clock starts,
        # not all on the home page at the same instant.
        offset = index % len(who.walk)
        if think:
            await asyncio.sleep(think * pauses.uniform(0, 1))
        while loop.time() < deadline:
            for step, visit in enumerate(who.walk[offset:] + who.walk[:offset]):
                path = visit.paths[rounds % len(visit.paths)]
                await fetch(visit.page, path, anonymous if visit.anonymous else signed_in)
                if (step + index) % HEALTHZ_EVERY == HEALTHZ_EVERY - 1:
                    await fetch(HEALTHZ, "/healthz", {})
                if think:
                    await asyncio.sleep(think * pauses.uniform(0.5, 1.5))
                if loop.time() >= deadline:
                    break
            rounds += 1

    await asyncio.gather(*(user(i, u) for i, u in enumerate(users)))
    run.seconds = loop.time() - started
    return run


# --- the report -------------------------------------------------------------------------


def _by_page(run: Run) -> dict[str, list[Sample]]:
    pages: dict[str, list[Sample]] = defaultdict(list)
    for sample in run.samples:
        pages[sample.page].append(sample)
    return pages


def _ms(samples: list[Sample], share: float) -> float:
    return percentile([s.latency for s in samples], share) * 1000


def _report(
    run: Run,
    failures: list[Sample],
    warm_requests: int,
    costs: dict[str, Cost],
    users: int,
    think: float,
) -> None:
    """The table, its pages in the order of ``costs``."""
    pages = _by_page(run)
    order = [p for p in costs if p in pages] + [p for p in pages if p not in costs]
    print(
        f"{'page':<14} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} "
        f"{'queries':>8} {'cpu ms':>7}"
    )
    for page in order:
        samples = pages[page]
        cost = costs.get(page, Cost(0, 0.0))
        errors = sum(1 for s in samples if s.status != 200)
        mark = "  over the target" if page != HEALTHZ and _ms(samples, 0.95) > TARGET_MS else ""
        print(
            f"{page:<14} {len(samples):>9,} {_ms(samples, 0.5):>8.0f} "
            f"{_ms(samples, 0.95):>8.0f} {errors:>7,} {cost.queries:>8} {cost.cpu_ms:>7.1f}{mark}"
        )
    errors = sum(1 for s in run.samples if s.status != 200)
    print(
        f"{'all':<14} {len(run.samples):>9,} {_ms(run.samples, 0.5):>8.0f} "
        f"{_ms(run.samples, 0.95):>8.0f} {errors:>7,}"
    )
    print(
        f"{len(run.samples):,} requests in {run.seconds:.1f} s: "
        f"{len(run.samples) / run.seconds:,.1f} requests/s served (after {warm_requests:,} "
        f"in the warm-up); target p95 ≤ {TARGET_MS:.0f} ms a page"
    )
    rate = len(run.samples) / run.seconds
    if not think:
        print(
            f"closed loop: {users} users / {rate:,.1f} requests/s = "
            f"{users / rate * 1000:,.0f} ms a request on average, waiting included"
        )
    if failures:
        statuses = Counter(s.status for s in failures)
        print(
            f"FAILED: {len(failures):,} requests (warm-up included) got no 200: "
            + ", ".join(f"{n:,} × {status or 'no answer'}" for status, n in statuses.items())
        )
        for sample in failures[:5]:
            print(f"  {sample.status} {sample.path}: {sample.detail!r}")


def _ratio_line(run: Run) -> str:
    pages = _by_page(run)
    healthz = _ms(pages[HEALTHZ], 0.95)
    slowest, p95 = max(
        ((page, _ms(samples, 0.95)) for page, samples in pages.items() if page != HEALTHZ),
        key=lambda pair: pair[1],
    )
    return (
        f"slowest page p95 / healthz p95 ratio {p95 / healthz:.1f} "
        f"({slowest} {p95:.0f} ms / healthz {healthz:.0f} ms)"
    )


if __name__ == "__main__":
    main()
