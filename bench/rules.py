"""How fast are the rule evaluators: set-based against hand-written SQL, and per person?

    .venv/bin/python bench/rules.py [--database qyzmet_bench_rules] [--persons N]
        [--sample 2000] [--batch 500] [--repeats 3] [--through-exchange] [--explain] [--profile]

Works on a PostgreSQL database holding a generated population (``qyzmet registry
generate``): by default ``qyzmet_bench_rules`` on the server that QYZMET_DATABASE_URL
names (default: postgres@127.0.0.1:5432). If that database does not exist or holds no
finished generation and --persons is given, the bench creates it, migrates it and
generates N persons into it (a stopped generation resumes), and keeps it for the next
run (unless --drop; it never drops a database it did not create). Otherwise the bench
only reads the database; it runs VACUUM (ANALYZE) on the tables the rule reads first,
so that both queries are planned on fresh statistics and visibility maps.

The rule is the shipped emergency-payment rule (src/qyzmet/rules/defs/
emergency-payment-2020.rule), evaluated on the day the population was generated for
(the first day of the month it was generated in; --on to change it).

- Set-based: ``eligible_population(rule, on=...).count()``, timed against a
  hand-written SQL count of the same rule (NOT EXISTS on incomes and on benefits, a
  birth date bound), both through Django's connection in the same session: each is run
  once to warm up, then they alternate (A B A B ...) --repeats times; the medians are
  compared. The two counts must be equal (--explain: EXPLAIN ANALYZE of both).
- Per person: a random sample of --sample people (random record ids, not a sort of
  the whole table) is decided one by one with ``dossier_read`` + ``evaluate``, reading
  the registries directly (``RegistrySource``) twice: one person at a time, as an
  application is decided, and with the records of --batch people read together (each
  list one query for the batch), as a programme re-decides the people on a list; each
  person is still decided and explained on their own. A second pass over the same
  people shows each rate with their pages cached. With --through-exchange, it also reads
  through the exchange
  (``ExchangeSource`` on ``ExchangeClient.local``). The exchange needs a client system
  with grants: the bench sets up the trust CA, ``exchange_init``, a benefits-office
  client subsystem and its grants to population/person, employment/income-by-period and
  benefits/paid-to, and makes the reads (each logs an exchange record), all in one
  transaction that it rolls back at the end, so the database keeps none of it (only its
  sequences move on). So the commit of each exchange record (a WAL flush per read in
  production) is not counted. Every per-person verdict must agree with membership in
  the set-based result for the sampled people. Besides decisions per second, it prints
  the CPU time a decision took in this process and in its PostgreSQL backend, which a
  busy machine does not change as much (--profile: a cProfile of the path, on stderr).

Exits non-zero if the counts or verdicts disagree. The last line printed is the ratio
of the set-based query's median time to the hand-written one's (target: at most 1.5);
per-person evaluations per second are printed before it (target: at least 500).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from populations import database_ensure, django_setup, generation_finished, population_generate_here
from scratch_databases import drop, with_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qyzmet"
RULE = Path(__file__).parent.parent / "src/qyzmet/rules/defs/emergency-payment-2020.rule"
TABLES = (
    "registries_populationrecord",
    "identity_person",
    "registries_income",
    "registries_benefitaward",
)
PURPOSE = "benefit-assignment"
WARM_PERSONS = 50

# The rule, as an engineer would write it in SQL: %(adult_born_by)s is the day 18 years
# before `on`, %(income_since)s the first day of the month before `on`'s month.
HAND_WRITTEN = """
SELECT count(*)
  FROM registries_populationrecord AS p
 WHERE p.death_date IS NULL
   AND p.birth_date <= %(adult_born_by)s
   AND NOT EXISTS (SELECT 1 FROM registries_income AS i
                    WHERE i.person_id = p.person_id AND i.period >= %(income_since)s)
   AND NOT EXISTS (SELECT 1 FROM registries_benefitaward AS b
                    WHERE b.person_id = p.person_id
                      AND b.kind IN ('old_age_pension', 'disability')
                      AND b.since <= %(on)s AND (b.until IS NULL OR b.until >= %(on)s))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="qyzmet_bench_rules", help="population database")
    parser.add_argument(
        "--persons", type=int, help="generate this many persons if the database has none"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (with --persons)")
    parser.add_argument("--drop", action="store_true", help="drop the database if made here")
    parser.add_argument("--on", type=date.fromisoformat, help="evaluation day (YYYY-MM-DD)")
    parser.add_argument("--sample", type=int, default=2000, help="people decided one by one")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--batch", type=int, default=500,
                        help="people whose records are read together (second pass)")  # fmt: skip
    parser.add_argument("--through-exchange", action="store_true",
                        help="also read the sample through the exchange (rolled back)")  # fmt: skip
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of both")
    parser.add_argument("--profile", action="store_true",
                        help="profile the per-person passes (CPU time), on stderr")  # fmt: skip
    args = parser.parse_args()
    if args.repeats < 3 or min(args.sample, args.batch) < 1 or (args.persons or 1) < 1:
        parser.error("--repeats must be at least 3, --sample, --batch and --persons at least 1")

    server_url = os.environ.get("QYZMET_DATABASE_URL") or DEFAULT_URL
    if urlsplit(server_url).scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/rules.py measures PostgreSQL: set QYZMET_DATABASE_URL to one")
    bench_url = with_database(server_url, args.database)
    admin_url = with_database(server_url, "postgres")
    created = database_ensure(admin_url, args.database, args.persons)
    try:
        django_setup(bench_url)
        if not generation_finished(bench_url):
            if args.persons is None:
                sys.exit(
                    f"{args.database} holds no finished generation: wait for it, or pass "
                    "--persons N to generate one"
                )
            population_generate_here(args.persons, args.seed)
        failures = _bench(args)
    finally:
        if created and args.drop:
            drop(admin_url, args.database)
    if failures:
        sys.exit("; ".join(failures))


def _bench(args: argparse.Namespace) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from qyzmet.registries.models import GenerationRun
    from qyzmet.rules.checker import rule_check
    from qyzmet.rules.population import eligible_population

    run = GenerationRun.objects.filter(finished_at__isnull=False).get()
    generated_for = timezone.localtime(run.started_at).date().replace(day=1)
    on = args.on or generated_for
    rule = rule_check(RULE.read_text())
    print(
        f"{args.database}: {run.persons:,} persons (seed {run.seed}) generated for "
        f"{generated_for}; rule {RULE.stem} on {on}"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"VACUUM (ANALYZE) of {', '.join(TABLES)}: {time.perf_counter() - started:.1f} s")
    print(f"{_server_settings()}; load average {_load()} ({os.cpu_count()} CPUs)")

    # The set-based query and the hand-written one, each run once (warm) and shown.
    eligible = eligible_population(rule, on=on)
    params = {"adult_born_by": _years_before(on, 18), "income_since": _month_before(on), "on": on}

    def set_based() -> int:
        return eligible.count()

    def hand_written() -> int:
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, params)
            row = cursor.fetchone()
        assert row is not None
        return int(row[0])

    with CaptureQueriesContext(connection) as captured:
        counts = [set_based(), hand_written()]
    print("set-based SQL (count):\n  " + captured.captured_queries[0]["sql"])
    print("hand-written SQL:\n  " + " ".join(captured.captured_queries[1]["sql"].split()))
    failures = []
    if counts[0] != counts[1]:
        failures.append(f"the set-based count {counts[0]:,} is not the hand-written {counts[1]:,}")
    if args.explain:
        names = ("set-based", "hand-written")
        for name, executed in zip(names, captured.captured_queries, strict=True):
            _explain(name, executed["sql"])

    timings: dict[str, list[float]] = {"set-based": [], "hand-written": []}
    for _ in range(args.repeats):
        for name, query in (("set-based", set_based), ("hand-written", hand_written)):
            started = time.perf_counter()
            query()
            timings[name].append(time.perf_counter() - started)

    # Per person: a random sample, decided one by one.
    iins = _sample(args.sample + WARM_PERSONS, args.seed)
    warm, iins = iins[:WARM_PERSONS], iins[WARM_PERSONS:]
    people = (warm, iins)
    registries = _per_person(
        rule, on, people, _registry_source, batch=1, again=True, profile=args.profile
    )
    batched = _per_person(
        rule, on, people, _registry_source, batch=args.batch, again=True, profile=args.profile
    )
    lines = [
        registries.line("registries, one person at a time"),
        batched.line(f"registries, read {args.batch} people at a time"),
    ]
    # After the passes, which it would otherwise warm up.
    in_set = set(
        eligible.filter(person__iin__in=iins).values_list("person__iin", flat=True).order_by()
    )
    failures += _disagreements("registries", registries.verdicts, in_set)
    failures += _disagreements("registries in batches", batched.verdicts, in_set)
    if args.through_exchange:
        from django.db import transaction

        with transaction.atomic():
            source = _exchange_source()
            exchange = _per_person(
                rule, on, people, source, batch=1, again=False, profile=args.profile
            )
            transaction.set_rollback(True)
        lines.append(exchange.line("exchange, local client, rolled back"))
        failures += _disagreements("exchange", exchange.verdicts, in_set)
    lines.append(
        f"per-person verdicts {'agree' if not failures else 'DISAGREE'} with the set-based "
        f"result: {len(iins):,} sampled, {len(in_set):,} eligible"
    )

    print(f"load average {_load()}")
    for line in lines:
        print(line)
    print(f"set-based count: {counts[0]:,} eligible of {run.persons:,} persons")
    medians = {name: statistics.median(seconds) for name, seconds in timings.items()}
    for name, seconds in timings.items():
        runs = " ".join(f"{s:.3f}" for s in seconds)
        print(f"{name}: median {medians[name]:.3f} s ({runs})")
    print(f"ratio {medians['set-based'] / medians['hand-written']:.2f}")
    return failures


def _years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _month_before(day: date) -> date:
    """The first day of the month before ``day``'s."""
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def _explain(name: str, sql: str) -> None:
    """EXPLAIN ANALYZE of a query as it was sent (its values in the text)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n  ".join(row[0] for row in cursor.fetchall())
    print(f"EXPLAIN ANALYZE, {name}:\n  {plan}")


def _server_settings() -> str:
    from django.db import connection

    names = ("max_parallel_workers_per_gather", "max_parallel_workers", "work_mem", "jit")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        shown = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name}={cursor.fetchone()[0]}")
    return f"PostgreSQL {version}: {', '.join(shown)}"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _sample(size: int, seed: int) -> list[str]:
    """IINs of ``size`` random people: random record ids between the first and the last."""
    from django.db import connection

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM registries_populationrecord")
        low, high = cursor.fetchone()
        found: dict[int, str] = {}
        while len(found) < size:
            ids = [rng.randint(low, high) for _ in range(size - len(found))]
            cursor.execute(
                "SELECT r.id, p.iin FROM registries_populationrecord AS r"
                " JOIN identity_person AS p ON p.id = r.person_id WHERE r.id = ANY(%s)",
                [ids],
            )
            found.update(cursor.fetchall())
    iins = list(found.values())
    rng.shuffle(iins)
    return iins[:size]


def _registry_source(iins: list[str]) -> Any:
    from qyzmet.rules.sources import RegistrySource

    return RegistrySource(iins)


def _exchange_source() -> Callable[[list[str]], Any]:
    """Set up a client system granted what the rule reads; a source reading as it."""
    from django.conf import settings

    from qyzmet.exchange.client import ExchangeClient
    from qyzmet.exchange.selectors import local_service_identifier
    from qyzmet.exchange.services import exchange_init, grant_give, subsystem_add
    from qyzmet.identity.models import Agency
    from qyzmet.identity.services import agency_ensure_defaults
    from qyzmet.rules.sources import ExchangeSource
    from qyzmet.trust.authority import trust_init

    agency_ensure_defaults()
    trust_init()
    exchange_init(actor="bench")
    labour = Agency.objects.select_related("organisation").get(code="labour")
    client = f"{settings.QYZMET_EXCHANGE_INSTANCE}/GOV/{labour.organisation.bin}/benefits-office"
    subsystem_add(identifier=client, actor="bench")
    for registry, code in (
        ("population", "person"),
        ("employment", "income-by-period"),
        ("benefits", "paid-to"),
    ):
        service = local_service_identifier(registry, code)
        grant_give(client=client, service=service, purposes=[PURPOSE], actor="bench")
    return lambda iins: ExchangeSource(
        ExchangeClient.local(client), purpose=PURPOSE, issue="BENCH-RULES-1"
    )


def _per_person(
    rule: Any,
    on: date,
    people: tuple[list[str], list[str]],
    source: Callable[[list[str]], Any],
    *,
    batch: int,
    again: bool,
    profile: bool,
) -> _Passes:
    """Decide the people of ``people[1]`` one by one (after ``people[0]``, to warm up),
    with a fresh source for every ``batch`` of them (a source made for a batch may read
    it all at once); then again if ``again``; then once more, profiled, if ``profile``.
    """
    from qyzmet.rules.person import dossier_read, evaluate

    warm, iins = people

    def decide_all(people: list[str]) -> dict[str, bool]:
        verdicts = {}
        for start in range(0, len(people), batch):
            chunk = people[start : start + batch]
            read_from = source(chunk)
            for iin in chunk:
                dossier = dossier_read(read_from, iin, rule)
                verdicts[iin] = evaluate(rule, dossier, on=on).eligible
        return verdicts

    decide_all(warm)
    cpu = _Cpu()
    started = time.perf_counter()
    verdicts = decide_all(iins)
    first = time.perf_counter() - started
    used = cpu.used()
    second = None
    if again:
        started = time.perf_counter()
        decide_all(iins)
        second = time.perf_counter() - started
    if profile:
        with _profiled(source(iins[:1]).description):
            decide_all(iins)
    return _Passes(verdicts, first, second, *used)


@dataclass(frozen=True)
class _Passes:
    """Each person's verdict, the seconds to decide them all, the seconds to decide them
    all again (their pages cached now), and the CPU seconds of the first pass spent in
    this process and in its PostgreSQL backend."""

    verdicts: dict[str, bool]
    first: float
    again: float | None
    client_cpu: float
    server_cpu: float | None

    def line(self, name: str) -> str:
        n = len(self.verdicts)
        line = f"per-person ({name}): {n:,} decisions: {n / self.first:,.0f}/s ({self.first:.2f} s"
        line += f"; CPU {self.client_cpu / n * 1000:.2f} ms a decision here"
        if self.server_cpu is not None:
            line += f" + {self.server_cpu / n * 1000:.2f} ms in PostgreSQL"
        line += ")"
        if self.again is not None:
            line += f"; again, pages cached: {n / self.again:,.0f}/s"
        return line


class _Cpu:
    """CPU time used since made, by this process and by its PostgreSQL backend (when
    the server runs on this machine)."""

    def __init__(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.client, self.server = time.process_time(), self._server()

    def _server(self) -> float | None:
        try:
            fields = self.stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def used(self) -> tuple[float, float | None]:
        server = self._server()
        return (
            time.process_time() - self.client,
            None if server is None or self.server is None else server - self.server,
        )


@contextmanager
def _profiled(name: str) -> Iterator[None]:
    profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be busy
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(30)
        print(f"profile of the per-person path ({name}):", report.getvalue(), file=sys.stderr)


def _disagreements(name: str, verdicts: dict[str, bool], in_set: set[str]) -> list[str]:
    wrong = sorted(iin for iin, eligible in verdicts.items() if eligible != (iin in in_set))
    if not wrong:
        return []
    return [f"{len(wrong):,} {name} verdicts disagree with the set-based result: {wrong[:5]}"]


if __name__ == "__main__":
    main()
