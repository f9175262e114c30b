"""Read-only admin over the base registries.

Registries change only through their services (which version every record and audit
the change), never through the admin. Every list selects its related rows in the same
query, and searches by the record's identifier only (see ``core.admin.LargeTableAdmin``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qyzmet.core.admin import ReadOnlyAdmin
from qyzmet.registries import models as m
from qyzmet.registries.catalogue import REGISTRIES

_IIN_SEARCH = _("Exact IIN.")


def _major_units(amount: int) -> str:
    """Minor units (tiyn) as major units, without going through floating point."""
    whole, fraction = divmod(amount, 100)
    return f"{whole:,}.{fraction:02d}"


@admin.register(m.AddressUnit)
class AddressUnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "name_kk", "name_ru", "name_en", "parent")
    list_select_related = ("parent",)
    list_filter = ("kind",)
    search_fields = ("code",)
    search_help_text = _("Exact address code.")


@admin.register(m.PopulationRecord)
class PopulationRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "person",
        "surname_lat",
        "given_name_lat",
        "birth_date",
        "sex",
        "citizenship",
        "address",
        "death_date",
    )
    list_select_related = ("person", "address")
    list_filter = ("sex",)
    search_fields = ("person__iin", "surname_lat")
    search_help_text = _("Exact IIN, or exact surname in Latin letters.")


@admin.register(m.FamilyLink)
class FamilyLinkAdmin(ReadOnlyAdmin):
    list_display = ("person", "relation", "relative", "since", "until")
    list_select_related = ("person", "relative")
    list_filter = ("relation",)
    search_fields = ("person__iin", "relative__iin")
    search_help_text = _IIN_SEARCH


@admin.register(m.RealEstateObject)
class RealEstateObjectAdmin(ReadOnlyAdmin):
    list_display = ("cadastral_number", "kind", "area_m2", "address")
    list_select_related = ("address",)
    list_filter = ("kind",)
    search_fields = ("cadastral_number",)
    search_help_text = _("Exact cadastral number.")

    @admin.display(description=_("area, m²"), ordering="area_dm2")
    def area_m2(self, estate: m.RealEstateObject) -> str:
        return f"{estate.area_dm2 / 100:.2f}"


@admin.register(m.RealEstateOwnership)
class RealEstateOwnershipAdmin(ReadOnlyAdmin):
    list_display = ("estate", "owner_person", "owner_organisation", "share", "since", "until")
    list_select_related = ("estate", "owner_person", "owner_organisation")
    search_fields = ("estate__cadastral_number", "owner_person__iin", "owner_organisation__bin")
    search_help_text = _("Exact cadastral number, IIN or BIN.")

    @admin.display(description=_("share"))
    def share(self, ownership: m.RealEstateOwnership) -> str:
        return f"{ownership.share_numerator}/{ownership.share_denominator}"


@admin.register(m.Vehicle)
class VehicleAdmin(ReadOnlyAdmin):
    list_display = (
        "vin",
        "plate",
        "make",
        "model",
        "year",
        "owner_person",
        "owner_organisation",
        "registered_on",
    )
    list_select_related = ("owner_person", "owner_organisation")
    search_fields = ("vin", "owner_person__iin", "owner_organisation__bin")
    search_help_text = _("Exact VIN, IIN or BIN.")


@admin.register(m.LegalEntityRecord)
class LegalEntityRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "organisation",
        "name_en",
        "legal_form",
        "status",
        "registered_on",
        "head",
        "address",
    )
    list_select_related = ("organisation", "head", "address")
    list_filter = ("status",)
    search_fields = ("organisation__bin", "head__iin")
    search_help_text = _("Exact BIN, or the IIN of the head.")


@admin.register(m.Employment)
class EmploymentAdmin(ReadOnlyAdmin):
    list_display = ("person", "employer", "position", "started_on", "ended_on")
    list_select_related = ("person", "employer")
    search_fields = ("person__iin", "employer__bin")
    search_help_text = _("Exact IIN of the employee or BIN of the employer.")


@admin.register(m.Income)
class IncomeAdmin(ReadOnlyAdmin):
    list_display = ("person", "payer", "period", "amount_major", "currency")
    list_select_related = ("person", "payer")
    search_fields = ("person__iin", "payer__bin")
    search_help_text = _("Exact IIN of the earner or BIN of the payer.")

    @admin.display(description=_("amount"))
    def amount_major(self, income: m.Income) -> str:
        return _major_units(income.amount)


@admin.register(m.BenefitAward)
class BenefitAwardAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "monthly_amount_major", "currency", "since", "until")
    list_select_related = ("person",)
    list_filter = ("kind",)
    search_fields = ("person__iin",)
    search_help_text = _IIN_SEARCH

    @admin.display(description=_("monthly amount"))
    def monthly_amount_major(self, award: m.BenefitAward) -> str:
        return _major_units(award.monthly_amount)


class RecordKindFilter(admin.SimpleListFilter):
    """Kinds of record, named as ``versioning.record_label`` names them; taken from the
    catalogue because listing the distinct values would scan the whole table."""

    title = _("registry")
    parameter_name = "registry"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        language = get_language()
        return [
            (
                f"{registry.code}:{model._meta.model_name}",
                f"{registry.name(language)}: {model._meta.verbose_name}",
            )
            for registry in REGISTRIES
            for model in registry.models
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(registry=value) if value else queryset


@admin.register(m.RecordVersion)
class RecordVersionAdmin(ReadOnlyAdmin):
    list_display = ("registry", "record_id", "valid_from", "valid_to", "reason")
    list_filter = (RecordKindFilter,)
    search_fields = ("record_id",)
    search_help_text = _("Exact record id; choose the registry too, to use its index.")


@admin.register(m.GenerationRun)
class GenerationRunAdmin(ReadOnlyAdmin):
    list_display = ("seed", "persons", "chunk_size", "started_at", "finished_at")
    search_fields = ("seed",)
    search_help_text = _("Exact seed.")
