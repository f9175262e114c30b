"""Read-only admin over the exchange: who is a member, what is published and granted,
and the log. Changes go through the services (audited, and moving the directory stamp),
so through the command line for now, never through the admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qyzmet.core.admin import ReadOnlyAdmin
from qyzmet.exchange.models import ExchangeRecord, ExchangeSeal, Grant, Member, Service, Subsystem


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("member_class", "code", "name", "agency")
    list_select_related = ("agency",)
    search_fields = ("code",)
    search_help_text = _("Exact member code (BIN).")


@admin.register(Subsystem)
class SubsystemAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "address", "is_mediator", "created_at")
    search_fields = ("identifier",)
    search_help_text = _("Exact subsystem identifier.")


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "title_en", "personal_data", "consent_required", "evidence_mode")
    list_filter = ("personal_data", "consent_required", "evidence_mode")
    search_fields = ("identifier",)
    search_help_text = _("Exact service identifier.")
    exclude = ("openapi",)


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("client", "service", "granted_at", "granted_by", "revoked_at")
    list_select_related = ("client", "service")
    search_fields = ("client__identifier",)
    search_help_text = _("Exact client subsystem identifier.")


@admin.register(ExchangeRecord)
class ExchangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "client", "service", "purpose", "issue", "status", "error")
    list_filter = ("channel", "mode")
    search_fields = ("message_id", "subject_iin")
    search_help_text = _("Exact message id (X-Road-Id) or IIN of the person the data is about.")
    # Bodies are personal data kept as evidence: exported in a bundle, not shown here.
    exclude = ("request_body", "response_body")


@admin.register(ExchangeSeal)
class ExchangeSealAdmin(ReadOnlyAdmin):
    list_display = ("number", "sealed_at", "after_record_id", "last_record_id", "record_count")
    search_fields = ("number",)
    search_help_text = _("Exact seal number.")
    fields = (
        "number",
        "sealed_at",
        "after_record_id",
        "last_record_id",
        "record_count",
        "merkle_root",
        "previous_digest",
        "digest",
    )
