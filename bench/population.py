"""How fast is the population generator, against the fastest way to load people at all?

    .venv/bin/python bench/population.py --persons 1000000

Creates a scratch database (``qyzmet_bench``) on the PostgreSQL server that
QYZMET_DATABASE_URL names (default: postgres@127.0.0.1:5432), migrates it, and times
``population_generate`` (every registry: people, addresses, families, employers, jobs,
incomes, benefits, real estate, vehicles). Then it takes the population records the
generator wrote, pre-built in memory as a binary COPY stream, and times a raw COPY of
them into a table created ``LIKE registries_populationrecord INCLUDING ALL`` (same
indexes, no foreign keys) in the same transaction settings.

It also times the person stage alone, in a fresh scratch database: the generator's own
chunks and pipeline, loading only people, their addresses and population records.

The last line printed is the ratio of the full generator's time to the raw COPY's.
The scratch database is dropped at the end (unless --keep); no other is touched.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qyzmet"
POPULATION_COLUMNS = (
    "person_id, surname_kk, given_name_kk, patronymic_kk, surname_ru, given_name_ru, "
    "patronymic_ru, surname_lat, given_name_lat, birth_date, sex, address_id, "
    "registered_since, death_date"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="qyzmet_bench", help="scratch database name")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    server_url = os.environ.get("QYZMET_DATABASE_URL") or DEFAULT_URL
    if urlsplit(server_url).scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/population.py measures PostgreSQL: set QYZMET_DATABASE_URL to one")
    bench_url = _with_database(server_url, args.database)
    admin_url = _with_database(server_url, "postgres")
    _recreate(admin_url, args.database)
    try:
        generator_seconds, rows = _generate(bench_url, args.persons, args.seed)
        copy_seconds = _raw_copy(bench_url)
        _recreate(admin_url, args.database)
        person_seconds = _person_stage(bench_url, args.persons, args.seed)
    finally:
        if not args.keep:
            _drop(admin_url, args.database)
    print(f"generator: {args.persons:,} persons, {rows:,} rows in all registries, "
          f"{generator_seconds:.1f} s")  # fmt: skip
    print(f"generator: {args.persons / generator_seconds:,.0f} persons/s")
    print(f"person stage alone (people, addresses, population records): {person_seconds:.1f} s, "
          f"{args.persons / person_seconds:,.0f} persons/s")  # fmt: skip
    print(f"raw COPY of {args.persons:,} pre-built population rows: {copy_seconds:.1f} s "
          f"({args.persons / copy_seconds:,.0f} rows/s)")  # fmt: skip
    print(f"ratio person stage/raw COPY: {person_seconds / copy_seconds:.2f}")
    print(f"ratio generator/raw COPY: {generator_seconds / copy_seconds:.2f}")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _recreate(admin_url: str, name: str) -> None:
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _drop(admin_url: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _checkpoint(url: str) -> None:
    """Start each measurement with no dirty pages left over from the one before."""
    with (
        psycopg.connect(url, autocommit=True) as conn,
        contextlib.suppress(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("CHECKPOINT")


def _generate(bench_url: str, persons: int, seed: int) -> tuple[float, int]:
    os.environ["QYZMET_DATABASE_URL"] = bench_url
    os.environ.setdefault("QYZMET_HOME", tempfile.mkdtemp(prefix="qyzmet-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qyzmet.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from qyzmet.registries.generator import population_generate

    call_command("migrate", verbosity=0, interactive=False)
    _checkpoint(bench_url)
    started = time.perf_counter()
    summary = population_generate(persons=persons, seed=seed)
    return time.perf_counter() - started, sum(summary.rows.values())


def _person_stage(bench_url: str, persons: int, seed: int) -> float:
    """The generator's chunks and pipeline, loading only the person stage's tables."""
    from django.core.management import call_command

    from qyzmet.identity.services import agency_ensure_defaults
    from qyzmet.registries.generator.chunk import ADDRESS, PERSON, chunk_draft
    from qyzmet.registries.generator.geography import geography_ensure
    from qyzmet.registries.generator.loading import PostgresPipeline
    from qyzmet.registries.generator.run import DEFAULT_CHUNK_SIZE, _RunPlan
    from qyzmet.registries.models import GenerationRun, PopulationRecord

    call_command("migrate", verbosity=0, interactive=False)
    _checkpoint(bench_url)
    started = time.perf_counter()
    agency_ensure_defaults()
    run = GenerationRun.objects.create(seed=seed, persons=persons, chunk_size=DEFAULT_CHUNK_SIZE)
    run.refresh_from_db()
    plan = _RunPlan.of(run)
    geography = geography_ensure()
    tables = {PERSON, ADDRESS, PopulationRecord._meta.db_table}
    store = PostgresPipeline(run, tables=tables)
    for chunk_no in range(plan.chunks_total):
        store.submit(chunk_draft(plan.spec(chunk_no), geography))
        store.committed()
    store.finish()
    return time.perf_counter() - started


def _raw_copy(bench_url: str) -> float:
    with psycopg.connect(bench_url, autocommit=True) as conn:
        rows = bytearray()
        with conn.cursor().copy(
            f"COPY (SELECT {POPULATION_COLUMNS} FROM registries_populationrecord ORDER BY id)"
            " TO STDOUT (FORMAT binary)"
        ) as copy:
            for block in copy:
                rows += block
        conn.execute("DROP TABLE IF EXISTS bench_population")
        conn.execute(
            "CREATE TABLE bench_population (LIKE registries_populationrecord INCLUDING ALL)"
        )
        _checkpoint(bench_url)
        started = time.perf_counter()
        with conn.transaction():
            conn.execute("SET LOCAL synchronous_commit TO off")
            with conn.cursor().copy(
                f"COPY bench_population ({POPULATION_COLUMNS}) FROM STDIN (FORMAT binary)"
            ) as copy:
                copy.write(rows)
        return time.perf_counter() - started


if __name__ == "__main__":
    main()
