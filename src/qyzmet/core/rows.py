"""Model instances from hand-written SQL, for the few paths every request of a surge takes.

Building a query with the ORM costs this machine 0.5 to 1 ms of Python a statement, ten
times what running it does; on the submission path that was most of a request's CPU
(decisions/0012). There, a statement is written once as SQL and its rows are turned into
the same model instances the ORM would give. Select lists come from the models, so an
instance always matches its model; the conditions are written by hand, and the tests of
those paths are what keeps them right.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def columns(model: type[Model], alias: str, fields: Sequence[str] | None = None) -> str:
    """The select list of ``fields`` (attribute names; all concrete fields if None), in
    the model's order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in _fields(model, fields))


def value(model: type[Model], field: str, python_value: Any) -> Any:
    """``python_value`` as a statement parameter for ``model.field`` (a UUID is hex text on
    SQLite, a datetime is shifted to UTC, and so on), as the ORM would pass it."""
    concrete: Field[Any, Any] = model._meta.get_field(field)  # type: ignore[assignment]  # a column, not a relation
    return concrete.get_db_prep_value(python_value, connection)


def instance(model: type[M], values: Sequence[Any], fields: Sequence[str] | None = None) -> M:
    """A model instance from ``values`` selected by :func:`columns` with the same
    ``fields``, converted as the ORM converts them (JSON parsed, and so on). Fields not
    selected are deferred: reading one queries the database, as with ``.only()``."""
    names, converters = _conversion(model, None if fields is None else tuple(fields))
    converted = list(values)
    for i, column, steps in converters:
        for convert in steps:
            converted[i] = convert(converted[i], column, connection)
    return model.from_db(connection.alias, names, converted)


@cache
def _conversion(
    model: type[Model], fields: tuple[str, ...] | None
) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """The attribute names of ``fields`` and, for each that needs it, the converters the
    ORM's compiler would apply (the backend's, then the field's)."""
    selected = _fields(model, fields)
    converters = []
    for i, field in enumerate(selected):
        column = field.cached_col
        steps = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
        if steps:
            converters.append((i, column, steps))
    return [f.attname for f in selected], converters


def _fields(model: type[Model], names: Sequence[str] | None) -> list[Any]:
    """The fields named, in the model's order (as ``Model.from_db`` takes values)."""
    concrete = model._meta.concrete_fields
    if names is None:
        return list(concrete)
    unknown = set(names) - {field.attname for field in concrete}
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    return [field for field in concrete if field.attname in names]
