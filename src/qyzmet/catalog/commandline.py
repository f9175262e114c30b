"""What the ``qyzmet catalog`` commands share: reading a directory and saying what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import CommandError

from qyzmet.catalog.validation import Catalogue, CatalogueInvalid, catalogue_read
from qyzmet.identity.services import agency_ensure_defaults


def catalogue_checked(directory: Path, say: Callable[[str], object]) -> Catalogue:
    """The checked catalogue in ``directory``; otherwise every problem, one a line, and
    a :class:`CommandError`."""
    if not directory.is_dir():
        raise CommandError(f"{directory} is not a directory")
    agency_ensure_defaults()
    with problems_said(say):
        return catalogue_read(directory)


@contextmanager
def problems_said(say: Callable[[str], object]) -> Iterator[None]:
    """Turns :class:`CatalogueInvalid` into its problems, one a line, and a CommandError."""
    try:
        yield
    except CatalogueInvalid as invalid:
        for problem in invalid.problems:
            say(str(problem))
        problems, files = len(invalid.problems), len({p.file for p in invalid.problems})
        raise CommandError(
            f"{problems} problem{'s' * (problems != 1)} in {files} file{'s' * (files != 1)}; "
            "nothing was published"
        ) from invalid
