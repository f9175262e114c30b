"""Benches that need a generated population share its database: made once (when
--persons asks for it), kept for the next run, and resumed if a generation stopped."""

from __future__ import annotations

import os
import sys
import tempfile

import psycopg


def database_ensure(admin_url: str, name: str, persons: int | None) -> bool:
    """Create the database if it does not exist and --persons asks for a population."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        if persons is None:
            sys.exit(f"there is no database {name}: pass --persons N to create and fill it")
        admin.execute(f'CREATE DATABASE "{name}"')
        return True


def generation_finished(url: str) -> bool:
    with psycopg.connect(url) as conn:
        try:
            row = conn.execute(
                "SELECT 1 FROM registries_generationrun WHERE finished_at IS NOT NULL"
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return False
        return row is not None


def django_setup(url: str, *, home_prefix: str = "qyzmet-bench-") -> None:
    os.environ["QYZMET_DATABASE_URL"] = url
    os.environ.setdefault("QYZMET_HOME", tempfile.mkdtemp(prefix=home_prefix))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qyzmet.settings")
    import django

    django.setup()


def population_generate_here(persons: int, seed: int) -> None:
    from django.core.management import call_command

    from qyzmet.registries.generator import GenerationRefused, population_generate
    from qyzmet.registries.generator.progress import ProgressBar

    call_command("migrate", verbosity=0, interactive=False)
    bar = ProgressBar(sys.stderr.write, sys.stderr.flush)
    try:
        summary = population_generate(persons=persons, seed=seed, progress=bar)
    except GenerationRefused as refusal:
        sys.exit(f"cannot generate the population: {refusal}")
    finally:
        bar.close()
    print(f"generated {summary.persons_loaded:,} persons in {summary.seconds:.0f} s")
