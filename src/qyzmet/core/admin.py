"""Admin for the audit trail, and the admin building blocks every domain's admin uses.

Operators browse tables of millions of rows (people, registry records, audit entries),
so these blocks never count a whole table, search only by exact identifiers (which are
indexed) and never let the admin write what services must write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from qyzmet.core.models import AuditEntry, AuditSeal

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _Paginator = Paginator[Any]
else:  # neither is subscriptable at run time
    _ModelAdmin = admin.ModelAdmin
    _Paginator = Paginator

# Past this many rows a count is only an estimate or a lower bound: nobody pages that far.
COUNT_CAP = 10_000
# How many related rows one identifier may match (identifiers are unique: one, really).
SEARCH_MATCH_LIMIT = 100

admin.site.site_header = _("qyzmet administration")
admin.site.site_title = _("qyzmet administration")
admin.site.index_title = _("Platform data")


def _estimated_rows(rows: QuerySet[Any]) -> int | None:
    """PostgreSQL's own estimate of a table's size (kept fresh by autovacuum)."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [rows.model._meta.db_table],
        )
        found = cursor.fetchone()
    return int(found[0]) if found and found[0] >= 0 else None


class LargeTablePaginator(_Paginator):
    """Pages without ``COUNT(*)`` over millions of rows.

    An unfiltered list of a big table reports the planner's estimate; anything else is
    counted up to ``COUNT_CAP + 1`` rows, which is exact for every list a person reads.
    """

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows)
        if not rows.query.where:
            estimate = _estimated_rows(rows)
            if estimate is not None and estimate > COUNT_CAP:
                return estimate
        return rows[: COUNT_CAP + 1].count()


class LargeTableAdmin(_ModelAdmin):
    """List pages over a table that may hold millions of rows.

    Search matches ``search_fields`` exactly: they are identifiers (IIN, BIN, VIN,
    cadastral number, code) with unique or plain indexes, where ``icontains`` would scan
    the table. A path through a foreign key is resolved to primary keys first, so the
    big table is searched by its indexed foreign key column.
    """

    # Sorting millions of rows by an unindexed column is a full table scan.
    sortable_by = ()

    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    search_help_text = _("Exact match only.")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(pk__in=[])
        for path in self.get_search_fields(request):
            matches |= self._exact_match(path, term)
        return queryset.filter(matches), False

    def _exact_match(self, path: str, term: str) -> Q:
        field = get_fields_from_path(self.model, path)[-1]
        try:
            value = field.to_python(term)
            field.run_validators(value)
        except ValidationError:
            return Q(pk__in=[])  # the term cannot be a value of this field
        head, _, rest = path.partition("__")
        if not rest:
            return Q(**{head: value})
        related = self.model._meta.get_field(head).related_model
        if related is None or isinstance(related, str):
            raise ImproperlyConfigured(f"{path} in search_fields does not follow a relation")
        keys = related._default_manager.filter(**{rest: value}).values_list("pk", flat=True)
        return Q(**{f"{head}__in": list(keys[:SEARCH_MATCH_LIMIT])})


class ReadOnlyAdmin(LargeTableAdmin):
    """Shows rows that only services may write (they validate, version and audit)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor", "action", "object_type", "object_id")
    search_fields = ("object_id", "actor")
    search_help_text = _("Exact object id or actor (for example account:<public id>).")
    fields = ("at", "actor", "action", "object_type", "object_id", "data", "digest")


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ("number", "sealed_at", "after_entry_id", "last_entry_id", "entry_count")
    search_fields = ("number",)
    search_help_text = _("Exact seal number.")
    # The leaves and the signature are binary; the digests identify the seal.
    fields = (
        "number",
        "sealed_at",
        "after_entry_id",
        "last_entry_id",
        "entry_count",
        "merkle_root",
        "previous_digest",
        "digest",
        "key_id",
    )
