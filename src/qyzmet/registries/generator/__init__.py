"""A synthetic national population shaped like Kazakhstan's, for demos, tests and load
measurements: people with valid IINs in households at real-looking addresses, their
families, jobs, incomes, pensions and benefits, homes, cars and employers.

Use :func:`population_generate`, or ``qyzmet registry generate --persons N``.
"""

from __future__ import annotations

from qyzmet.registries.generator.loading import GenerationRefused
from qyzmet.registries.generator.run import (
    DEFAULT_CHUNK_SIZE,
    GenerationSummary,
    Progress,
    population_generate,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "GenerationRefused",
    "GenerationSummary",
    "Progress",
    "population_generate",
]
