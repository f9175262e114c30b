"""Read-only admin over published rules and kept decisions. Rules are published with
``qyzmet rules publish`` (checked, versioned and audited), never edited here.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qyzmet.core.admin import ReadOnlyAdmin
from qyzmet.rules.models import Decision, RuleVersion


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ("rule", "number", "published_at", "published_by")
    list_select_related = ("rule",)
    search_fields = ("rule__code",)
    search_help_text = _("Exact rule code.")
    fields = ("rule", "number", "source", "digest", "published_at", "published_by")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "rule_version", "iin", "on", "eligible", "made_at", "made_by")
    list_select_related = ("rule_version__rule",)
    list_filter = ("eligible", "read_through")
    search_fields = ("iin",)
    search_help_text = _("Exact IIN of the person decided for.")
    # The facts are personal data kept to replay the decision (qyzmet rules replay).
    exclude = ("dossier",)
