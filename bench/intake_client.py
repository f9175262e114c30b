"""The load generator of bench/intake.py: signed submissions over the HTTP/1.1 pool of
loopback_http.py. Two ways to drive:

- closed loop (:func:`closed_loop`): ``clients`` callers, each sending its next submission
  when the last is answered; a 429 puts the submission back at the end of the line and
  the caller waits the Retry-After the server asked for, as a well-behaved client does;
- open loop (:func:`open_loop`): a submission every 1/``rate`` seconds whatever the
  answers, latency counted from the moment it was due (so a slow server cannot hide its
  queue by slowing the client down); a 429 puts the submission back at the end of the
  line, to be offered again later with the same Idempotency-Key.

Every answer is kept (status, latency, body digest) for the bench to count and check.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from loopback_http import Pool

TIMEOUT = 60.0  # seconds a request may take before it counts as unanswered


@dataclass(frozen=True)
class Submission:
    """One prepared draft: whose it is, what signs it, and the key its submission carries."""

    case: str  # the case's public id
    token: str  # its applicant's personal access token
    signature: str  # the id of the applicant's signature over the submission digest
    key: str  # Idempotency-Key: the same for every attempt to submit this case

    @property
    def path(self) -> str:
        return f"/api/v1/cases/{self.case}/submit"

    @property
    def body(self) -> bytes:
        return json.dumps({"signature": self.signature}).encode()


@dataclass
class Answer:
    submission: Submission
    status: int  # 0: no answer (timeout or connection failure)
    at: float  # when the request was due (open loop) or sent (closed loop), monotonic
    latency: float  # seconds from ``at`` to the whole answer
    digest: str = ""  # sha256 of the body
    replayed: bool = False  # the server answered from its idempotency store
    retry_after: float = 0.0
    error: str = ""
    body: bytes = b""  # kept only for 5xx and unexpected answers


@dataclass
class Run:
    """What a drive did: every answer, and the submissions it could not offer."""

    answers: list[Answer] = field(default_factory=list)
    seconds: float = 0.0
    starved: int = 0  # moments a request was due but no submission was left to offer

    def of(self, status: int) -> list[Answer]:
        return [a for a in self.answers if a.status == status]


def headers_for(submission: Submission) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {submission.token}",
        "Idempotency-Key": submission.key,
        "Content-Type": "application/json",
        "Accept-Language": "en",
    }


async def submit(pool: Pool, submission: Submission, at: float) -> Answer:
    """POST the submission; ``at`` is when it was due (the latency counts from there)."""
    loop = asyncio.get_running_loop()
    try:
        status, headers, body = await asyncio.wait_for(
            pool.request("POST", submission.path, headers_for(submission), submission.body),
            TIMEOUT,
        )
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
        return Answer(submission, 0, at, loop.time() - at, error=repr(error))
    answer = Answer(
        submission,
        status,
        at,
        loop.time() - at,
        digest=hashlib.sha256(body).hexdigest(),
        replayed=headers.get("idempotent-replayed") == "true",
        retry_after=float(headers.get("retry-after", "0") or 0),
    )
    if status >= 500 or status not in (202, 429):
        answer.body = body[:2000]
    return answer


async def closed_loop(pool: Pool, pending: deque[Submission], clients: int, seconds: float) -> Run:
    """``clients`` callers submit one after another for ``seconds`` (or until no
    submission is left); a refused one goes back in line, its caller waits Retry-After."""
    loop = asyncio.get_running_loop()
    run = Run()
    started = loop.time()
    deadline = started + seconds

    async def caller() -> None:
        while loop.time() < deadline and pending:
            submission = pending.popleft()
            answer = await submit(pool, submission, loop.time())
            run.answers.append(answer)
            if answer.status == 429:
                pending.append(submission)
                await asyncio.sleep(min(answer.retry_after, max(0.0, deadline - loop.time())))

    await asyncio.gather(*(caller() for _ in range(clients)))
    run.seconds = loop.time() - started
    if pending and loop.time() < deadline:
        run.starved = 1
    return run


async def open_loop(
    pool: Pool,
    pending: deque[Submission],
    rate: float,
    seconds: float,
    at_half: Callable[[], object] | None = None,
) -> Run:
    """Offer a submission every 1/``rate`` seconds for ``seconds``, answered or not. A
    refused one goes back in line. ``at_half`` is run in a thread half-way through."""
    loop = asyncio.get_running_loop()
    run = Run()
    started = loop.time()
    flying: set[asyncio.Task[None]] = set()
    halfway: asyncio.Future[object] | None = None

    async def offer(submission: Submission, due: float) -> None:
        answer = await submit(pool, submission, due)
        run.answers.append(answer)
        if answer.status == 429:
            pending.append(submission)

    count = int(rate * seconds)
    for index in range(count):
        due = started + index / rate
        delay = due - loop.time()
        if delay > 0.0005:
            await asyncio.sleep(delay)
        if at_half is not None and halfway is None and index >= count // 2:
            halfway = asyncio.ensure_future(asyncio.to_thread(at_half))
        if not pending:
            run.starved += 1
            continue
        task = asyncio.create_task(offer(pending.popleft(), due))
        flying.add(task)
        task.add_done_callback(flying.discard)
    offered_until = loop.time()
    if flying:
        await asyncio.wait(set(flying))
    if halfway is not None:
        await halfway
    run.seconds = offered_until - started
    return run
