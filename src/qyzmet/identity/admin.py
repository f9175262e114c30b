"""Admin over accounts, agencies, organisations, persons, access tokens and OAuth clients.

Accounts and tokens are created by services (they hash passwords, make TOTP secrets and
audit the act), so the admin adds none. What an operator may change here (contact
details, an account's active flag or lock, agency names, memberships) is written to the
audit trail in the same transaction. Password hashes, TOTP secrets and token hashes are
never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oauth2_provider.models import Application

from qyzmet.core.admin import LargeTableAdmin, ReadOnlyAdmin
from qyzmet.core.audit import audit_record
from qyzmet.identity.models import AccessToken, Account, Agency, Membership, Organisation, Person
from qyzmet.identity.services import actor_of, token_revoke

_ModelAdmin = admin.ModelAdmin[Any]
_MembershipInline = admin.TabularInline[Membership, Account]


def _acting(request: HttpRequest) -> Account:
    user = request.user
    if not isinstance(user, Account):  # the admin admits only logged-in staff accounts
        raise PermissionDenied
    return user


class _AuditedChanges(_ModelAdmin):
    """Every change saved through this admin is audited with the operator who made it."""

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Any],
        formsets: list[BaseFormSet[Any]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        changed_sets = [formset.prefix for formset in formsets if formset.has_changed()]
        if not form.changed_data and not changed_sets:
            return
        target = form.instance
        audit_record(
            actor=actor_of(_acting(request)),
            action=f"{target._meta.model_name}.admin-change",
            object_type=str(target._meta.model_name),
            object_id=str(getattr(target, "public_id", None) or target.pk),
            data={"fields": sorted(form.changed_data), "inlines": changed_sets},
        )


class MembershipInline(_MembershipInline):
    model = Membership
    fields = ("agency", "role")
    extra = 0


@admin.register(Account)
class AccountAdmin(_AuditedChanges, LargeTableAdmin):
    list_display = ("username", "display_name", "kind", "is_active", "is_staff", "locked_until")
    list_filter = ("kind", "is_active", "is_staff")
    search_fields = ("username",)
    search_help_text = _("Exact login: the IIN of a citizen, the login name of staff.")
    inlines = (MembershipInline,)
    fields = (
        "public_id",
        "username",
        "kind",
        "person",
        "display_name",
        "email",
        "phone",
        "preferred_language",
        "is_active",
        "locked_until",
        "failed_logins",
        "is_staff",
        "is_superuser",
        "last_login",
        "created_at",
    )
    # Who someone is and what they may do follow from the account's kind, set at creation.
    readonly_fields = (
        "public_id",
        "username",
        "kind",
        "person",
        "failed_logins",
        "is_staff",
        "is_superuser",
        "last_login",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail names them


@admin.register(Agency)
class AgencyAdmin(_AuditedChanges, _ModelAdmin):
    list_display = ("code", "name_kk", "name_ru", "name_en", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("code", "organisation__bin")
    fields = ("code", "organisation", "name_kk", "name_ru", "name_en")
    readonly_fields = ("code", "organisation")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("bin",)
    search_fields = ("bin",)
    search_help_text = _("Exact BIN.")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("iin",)
    search_fields = ("iin",)
    search_help_text = _("Exact IIN.")


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "account",
        "lookup",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_select_related = ("account",)
    search_fields = ("lookup", "account__username")
    search_help_text = _("Exact token lookup (the part after qzt_) or account login.")
    fields = ("public_id", *list_display)
    actions = ("revoke",)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Revoke the selected tokens"), permissions=("revoke",))
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        actor = _acting(request)
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(token=token, actor=actor)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )


class OAuthClientForm(ModelForm[Application]):
    """An OAuth client as qyzmet takes them: authorization code with PKCE, ID tokens signed
    RS256, the consent page always shown (identity/oauth.py)."""

    class Meta:
        model = Application
        fields = ("name", "client_type", "redirect_uris", "client_secret")
        help_texts = {
            "redirect_uris": _("Exact https:// addresses, separated by spaces."),
            "client_secret": _(
                "Copy it now and give it to the integrator: it is stored hashed and cannot be "
                "shown again. Public clients (mobile apps) do not use it."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set before validation, which checks the redirect URIs against the grant type.
        self.instance.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        self.instance.algorithm = Application.RS256_ALGORITHM
        self.instance.skip_authorization = False
        self.instance.hash_client_secret = True


class OAuthClientAdmin(_ModelAdmin):
    """Registered by django-oauth-toolkit's admin (APPLICATION_ADMIN_CLASS in settings)."""

    form = OAuthClientForm
    list_display = ("name", "client_id", "client_type", "created")
    search_fields = ("name", "client_id")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:  # the secret is shown once, before it is hashed
            return ("name", "client_type", "redirect_uris", "client_secret")
        return ("name", "client_id", "client_type", "redirect_uris", "created")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else ("client_id", "client_type", "created")

    def save_model(
        self, request: HttpRequest, obj: Application, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=actor_of(_acting(request)),
            action="oauth-client.admin-change" if change else "oauth-client.register",
            object_type="oauth_client",
            object_id=obj.client_id,
            data={"fields": sorted(form.changed_data)} if change else {"name": obj.name},
        )
