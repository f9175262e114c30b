"""``registry_generate``: fill the base registries with a synthetic population."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qyzmet.registries.generator import (
    DEFAULT_CHUNK_SIZE,
    GenerationRefused,
    GenerationSummary,
    population_generate,
)
from qyzmet.registries.generator.progress import ProgressBar


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return number


class Command(BaseCommand):
    help = (
        "Generate a synthetic population shaped like Kazakhstan's: people, households, "
        "addresses, families, employers, jobs and incomes, pensions and benefits, real "
        "estate and vehicles. The same seed and size give the same people. A stopped run "
        "continues where it stopped when started again with the same arguments; a finished "
        "one is left as it is. A database holds one population: a different seed or size "
        "is refused while another population is recorded (use an empty database)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=_positive, required=True,
                            help="how many people to generate")  # fmt: skip
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--chunk-size", type=_positive, default=None,
            help=f"people per transaction (default {DEFAULT_CHUNK_SIZE:,}, or the size the "
            "run started with)",
        )  # fmt: skip
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--per-row-foreign-key-checks", action="store_true",
            help="keep PostgreSQL's per-row foreign key triggers during COPY (slower; by "
            "default a superuser's load skips them, as every reference is checked when made)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        bar = None
        if not options["quiet"]:
            bar = ProgressBar(lambda text: self.stderr.write(text, ending=""), self.stderr.flush)
        try:
            summary = population_generate(
                persons=options["persons"],
                seed=options["seed"],
                chunk_size=options["chunk_size"],
                progress=bar,
                per_row_foreign_key_checks=options["per_row_foreign_key_checks"],
            )
        except GenerationRefused as refusal:
            raise CommandError(str(refusal)) from None
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(_report(summary))


def _report(summary: GenerationSummary) -> str:
    if summary.already_complete:
        return (
            f"The population of seed {summary.seed} with {summary.persons:,} persons is "
            "already complete; nothing to do."
        )
    return (
        f"Generated {summary.persons_loaded:,} persons (seed {summary.seed}, "
        f"{summary.chunks_loaded} of {summary.chunks_total} chunks) in {summary.seconds:.1f} s, "
        f"{summary.persons_per_second:,.0f} persons/s; {sum(summary.rows.values()):,} rows."
    )
