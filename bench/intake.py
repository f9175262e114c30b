"""Surge-proof intake: how many signed applications a second the node accepts over HTTP,
what a surge of five times that gets, and whether every accepted one is processed once.

    .venv/bin/python bench/intake.py [--seconds 60] [--surge-seconds 30] [--workers 1]

Creates a scratch database (``qyzmet_bench_intake``) on the PostgreSQL server that
QYZMET_DATABASE_URL names (default: postgres@127.0.0.1:5432), migrates it, sets up the
platform PKI, the shipped catalogue and the exchange, generates a population, and prepares
one application per citizen for the ``unemployed-status`` service (eligibility decided
from the registries through the exchange, then an officer's interview): a citizen account,
a personal access token (cases:read cases:write), a draft with valid answers, and the
citizen's key-file signature over its submission digest, recorded by the platform.

Then it starts ``qyzmet serve`` (--processes × --threads) and ``qyzmet worker``
(--workers) on a free loopback port and:

1. drives POST /api/v1/cases/{id}/submit (Bearer token, Idempotency-Key) from
   --clients closed-loop callers for --seconds, and prints accepted (202) submissions
   a second with their p50 and p99 latency;
2. offers --surge times that rate in an open loop for --surge-seconds, SIGKILLs a worker
   half-way (while it runs a task) and starts another, and prints what was offered,
   accepted, refused with 429 (and how fast), other 4xx and 5xx; a refused submission is
   offered again later with the same Idempotency-Key;
3. retries samples with the same Idempotency-Key: accepted ones must get the very same
   answer back, refused ones are now accepted; an accepted one under a new key gets 409;
4. waits until the workers have processed everything, then checks in the database that
   every case that got a 202 was accepted for processing exactly once (one "accepted"
   event, one eligibility check) and reached a processed state (waiting for an officer,
   refused or completed).

The last line is the number of submissions processed exactly once divided by the number
accepted, ``exactly-once ratio 1.0`` when all is well; the bench exits non-zero when it
is not 1.0 or any request got a 5xx. The scratch database is dropped unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import signal
import socket
import sys
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field

from citizens import Signer, citizen_accounts_create, unemployed_status_answers
from intake_client import Answer, Run, Submission, closed_loop, open_loop, submit
from loopback_http import Pool, drive, percentile
from node import (
    Processes,
    Usage,
    cpu_seconds,
    cpu_since,
    cpu_snapshot,
    platform_setup,
    scratch_node,
)

SERVICE = "unemployed-status"
SCOPES = ["cases:read", "cases:write"]
SETUP_CHUNK = 100  # applications prepared per transaction
WARM_UP = 64  # submissions before the timing starts (checked, not timed)
SAMPLE = 200  # submissions retried with the same Idempotency-Key, of each kind
PER_ACCEPTED = "a submission accepted, refusals included"  # server CPU per


@dataclass
class Kill:
    """What the SIGKILL of a worker in the middle of the surge hit."""

    worker_id: str = ""
    at: float = 0.0  # seconds into the surge
    running: list[str] = field(default_factory=list)  # ids of the tasks it was running
    cases: list[int] = field(default_factory=list)  # the cases those tasks were processing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="phase 1: closed loop")
    parser.add_argument("--surge-seconds", type=float, default=30.0, help="phase 2: open loop")
    parser.add_argument("--surge", type=float, default=5.0, help="phase 2 rate / phase 1 rate")
    parser.add_argument(
        "--clients", type=int, default=12, help="phase 1 closed-loop callers (the node's in-flight)"
    )
    parser.add_argument("--connections", type=int, default=128, help="phase 2 connection cap")
    parser.add_argument("--processes", type=int, default=4, help="qyzmet serve --processes")
    parser.add_argument(
        "--threads",
        type=int,
        default=6,
        help="qyzmet serve --threads (in-flight + 3 for refusals)",
    )
    parser.add_argument("--workers", type=int, default=1, help="qyzmet worker processes")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=3,
        help="QYZMET_ADMISSION_IN_FLIGHT a process (below --threads: docs/operations.md)",
    )
    parser.add_argument(
        "--admission-rate", type=float, default=0.0, help="QYZMET_ADMISSION_RATE (per process)"
    )
    parser.add_argument(
        "--expected-rate",
        type=float,
        default=200.0,
        help="accepted/s to prepare applications for (both phases, with margin)",
    )
    parser.add_argument("--cases", type=int, help="applications to prepare (default: from rate)")
    parser.add_argument("--setup-processes", type=int, default=2, help="processes preparing")
    parser.add_argument("--drain-timeout", type=float, default=1800.0, help="seconds")
    parser.add_argument("--database", default="qyzmet_bench_intake", help="scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    cases = args.cases or int(args.expected_rate * (args.seconds + args.surge_seconds) * 1.2)
    cases = max(cases, WARM_UP + 2 * SAMPLE + 100)

    settings = {
        "QYZMET_ADMISSION_IN_FLIGHT": str(args.in_flight),
        "QYZMET_ADMISSION_RATE": str(args.admission_rate),
    }
    with scratch_node("intake", args.database, keep=args.keep, settings=settings) as node:
        failed = _bench(args, node, cases)
    sys.exit(1 if failed else 0)


def _bench(args: argparse.Namespace, node: Processes, cases: int) -> bool:
    """Run the phases and checks, printing as it goes; True when something failed."""
    port = node.port
    started = time.monotonic()
    prepared = _prepare(cases, args.setup_processes)
    print(
        f"setup: {len(prepared):,} applications ({SERVICE}) prepared in "
        f"{time.monotonic() - started:.1f} s (accounts, tokens, key-file certificates, drafts, "
        f"signatures; {args.setup_processes} processes)",
        flush=True,
    )
    random.Random(1).shuffle(prepared)
    pending: deque[Submission] = deque(prepared)

    node.serve(args.processes, args.threads)
    for _ in range(args.workers):
        node.worker_start()
    from django.conf import settings

    print(
        f"node: qyzmet serve {args.processes} processes × {args.threads} threads, "
        f"{args.workers} qyzmet worker, {os.cpu_count()} cores; admission: in flight "
        f"{settings.QYZMET_ADMISSION_IN_FLIGHT} a process, rate "
        f"{settings.QYZMET_ADMISSION_RATE or 'unlimited'} a process, "
        f"{settings.QYZMET_ADMISSION_USER_PER_MINUTE} a credential a minute, task backlog "
        f"{settings.QYZMET_ADMISSION_BACKLOG:,}",
        flush=True,
    )
    answers: list[Answer] = []

    warm = drive(port, lambda pool: closed_loop(pool, _take(pending, WARM_UP), 8, 60.0), 8)
    answers += warm.answers

    # Phase 1: the sustainable rate, closed loop.
    cpu = cpu_snapshot(node)
    phase1 = drive(
        port, lambda pool: closed_loop(pool, pending, args.clients, args.seconds), args.clients
    )
    usage = cpu_since(node, cpu, phase1.seconds)
    answers += phase1.answers
    accepted = phase1.of(202)
    rate = len(accepted) / phase1.seconds
    print(
        f"phase 1 (closed loop, {args.clients} callers, {phase1.seconds:.1f} s): "
        f"{rate:,.1f} accepted submissions/s ({len(accepted):,} accepted); latency of "
        f"the accepted p50 {_ms(accepted, 0.5)}, p99 {_ms(accepted, 0.99)}; "
        f"{len(phase1.of(429)):,} refused with 429; {_others(phase1)}",
        flush=True,
    )
    print(f"  CPU in phase 1: {usage.line(len(accepted), PER_ACCEPTED)}", flush=True)
    if phase1.starved:
        print("  (ran out of prepared applications: raise --cases or --expected-rate)")

    # Phase 2: a surge of --surge times that rate, open loop; a worker dies half-way.
    offered = args.surge * rate
    kill = Kill()
    cpu = cpu_snapshot(node)
    surge_started = time.monotonic()

    def kill_worker() -> None:
        _kill_worker(node, kill, surge_started)

    phase2 = drive(
        port,
        lambda pool: open_loop(pool, pending, offered, args.surge_seconds, kill_worker),
        args.connections,
    )
    usage = cpu_since(node, cpu, phase2.seconds)
    answers += phase2.answers
    _surge_report(phase2, offered, args.surge, usage)
    print(
        f"  worker {kill.worker_id} SIGKILLed {kill.at:.1f} s into the surge while running "
        f"{len(kill.running)} task(s) (cases {kill.cases}); a new worker was started",
        flush=True,
    )
    if phase2.starved:
        print(f"  ({phase2.starved:,} offers skipped: no prepared application left)")

    # Same key, same answer.
    samples, sample_failures = _retry_samples(port, phase2, pending)
    answers += samples

    _drain(node, args.drain_timeout)
    failures = sample_failures + _tasks_report(kill)
    server_errors = [a for a in answers if a.status >= 500]
    for answer in server_errors[:10]:
        print(f"  5xx: {answer.status} {answer.submission.case} {answer.body[:300]!r}")
    if server_errors:
        failures.append(f"{len(server_errors)} requests got a 5xx")
    ratio, check_failures = _exactly_once(answers)
    failures += check_failures
    for failure in failures:
        print(f"FAILED: {failure}")
    print(f"exactly-once ratio {ratio}")
    return bool(failures) or ratio != 1.0


# --- setup ------------------------------------------------------------------------------


def _prepare(count: int, processes: int) -> list[Submission]:
    """Set the node up in the scratch database and prepare ``count`` signed drafts."""
    import django

    django.setup()
    from django.db import connections

    from qyzmet.registries.generator.run import population_generate

    platform_setup()
    # About 60% of a generated population are living adults.
    population_generate(persons=int(count / 0.55) + 1000, seed=1)
    accounts = citizen_accounts_create(count)  # they log in with the token only
    ids = [a.pk for a in accounts]
    chunks = [ids[i : i + SETUP_CHUNK] for i in range(0, len(ids), SETUP_CHUNK)]
    connections.close_all()  # no connection may be shared across fork
    prepared: list[Submission] = []
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        for done in pool.imap_unordered(_prepare_chunk, chunks):
            prepared += done
            if len(prepared) % 1000 < SETUP_CHUNK:
                print(f"  prepared {len(prepared):,} of {count:,}", flush=True)
    return prepared


def _prepare_chunk(account_ids: list[int]) -> list[Submission]:
    """In one transaction: for each account a token, a key-file certificate, an opened
    draft, and the applicant's signature over its submission digest."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from qyzmet.cases.services import case_open
    from qyzmet.identity.models import Account
    from qyzmet.identity.services import token_create

    signer = Signer()
    expires = timezone.now() + timedelta(days=1)
    prepared = []
    with transaction.atomic():
        for account in Account.objects.filter(pk__in=account_ids).order_by("pk"):
            token = token_create(account=account, name="bench", scopes=SCOPES, expires_at=expires)
            answers = unemployed_status_answers(account.pk)
            case = case_open(account=account, service=SERVICE, answers=answers)
            prepared.append(
                Submission(
                    case=str(case.public_id),
                    token=token.secret,
                    signature=signer.sign(account, case),
                    key=f"bench-{uuid.uuid4()}",
                )
            )
    return prepared


def _take(pending: deque[Submission], count: int) -> deque[Submission]:
    return deque(pending.popleft() for _ in range(min(count, len(pending))))


def _kill_worker(node: Processes, kill: Kill, surge_started: float) -> None:
    """SIGKILL the first worker while it runs a task, then start another in its place."""
    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    victim = node.workers[0]
    kill.worker_id = f"{socket.gethostname()}-{victim.pid}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait for it to be in the middle of a task
        running = DBTaskResult.objects.running().values_list("worker_ids", flat=True)
        if any(ids and ids[-1] == kill.worker_id for ids in running):
            break
        time.sleep(0.005)
    node.retired_cpu += cpu_seconds(victim.pid)
    os.kill(victim.pid, signal.SIGKILL)
    kill.at = time.monotonic() - surge_started
    victim.wait()
    # What it was running when it died: still marked running, and claimed by it.
    for task_id, worker_ids, args in DBTaskResult.objects.running().values_list(
        "id", "worker_ids", "args_kwargs"
    ):
        if worker_ids and worker_ids[-1] == kill.worker_id:
            kill.running.append(str(task_id))
            kill.cases += [a for a in args.get("args", []) if isinstance(a, int)]
    node.workers.remove(victim)
    node.worker_start()
    connections.close_all()


# --- phases -----------------------------------------------------------------------------


def _ms(answers: list[Answer], share: float) -> str:
    return f"{percentile([a.latency for a in answers], share) * 1000:,.0f} ms"


def _others(run: Run) -> str:
    counts = Counter(a.status for a in run.answers if a.status not in (202, 429))
    if not counts:
        return "no other answers"
    text = ", ".join(f"{n:,} × {status or 'no answer'}" for status, n in sorted(counts.items()))
    first = next(a for a in run.answers if a.status not in (202, 429))
    return f"other answers: {text} (first: {first.body[:200]!r} {first.error})"


def _surge_report(run: Run, offered: float, surge: float, usage: Usage) -> None:
    accepted, refused = run.of(202), run.of(429)
    four = [a for a in run.answers if 400 <= a.status < 500 and a.status != 429]
    five = [a for a in run.answers if a.status >= 500]
    unanswered = run.of(0)
    again = Counter(a.submission.case for a in run.answers)
    accepted_later = sum(1 for a in accepted if again[a.submission.case] > 1)
    print(
        f"phase 2 (open loop, {surge:g}× = {offered:,.1f} offered/s, {run.seconds:.1f} s): "
        f"offered {len(run.answers):,}, accepted {len(accepted):,} "
        f"({len(accepted) / run.seconds:,.1f}/s; p50 {_ms(accepted, 0.5)}, "
        f"p99 {_ms(accepted, 0.99)}), refused with 429 {len(refused):,} "
        f"(p50 {_ms(refused, 0.5)}, p99 {_ms(refused, 0.99)}), other 4xx {len(four):,}, "
        f"5xx {len(five):,}, unanswered {len(unanswered):,}",
        flush=True,
    )
    reasons = Counter(a.retry_after for a in refused)
    print(
        f"  {accepted_later:,} of the accepted had been refused before and were accepted "
        f"when offered again with the same Idempotency-Key; Retry-After of the 429s: "
        + ", ".join(f"{n:,} × {s:g} s" for s, n in sorted(reasons.items())),
        flush=True,
    )
    print(f"  CPU in phase 2: {usage.line(len(accepted), PER_ACCEPTED)}", flush=True)
    if four or unanswered:
        print(f"  {_others(run)}")


def _retry_samples(
    port: int, surge: Run, pending: deque[Submission]
) -> tuple[list[Answer], list[str]]:
    """Same key, same answer: replay accepted submissions and submissions that were only
    refused; submit accepted ones under a new key (409: already submitted)."""
    chooser = random.Random(2)
    accepted = {a.submission.case: a for a in surge.of(202)}
    answered = {a.submission.case for a in surge.answers if a.status != 429}
    was_refused = {a.submission.case for a in surge.of(429)}
    refused = [s for s in pending if s.case in was_refused and s.case not in answered]
    replay = chooser.sample(
        sorted(accepted.values(), key=lambda a: a.at), min(SAMPLE, len(accepted))
    )
    retry = chooser.sample(refused, min(SAMPLE, len(refused)))
    for submission in retry:
        pending.remove(submission)
    failures: list[str] = []

    async def run(pool: Pool) -> tuple[list[Answer], list[Answer], list[Answer], list[Answer]]:
        loop = asyncio.get_running_loop()
        replays = [await submit(pool, a.submission, loop.time()) for a in replay]
        retried = [await submit(pool, s, loop.time()) for s in retry]
        again = [await submit(pool, s, loop.time()) for s in retry]
        other_key = [
            await submit(pool, Submission(a.submission.case, a.submission.token,
                                          a.submission.signature, f"bench-{uuid.uuid4()}"),
                         loop.time())
            for a in replay[:50]
        ]  # fmt: skip
        return replays, retried, again, other_key

    async def main() -> tuple[list[Answer], list[Answer], list[Answer], list[Answer]]:
        pool = Pool("127.0.0.1", port, 1)
        try:
            return await run(pool)
        finally:
            pool.close()

    replays, retried, again, other_key = asyncio.run(main())
    same = sum(
        1
        for first, second in zip(replay, replays, strict=True)
        if second.status == 202 and second.replayed and second.digest == first.digest
    )
    now_accepted = sum(1 for a in retried if a.status == 202 and not a.replayed)
    same_again = sum(
        1
        for first, second in zip(retried, again, strict=True)
        if first.status == 202 and second.status == 202 and second.replayed
        and second.digest == first.digest
    )  # fmt: skip
    conflicts = sum(1 for a in other_key if a.status == 409)
    print(
        f"same Idempotency-Key again: {same}/{len(replays)} accepted submissions got the very "
        f"same answer back (202, Idempotent-Replayed, same body); {now_accepted}/{len(retried)} "
        f"refused ones were accepted now and {same_again}/{len(again)} of those gave the same "
        f"answer once more; {conflicts}/{len(other_key)} accepted ones resubmitted under a new "
        f"key got 409",
        flush=True,
    )
    if same != len(replays):
        failures.append("a replay with the same Idempotency-Key got a different answer")
    if same_again != len(again) or now_accepted != len(retried):
        failures.append("a retried refusal was not accepted, or not replayed the same")
    if conflicts != len(other_key):
        failures.append("an accepted submission under a new key was not refused with 409")
    # The replays are of accepted cases (they count once); the retried ones are new.
    return [*retried, *again, *other_key], failures


# --- drain and checks -------------------------------------------------------------------


def _drain(node: Processes, timeout: float) -> None:
    """Wait until no case waits to be processed and no task is queued; show progress."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from qyzmet.cases.models import Case, CaseStatus

    started = last = time.monotonic()
    done_at_start = done_before = DBTaskResult.objects.finished().count()
    cpu = node.worker_cpu()
    while True:
        waiting = Case.objects.filter(status=CaseStatus.SUBMITTED).count()
        queued = DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count()
        done = DBTaskResult.objects.finished().count()
        now = time.monotonic()
        if waiting == 0 and queued == 0:
            seconds, ran = now - started, done - done_at_start
            used = node.worker_cpu() - cpu
            print(
                f"drain: done in {seconds:.1f} s, {ran:,} tasks ({ran / seconds:,.1f}/s); the "
                f"workers used {used / seconds:.2f} cores, {used / max(ran, 1) * 1000:.1f} ms "
                f"CPU a task",
                flush=True,
            )
            connection.close()
            return
        if now - started > timeout:
            print(f"drain: gave up after {timeout:.0f} s: {waiting:,} cases not processed")
            connection.close()
            return
        if now - last >= 10 or last == started:
            rate = f" ({(done - done_before) / (now - last):,.0f} tasks/s)" if now > last else ""
            print(
                f"drain: {waiting:,} cases submitted and not yet processed, {queued:,} tasks "
                f"queued or running{rate}",
                flush=True,
            )
            last, done_before = now, done
        time.sleep(1)


def _tasks_report(kill: Kill) -> list[str]:
    from django_tasks_db.models import DBTaskResult

    failures = []
    by_status = Counter(
        (path.rsplit(".", 1)[-1], status)
        for path, status in DBTaskResult.objects.values_list("task_path", "status")
    )
    print("tasks: " + ", ".join(f"{n:,} {name} {status}" for (name, status), n in
                                sorted(by_status.items())))  # fmt: skip
    rerun = DBTaskResult.objects.filter(id__in=kill.running)
    for task in rerun:
        print(
            f"  task {task.id} ({task.task_path.rsplit('.', 1)[-1]} {task.args_kwargs['args']}), "
            f"running when its worker was killed: {task.status}, run by {task.worker_ids}"
        )
        if task.status != "SUCCESSFUL" or len(task.worker_ids) < 2:
            failures.append(f"task {task.id} was not run again after its worker was killed")
    failed = sum(n for (_name, status), n in by_status.items() if status == "FAILED")
    if failed:
        failures.append(f"{failed} tasks failed")
    return failures


def _exactly_once(answers: list[Answer]) -> tuple[float, list[str]]:
    """Processed exactly once / accepted, over every case that got a 202."""
    from django.db.models import Count, Q

    from qyzmet.cases.models import Case, CaseStatus

    accepted = {a.submission.case for a in answers if a.status == 202}
    unanswered = {a.submission.case for a in answers if a.status == 0} - accepted
    ok = 0
    states: Counter[str] = Counter()
    events: Counter[tuple[int, int]] = Counter()
    ids = sorted(accepted)
    for start in range(0, len(ids), 5000):
        rows = (
            Case.objects.filter(public_id__in=ids[start : start + 5000])
            .annotate(
                accepted_events=Count("events", filter=Q(events__kind="accepted")),
                # The eligibility step ends in an "eligibility" event or a refusal.
                decided_events=Count("events", filter=Q(events__step="eligibility")),
            )
            .values_list("status", "queue_agency_id", "accepted_events", "decided_events")
        )
        for status, queue, accepted_events, decided_events in rows:
            waiting = status == CaseStatus.IN_PROGRESS and queue is not None
            processed = waiting or status in (CaseStatus.REFUSED, CaseStatus.COMPLETED)
            states["waiting for an officer" if waiting else status] += 1
            events[(accepted_events, decided_events)] += 1
            ok += processed and accepted_events == 1 and decided_events == 1
    print(
        f"accepted {len(accepted):,} submissions (warm-up, both phases, retries): "
        + ", ".join(f"{n:,} {s}" for s, n in states.most_common())
        + "; (accepted events, eligibility decisions) per case: "
        + ", ".join(f"{k}: {n:,}" for k, n in sorted(events.items()))
    )
    submitted = {
        str(public_id)
        for public_id in Case.objects.filter(submitted_at__isnull=False).values_list(
            "public_id", flat=True
        )
    }
    failures = []
    unseen = submitted - accepted
    if unseen - unanswered:
        failures.append(f"{len(unseen - unanswered)} cases submitted whose request was refused")
    if unseen:
        print(f"  {len(unseen):,} cases were submitted by a request whose answer never came")
    if accepted - submitted:
        failures.append(f"{len(accepted - submitted)} cases got a 202 but are not submitted")
    return (ok / len(accepted) if accepted else 0.0), failures


if __name__ == "__main__":
    main()
