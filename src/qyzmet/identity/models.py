from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qyzmet.core.ids import PublicIdField
from qyzmet.core.secretbox import secret_open, secret_seal


class Person(models.Model):
    """A natural person, known by IIN. What the state records about them is in registries."""

    iin = models.CharField(_("IIN"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.iin


class Organisation(models.Model):
    """A legal entity or other registered organisation, known by BIN."""

    bin = models.CharField(_("BIN"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.bin


class Agency(models.Model):
    """A state body: it owns registries, employs officers and provides services."""

    code = models.SlugField(max_length=40, unique=True)
    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name_en


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("citizen")
    OFFICER = "officer", _("agency officer")
    OPERATOR = "operator", _("platform operator")


class AccountManager(BaseUserManager["Account"]):
    def get_by_natural_key(self, username: str | None) -> Account:
        return self.get(username=username)


class Account(AbstractBaseUser, PermissionsMixin):
    """Someone who logs in: a citizen (by IIN), an agency officer or a platform operator."""

    public_id = PublicIdField()
    username = models.CharField(_("login"), max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    display_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    preferred_language = models.CharField(max_length=2, default="kk")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    # The second factor's secret, sealed with the master key outside the database.
    totp_sealed = models.BinaryField(null=True, blank=True, editable=False)
    totp_last_step = models.BigIntegerField(default=0)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["kind"]
    objects = AccountManager()

    @property
    def totp_secret(self) -> str:
        """The base32 TOTP secret ("" when the account has no second factor)."""
        if not self.totp_sealed:
            return ""
        return secret_open(bytes(self.totp_sealed), context=f"totp:{self.public_id}").decode()

    @totp_secret.setter
    def totp_secret(self, secret: str) -> None:
        self.totp_sealed = (
            secret_seal(secret.encode(), context=f"totp:{self.public_id}") if secret else None
        )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="citizen") | models.Q(person__isnull=False),
                name="citizen_account_has_person",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(kind="citizen"),
                name="one_citizen_account_per_person",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def needs_second_factor(self) -> bool:
        return self.kind in {AccountKind.OFFICER, AccountKind.OPERATOR}


class OfficerRole(models.TextChoices):
    CLERK = "clerk", _("clerk")
    REVIEWER = "reviewer", _("reviewer")
    REGISTRAR = "registrar", _("registrar")
    HEAD = "head", _("head of unit")


class Membership(models.Model):
    """An officer's role in an agency."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=OfficerRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "agency", "role"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.account} - {self.role} @ {self.agency.code}"


class AccessToken(models.Model):
    """A personal access token for an integrator: scoped, expiring, revocable, stored hashed."""

    public_id = PublicIdField()
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    lookup = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.lookup})"


class ClientAuthorization(models.Model):
    """A citizen's consent for an OAuth client (a bank app, a bot) to act for them with the
    scopes shown: one row per citizen and client, from the first approval until revoked.
    The tokens themselves are django-oauth-toolkit's; revoking deletes them with this row."""

    public_id = PublicIdField()
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="client_authorizations"
    )
    application = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="authorizations"
    )
    scopes = models.JSONField(default=list)
    granted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("connected app")
        verbose_name_plural = _("connected apps")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "application"], name="one_authorization_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} -> {self.application_id}"
