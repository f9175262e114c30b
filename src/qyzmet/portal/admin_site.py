"""The admin site, logging in through the portal (password and one-time code)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class QyzmetAdminSite(admin.AdminSite):
    site_header = _("qyzmet administration")
    site_title = _("qyzmet administration")

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The admin's own form asks for a password only; operators also owe a one-time code."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(next_url, login_url=reverse("portal:login"))
