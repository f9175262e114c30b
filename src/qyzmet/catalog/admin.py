"""Read-only admin over the published catalogue. Services and life situations are
published with ``qyzmet catalog load`` (checked, versioned and audited), never edited here.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qyzmet.catalog.models import LifeSituationVersion, ServiceVersion
from qyzmet.core.admin import ReadOnlyAdmin


@admin.register(ServiceVersion)
class ServiceVersionAdmin(ReadOnlyAdmin):
    list_display = ("service", "number", "agency", "published_at", "published_by")
    list_select_related = ("service__agency",)
    list_filter = ("service__agency",)
    search_fields = ("service__code",)
    search_help_text = _("Exact service code.")
    fields = (
        "service", "number", "definition", "digest", "rule_version", "source_file",
        "published_at", "published_by",
    )  # fmt: skip

    @admin.display(description=_("agency"))
    def agency(self, version: ServiceVersion) -> str:
        return version.service.agency.code


@admin.register(LifeSituationVersion)
class LifeSituationVersionAdmin(ReadOnlyAdmin):
    list_display = ("situation", "number", "published_at", "published_by")
    list_select_related = ("situation",)
    search_fields = ("situation__code",)
    search_help_text = _("Exact life situation code.")
    fields = ("situation", "number", "definition", "digest", "source_file", "published_at",
              "published_by")  # fmt: skip
