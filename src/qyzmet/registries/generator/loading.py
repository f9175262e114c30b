"""Getting generated chunks into the database: each chunk once, in one transaction
together with its audit entry and the run's record that it is done.

On PostgreSQL (outside any open transaction) chunks stream in through binary COPY on
two worker connections while the calling thread draws the next chunks, so PostgreSQL
indexes one chunk while Python draws the next. (More workers do not help: the two
already take turns writing the write-ahead log.) Ids are reserved
in blocks from the tables' own sequences, so rows point at each other without asking
the database. Anywhere else (SQLite, or inside a caller's transaction) chunks load one
after another on the caller's connection, with plain INSERTs off PostgreSQL.

Foreign keys: generated rows only point at rows of their own chunk (checked when ids
are given, see ``chunk._Ids``) or at the regions and districts that exist before any
chunk. When the database role may, the COPY transactions therefore skip PostgreSQL's
per-row foreign key triggers (``session_replication_role = replica``, as pg_restore
does), which would otherwise double the load time; unique constraints and indexes
are untouched. Pass ``per_row_foreign_key_checks=True`` to keep the triggers.
"""

from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection, transaction

from qyzmet.core.audit import audit_record
from qyzmet.registries.generator.chunk import ID_TABLES, ChunkDraft
from qyzmet.registries.generator.columns import Batch
from qyzmet.registries.models import GenerationRun

AUDIT_ACTOR = "system:generator"
AUDIT_ACTION = "registry.generate.chunk"
_RUN_LOCK = 0x71797A6D6574  # "qyzmet": one generator per database at a time
_POLL_SECONDS = 0.2


class GenerationRefused(Exception):
    """The database is not in a state this generation can run in; says why."""


@dataclass(frozen=True)
class LoadedChunk:
    chunk_no: int
    persons: int
    rows: Counter[str] = field(default_factory=Counter)


class ChunkStore(ABC):
    """Where drafted chunks go; reports the ones that are committed."""

    def __init__(self, run: GenerationRun, *, tables: Collection[str] | None = None) -> None:
        self.run_id = run.pk
        self.seed = run.seed
        self.chunks_total = -(-run.persons // run.chunk_size)
        # Loading only some tables is for measuring one stage (bench/population.py).
        self.tables = None if tables is None else frozenset(tables)

    def _batches(self, draft: ChunkDraft) -> list[Batch]:
        batches = draft.batches(_reserve_ids(draft.id_counts()))
        return [b for b in batches if b.rows and (self.tables is None or b.table in self.tables)]

    @abstractmethod
    def submit(self, draft: ChunkDraft) -> None:
        """Hand over a chunk (may block while earlier chunks are loading)."""

    @abstractmethod
    def committed(self) -> list[LoadedChunk]:
        """Chunks committed since the last call; raises if a load failed."""

    @abstractmethod
    def finish(self) -> list[LoadedChunk]:
        """Wait for every submitted chunk; returns those not reported yet."""

    def abort(self) -> None:  # noqa: B027 - only the pipeline has loads in flight
        """Stop: chunks not yet committed are rolled back."""

    def _record(self, chunk_no: int, persons: int, batches: list[Batch]) -> LoadedChunk:
        """Audit the chunk and mark it done, in the transaction that loaded it."""
        rows: Counter[str] = Counter()
        for batch in batches:
            rows[batch.table] += batch.rows
        audit_record(
            actor=AUDIT_ACTOR,
            action=AUDIT_ACTION,
            object_type="generation_run",
            object_id=str(self.run_id),
            data={"seed": self.seed, "chunk": chunk_no, "chunks": self.chunks_total,
                  "persons": persons, "rows": dict(sorted(rows.items()))},
        )  # fmt: skip
        run = GenerationRun.objects.select_for_update().get(pk=self.run_id)
        if chunk_no in run.chunks_done:
            raise GenerationRefused(f"chunk {chunk_no} was loaded by someone else meanwhile")
        run.chunks_done = sorted([*run.chunks_done, chunk_no])
        run.save(update_fields=["chunks_done"])
        return LoadedChunk(chunk_no, persons, rows)


def _raw_connection() -> psycopg.Connection[Any]:
    """The psycopg connection under Django's, for COPY (Django has no COPY API)."""
    raw = connection.connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError("the PostgreSQL pipeline needs psycopg 3")
    return raw


def _copy(batches: list[Batch]) -> None:
    with _raw_connection().cursor() as cursor:
        for batch in batches:
            with cursor.copy(batch.copy_statement()) as copy:
                copy.write(batch.copy_payload())


class InlineStore(ChunkStore):
    """One chunk after another on the caller's connection (any database)."""

    def __init__(self, run: GenerationRun, *, tables: Collection[str] | None = None) -> None:
        super().__init__(run, tables=tables)
        self._done: list[LoadedChunk] = []

    def submit(self, draft: ChunkDraft) -> None:
        with transaction.atomic():
            batches = self._batches(draft)
            if connection.vendor == "postgresql":
                _copy(batches)
            else:
                with connection.cursor() as cursor:
                    for batch in batches:
                        cursor.executemany(batch.insert_statement(), batch.python_rows())
            self._done.append(self._record(draft.spec.chunk_no, draft.spec.persons, batches))

    def committed(self) -> list[LoadedChunk]:
        done, self._done = self._done, []
        return done

    def finish(self) -> list[LoadedChunk]:
        return self.committed()


def _reserve_ids(counts: dict[str, int]) -> dict[str, int]:
    """The first of ``count`` consecutive new ids for each table.

    PostgreSQL: one jump of each table's own sequence (``nextval`` then ``setval`` in one
    statement), so later inserts by anyone continue after the block. Should someone
    else's insert slip in between the two calls, its id falls inside the block and the
    chunk fails on the primary key and rolls back; running again continues. Elsewhere:
    after the highest id, which is safe because the caller holds the database's write
    lock (SQLite) for the whole chunk.
    """
    first: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in ID_TABLES:
            count = counts[table]
            if connection.vendor == "postgresql":
                if count == 0:
                    first[table] = 1
                    continue
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
                    " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [table, table, count],
                )
                first[table] = _single_value(cursor.fetchone()) - count + 1
            else:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our table names
                first[table] = _single_value(cursor.fetchone()) + 1
    return first


def _single_value(row: tuple[Any, ...] | None) -> int:
    if row is None:
        raise RuntimeError("the database returned no row for a one-row query")
    return int(row[0])


@dataclass(frozen=True)
class _Job:
    chunk_no: int
    persons: int
    batches: list[Batch]
    payloads: list[tuple[str, bytes]]


class PostgresPipeline(ChunkStore):
    """Chunks encoded here, COPYed by worker threads, each on its own connection."""

    def __init__(
        self,
        run: GenerationRun,
        *,
        workers: int = 2,
        per_row_foreign_key_checks: bool = False,
        tables: Collection[str] | None = None,
    ) -> None:
        super().__init__(run, tables=tables)
        self._skip_triggers = not per_row_foreign_key_checks and _may_skip_triggers()
        self._jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=workers)
        self._done: queue.Queue[LoadedChunk] = queue.Queue()
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._work, name=f"generator-load-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, draft: ChunkDraft) -> None:
        batches = self._batches(draft)
        payloads = [(batch.copy_statement(), batch.copy_payload()) for batch in batches]
        job = _Job(draft.spec.chunk_no, draft.spec.persons, batches, payloads)
        while True:
            self._raise_failure()
            try:
                self._jobs.put(job, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue

    def committed(self) -> list[LoadedChunk]:
        self._raise_failure()
        done = []
        while True:
            try:
                done.append(self._done.get_nowait())
            except queue.Empty:
                return done

    def finish(self) -> list[LoadedChunk]:
        self._stop_workers()
        return self.committed()

    def abort(self) -> None:
        self._stop.set()
        while True:  # drop chunks no worker has started
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._stop_workers()

    def _stop_workers(self) -> None:
        unsent = len(self._threads)
        while unsent and any(thread.is_alive() for thread in self._threads):
            try:
                self._jobs.put(None, timeout=_POLL_SECONDS)
                unsent -= 1
            except queue.Full:
                continue
        for thread in self._threads:
            thread.join()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _work(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                if self._stop.is_set():
                    continue
                try:
                    self._done.put(self._load(job))
                except _Stopped:
                    continue
                except BaseException as error:  # handed to the main thread, which raises it
                    if self._failure is None:
                        self._failure = error
                    self._stop.set()
        finally:
            connection.close()

    def _load(self, job: _Job) -> LoadedChunk:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Losing the last chunks on a crash is fine: the run is resumable.
                cursor.execute("SET LOCAL synchronous_commit TO off")
                if self._skip_triggers:
                    cursor.execute("SET LOCAL session_replication_role TO replica")
                with _raw_connection().cursor() as copier:
                    for statement, payload in job.payloads:
                        with copier.copy(statement) as copy:
                            copy.write(payload)
                if not self._skip_triggers:
                    # Run the deferred checks now, before the run's row is locked.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if self._stop.is_set():
                raise _Stopped
            return self._record(job.chunk_no, job.persons, job.batches)


class _Stopped(Exception):
    """Raised inside a chunk's transaction to roll it back when the run is stopped."""


def _may_skip_triggers() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        row = cursor.fetchone()
    return bool(row and row[0])


class RunLock:
    """Keeps a second generator off the same PostgreSQL database: a session lock, or
    inside a caller's transaction a lock that ends with that transaction."""

    def __init__(self) -> None:
        self._session = False

    def __enter__(self) -> RunLock:
        if connection.vendor != "postgresql":
            return self
        self._session = not connection.in_atomic_block
        function = "pg_try_advisory_lock" if self._session else "pg_try_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [_RUN_LOCK])
            acquired = cursor.fetchone()
        if not (acquired and acquired[0]):
            self._session = False
            raise GenerationRefused("Another population generator is running on this database.")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._session:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_RUN_LOCK])


def chunk_store(run: GenerationRun, *, per_row_foreign_key_checks: bool = False) -> ChunkStore:
    """The pipeline on PostgreSQL outside a transaction, else the inline store."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return PostgresPipeline(run, per_row_foreign_key_checks=per_row_foreign_key_checks)
    return InlineStore(run)
