"""Input rules the API routers and the command line share."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from ninja import Schema
from ninja.params.models import Query, QueryModel
from pydantic import ConfigDict, ValidationError
from pydantic_core import InitErrorDetails

# Free text that reaches the database. PostgreSQL refuses NUL in text (a 500 if it got that
# far), and no name or identifier needs a control character.
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"


class StrictIn(Schema):
    """A request body that refuses fields it does not know (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class StrictQueryModel(QueryModel):
    """Query parameters that refuse names the schema does not declare.

    Ninja copies only the declared names into the schema, so its ``extra="forbid"`` never
    sees the rest; a mistyped ``?asof=`` would silently answer for "now".
    """

    @classmethod
    def _map_data_paths(cls, data: dict[str, Any]) -> dict[str, Any]:
        declared = getattr(cls, "__ninja_flatten_map__", None) or {}
        unknown = sorted(set(data) - set(declared))
        if unknown:
            errors = [
                InitErrorDetails(type="extra_forbidden", loc=(name,), input=data[name])
                for name in unknown
            ]
            raise ValidationError.from_exception_data(cls.__name__, errors)
        mapped: dict[str, Any] = super()._map_data_paths(data)
        return mapped


class StrictQuery(Query):  # type: ignore[misc]  # ninja's Param subclasses an untyped FieldInfo
    """``Annotated[SomeQuerySchema, StrictQuery()]``: like ``Query[...]``, refusing extras."""

    _model = StrictQueryModel

    @classmethod
    def _param_source(cls) -> str:
        return "query"


def day_argument(text: str) -> date:
    """A command-line date (``--on 2026-11-21``), refused in words when it is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None
