"""Forms of the document pages: they parse what people send, and check only its shape."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qyzmet.documents.codes import short_code_normalise
from qyzmet.documents.verification import problem_message


class VerifyUploadForm(forms.Form):
    """A signed file to verify, and the signed file itself when the first is a detached signature.

    ``oversized`` names the fields whose upload went over the size limit and was dropped
    while the request was read (see ``views.MemoryUploadHandler``).
    """

    file = forms.FileField(
        label=_("Signed file"),
        required=False,
        allow_empty_file=False,
        help_text=_("A signed PDF, XML or JSON document, or a detached signature (.p7s)."),
        error_messages={"empty": _("The file is empty. Choose the signed document itself.")},
    )
    content = forms.FileField(
        label=_("The signed file, for a detached signature"),
        required=False,
        allow_empty_file=False,
        help_text=_("Only if the first file is a detached signature (.p7s): the file it signs."),
        error_messages={"empty": _("The file is empty. Choose the file the signature is for.")},
    )

    def __init__(self, *args: Any, oversized: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.oversized = frozenset(oversized)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("file", "content"):
            if name in self.oversized:
                self.add_error(name, ValidationError(problem_message("too-large"), "too-large"))
        if not cleaned.get("file") and "file" not in self.errors:
            self.add_error("file", ValidationError(_("Choose a file to verify."), "required"))
        return cleaned


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("The 12 letters and digits printed under the QR code, e.g. 7K3M-9Q2D-XW4P."),
        error_messages={"required": _("Enter the verification code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = short_code_normalise(self.cleaned_data["code"])
        if not code:
            raise ValidationError(
                _("A verification code has 12 letters and digits, such as 7K3M-9Q2D-XW4P."),
                code="code-shape",
            )
        return code


# How long a share link may live; the keys are what the form sends.
LIFETIMES: dict[str, tuple[timedelta, Any]] = {
    "1h": (timedelta(hours=1), _("1 hour")),
    "1d": (timedelta(days=1), _("1 day")),
    "7d": (timedelta(days=7), _("7 days")),
    "30d": (timedelta(days=30), _("30 days")),
}


class ShareForm(forms.Form):
    lifetime = forms.ChoiceField(
        label=_("The link works for"),
        choices=[(key, label) for key, (_lifetime, label) in LIFETIMES.items()],
        initial="1d",
        error_messages={"invalid_choice": _("Choose how long the link should work.")},
    )

    def lifetime_value(self) -> timedelta:
        return LIFETIMES[self.cleaned_data["lifetime"]][0]
