"""Every periodic job the worker runs can be found: one wrong path would stop them all."""

from __future__ import annotations

import inspect

from django.conf import settings
from django.utils.module_loading import import_string


def test_every_periodic_job_imports_and_takes_no_arguments() -> None:
    for path in settings.QYZMET_PERIODIC_JOBS:
        job = import_string(path)
        required = [
            p for p in inspect.signature(job).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
        ]  # fmt: skip
        assert required == [], path
