"""Read-only admin over state fees: they change only through the services (audited), as
the payer and the provider act."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qyzmet.core.admin import ReadOnlyAdmin
from qyzmet.payments.models import FeePayment


@admin.register(FeePayment)
class FeePaymentAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "purpose", "amount", "currency", "status", "created_at", "paid_at")
    list_filter = ("status",)
    search_fields = ("purpose", "provider_reference", "public_id", "payer__iin")
    search_help_text = _("Exact purpose, provider reference, id or payer's IIN.")
    fields = (
        "public_id", "purpose", "payer", "amount", "currency", "description", "status",
        "provider_reference", "pay_url", "return_url", "created_at", "paid_at",
    )  # fmt: skip
