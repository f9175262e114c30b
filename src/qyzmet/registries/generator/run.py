"""``population_generate``: a whole synthetic population, chunk by chunk, resumable.

A run is identified by (seed, persons) and recorded in :class:`GenerationRun`. Its data
is a function of the seed, the number of persons, the chunk size and the month the run
started in (ages and the six months of incomes are counted from the first day of that
month). Each chunk commits together with its entry in ``chunks_done``, so a run that was
stopped continues with the missing chunks when started again with the same arguments,
and a finished run started again does nothing. A database holds one population: a run
with another seed or size is refused while a different one is recorded.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import transaction
from django.utils import timezone

from qyzmet.identity.services import agency_ensure_defaults
from qyzmet.registries.generator.arrays import IntArray, day_number
from qyzmet.registries.generator.chunk import MAX_CHUNK_SIZE, ChunkSpec, chunk_draft
from qyzmet.registries.generator.geography import Geography, geography_ensure
from qyzmet.registries.generator.identifiers import iin_slots_per_chunk
from qyzmet.registries.generator.loading import (
    GenerationRefused,
    LoadedChunk,
    RunLock,
    chunk_store,
)
from qyzmet.registries.models import GenerationRun

DEFAULT_CHUNK_SIZE = 20_000
INCOME_MONTHS = 6
MAX_PERSONS = 2**31 - 1
MAX_SEED = 2**63 - 1
_MIN_IIN_SLOTS = 4  # people of one birth date and sex one chunk can number

Progress = Callable[[int, int], None]
"""Called with (persons loaded so far, persons in the population) after each chunk."""


@dataclass(frozen=True)
class GenerationSummary:
    seed: int
    persons: int
    chunk_size: int
    chunks_total: int
    chunks_loaded: int  # by this call
    persons_loaded: int  # by this call
    already_complete: bool  # the run had finished before this call
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)  # written by this call, per table

    @property
    def persons_per_second(self) -> float:
        return self.persons_loaded / self.seconds if self.seconds > 0 else 0.0


def population_generate(
    *,
    persons: int,
    seed: int = 1,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    per_row_foreign_key_checks: bool = False,
) -> GenerationSummary:
    """Generate (or finish generating) the population of ``persons`` people for ``seed``.

    Guarantees: every chunk is loaded exactly once, with its audit entry; the same
    arguments give the same people; a finished run is left as it is; every reference
    points at an existing row (checked as rows are made; see ``loading.py`` for why a
    superuser's load skips PostgreSQL's per-row foreign key triggers unless
    ``per_row_foreign_key_checks``). ``progress`` is called with (persons loaded,
    persons in all) as chunks commit. Raises
    :class:`GenerationRefused` when the database holds another population, when
    ``chunk_size`` contradicts the one the run started with, or when another generator
    is running. ``chunk_size`` defaults to the run's, or to 20,000 for a new run.
    """
    started = time.monotonic()
    _check_arguments(persons, seed, chunk_size)
    agency_ensure_defaults()
    with RunLock():
        run = _run_get_or_create(persons=persons, seed=seed, chunk_size=chunk_size)
        plan = _RunPlan.of(run)
        if run.finished_at is not None:
            return plan.summary(started, [], already_complete=True)
        loaded = _chunks_load(run, plan, geography_ensure(), progress, per_row_foreign_key_checks)
        GenerationRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    return plan.summary(started, loaded, already_complete=False)


def _check_arguments(persons: int, seed: int, chunk_size: int | None) -> None:
    if not 1 <= persons <= MAX_PERSONS:
        raise GenerationRefused(f"The number of persons must be between 1 and {MAX_PERSONS}.")
    if not 0 <= seed <= MAX_SEED:
        raise GenerationRefused(f"The seed must be between 0 and {MAX_SEED}.")
    if chunk_size is not None and not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise GenerationRefused(f"The chunk size must be between 1 and {MAX_CHUNK_SIZE}.")
    size = chunk_size or DEFAULT_CHUNK_SIZE
    chunks = -(-persons // size)
    if iin_slots_per_chunk(chunks) < _MIN_IIN_SLOTS:
        smallest = -(-persons // (iin_slots_per_chunk(1) // _MIN_IIN_SLOTS))
        raise GenerationRefused(
            f"{chunks} chunks are too many to share the IIN serial numbers; use a chunk size "
            f"of at least {smallest}."
        )


@transaction.atomic
def _run_get_or_create(*, persons: int, seed: int, chunk_size: int | None) -> GenerationRun:
    other = GenerationRun.objects.exclude(seed=seed, persons=persons).first()
    if other is not None:
        raise GenerationRefused(
            f"This database already holds the synthetic population of seed {other.seed} with "
            f"{other.persons} persons; generate into an empty database, or run that one again "
            "to finish it."
        )
    run, created = GenerationRun.objects.get_or_create(
        seed=seed, persons=persons, defaults={"chunk_size": chunk_size or DEFAULT_CHUNK_SIZE}
    )
    if not created and chunk_size is not None and chunk_size != run.chunk_size:
        raise GenerationRefused(
            f"This run was started with chunk size {run.chunk_size}; continue it with that size "
            "(or leave the chunk size out)."
        )
    run.refresh_from_db(fields=["started_at"])  # set by the database
    return run


@dataclass(frozen=True)
class _RunPlan:
    seed: int
    persons: int
    chunk_size: int
    chunks_total: int
    chunks_done: frozenset[int]
    as_of: int
    income_months: IntArray

    @classmethod
    def of(cls, run: GenerationRun) -> _RunPlan:
        as_of = timezone.localtime(run.started_at).date().replace(day=1)
        months = [_months_before(as_of, n) for n in range(INCOME_MONTHS, 0, -1)]
        return cls(
            seed=run.seed,
            persons=run.persons,
            chunk_size=run.chunk_size,
            chunks_total=-(-run.persons // run.chunk_size),
            chunks_done=frozenset(run.chunks_done),
            as_of=day_number(as_of),
            income_months=np.array([day_number(month) for month in months], dtype=np.int64),
        )

    def chunk_persons(self, chunk_no: int) -> int:
        return min(self.chunk_size, self.persons - chunk_no * self.chunk_size)

    def persons_done(self) -> int:
        return sum(self.chunk_persons(chunk_no) for chunk_no in self.chunks_done)

    def spec(self, chunk_no: int) -> ChunkSpec:
        return ChunkSpec(
            seed=self.seed,
            chunk_no=chunk_no,
            chunks_total=self.chunks_total,
            persons=self.chunk_persons(chunk_no),
            as_of=self.as_of,
            income_months=self.income_months,
        )

    def summary(
        self, started: float, loaded: list[LoadedChunk], *, already_complete: bool
    ) -> GenerationSummary:
        rows: Counter[str] = Counter()
        for chunk in loaded:
            rows.update(chunk.rows)
        return GenerationSummary(
            seed=self.seed,
            persons=self.persons,
            chunk_size=self.chunk_size,
            chunks_total=self.chunks_total,
            chunks_loaded=len(loaded),
            persons_loaded=sum(chunk.persons for chunk in loaded),
            already_complete=already_complete,
            seconds=time.monotonic() - started,
            rows=dict(sorted(rows.items())),
        )


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _chunks_load(
    run: GenerationRun,
    plan: _RunPlan,
    geography: Geography,
    progress: Progress | None,
    per_row_foreign_key_checks: bool,
) -> list[LoadedChunk]:
    """Draft the missing chunks here while the store loads earlier ones."""
    store = chunk_store(run, per_row_foreign_key_checks=per_row_foreign_key_checks)
    loaded: list[LoadedChunk] = []
    done = plan.persons_done()

    def report(chunks: list[LoadedChunk]) -> None:
        nonlocal done
        for chunk in chunks:
            loaded.append(chunk)
            done += chunk.persons
            if progress is not None:
                progress(done, plan.persons)

    if progress is not None:
        progress(done, plan.persons)
    try:
        for chunk_no in range(plan.chunks_total):
            if chunk_no not in plan.chunks_done:
                store.submit(chunk_draft(plan.spec(chunk_no), geography))
                report(store.committed())
        report(store.finish())
    except BaseException:
        store.abort()
        raise
    return loaded
