"""Forms of the portal: they parse and check the shape of what people type, nothing more."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qyzmet.identity.national_ids import InvalidNumber, iin_parse


class PasswordLoginForm(forms.Form):
    username = forms.CharField(
        label=_("IIN or login"),
        max_length=64,
        help_text=_("Citizens: your 12-digit IIN. Staff: the login name you were given."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        """A login made only of digits is an IIN: say precisely when it cannot be one."""
        value: str = self.cleaned_data["username"]
        digits = value.replace(" ", "")
        if not (digits.isascii() and digits.isdigit()):
            return value
        try:
            iin_parse(digits)
        except InvalidNumber:
            if len(digits) != 12:
                raise ValidationError(
                    ngettext(
                        "An IIN has exactly 12 digits; you entered %(count)d digit.",
                        "An IIN has exactly 12 digits; you entered %(count)d digits.",
                        len(digits),
                    )
                    % {"count": len(digits)},
                    code="iin-length",
                ) from None
            raise ValidationError(
                _(
                    "This is not a valid IIN: one of the digits is probably mistyped. "
                    "The first six digits are your date of birth (YYMMDD)."
                ),
                code="iin-invalid",
            ) from None
        return digits


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        help_text=_("The 6-digit code your authenticator app shows for qyzmet."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": "8"}
        ),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].replace(" ", "")
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            raise ValidationError(_("The code is 6 digits."), code="code-shape")
        return code
