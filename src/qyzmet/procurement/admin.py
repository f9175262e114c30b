"""Read-only admin over procurement: tenders and bids change only through the services
(audited). A bid shows what the platform holds of it before opening: its receipt and the
digest of its ciphertext; the prices appear only once the committee has opened it."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qyzmet.core.admin import ReadOnlyAdmin
from qyzmet.procurement.models import Bid, Release, Supplier, Tender, UnreliableSupplier


@admin.register(Tender)
class TenderAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "title", "procedure", "stage", "tender_end", "opened_at")
    list_filter = ("procedure", "stage")
    search_fields = ("public_id",)
    search_help_text = _("The tender's id.")
    fields = (
        "public_id", "buyer", "procedure", "title", "description", "category", "stage",
        "published_at", "enquiry_end", "tender_end", "threshold", "opened_at", "amendments",
    )  # fmt: skip


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    # Who bid in which tender stays secret until opening, from operators too: the list
    # names neither, and a bid's page names them only once it is opened.
    list_display = ("public_id", "status", "received_at", "opened_at")
    list_filter = ("status",)
    search_fields = ("public_id", "sealed_sha256")
    search_help_text = _("The bid's id, or the SHA-256 of its ciphertext.")
    sealed_fields = ("public_id", "status", "received_at", "sealed_sha256", "amendment")

    def get_fields(self, request: HttpRequest, obj: Bid | None = None) -> tuple[str, ...]:
        if obj is None or obj.opened_at is None:
            return self.sealed_fields
        return (*self.sealed_fields, "tender", "supplier", "opened_at", "prices")


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "registered_at")
    search_fields = ("organisation__bin",)
    search_help_text = _("The BIN.")


@admin.register(UnreliableSupplier)
class UnreliableSupplierAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "listed_on", "until", "listed_by")
    search_fields = ("organisation__bin",)
    search_help_text = _("The BIN.")


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("release_id", "ocid", "date")
    search_fields = ("ocid",)
    search_help_text = _("The ocid.")
