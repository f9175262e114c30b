"""Forms of the signing pages: they parse and check the shape of what people send."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The longest description a signing request keeps is 300 characters, and it goes into the
# SMS with the code: a short line is what people read.
DESCRIPTION_MAX = 200
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def description_clean(value: str) -> str:
    """One line of plain text: control characters (newlines too) become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())[:DESCRIPTION_MAX]


class DigestField(forms.CharField):
    """A SHA-256 digest as 64 hexadecimal digits, kept in lower case."""

    default_error_messages = {
        "invalid": _("This is not a SHA-256 digest (64 hexadecimal characters)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=64, min_length=64, **kwargs)

    def clean(self, value: Any) -> str:
        cleaned: str = super().clean(value)
        if not _HEX_DIGEST.fullmatch(cleaned):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return cleaned.lower()


class DescriptionField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        # Longer input is cut, not refused: it often comes from a file name or a link.
        super().__init__(required=False, strip=True, **kwargs)

    def clean(self, value: Any) -> str:
        return description_clean(super().clean(value) or "")


class SignTargetForm(forms.Form):
    """What is to be signed, as another page asks for it: ``?sha256=&description=``."""

    sha256 = DigestField(label=_("SHA-256 digest"))
    description = DescriptionField(label=_("Description"))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File to sign"),
        help_text=_(
            "Any kind of file. Only its SHA-256 fingerprint is computed here; "
            "the file itself is not kept."
        ),
        allow_empty_file=True,
    )


class KeyFileIssueForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("What is the key file for?"),
        help_text=_(
            "One key file does one thing: a key file for logging in cannot sign, "
            "and one for signing cannot log in."
        ),
        choices=[
            ("sign", _("For signing documents")),
            ("auth", _("For logging in")),
        ],
        initial="sign",
        widget=forms.RadioSelect,
        required=False,  # a form sent without it (older pages, programs) gets a signing key
    )
    password = forms.CharField(
        label=_("Password for the key file"),
        help_text=_(
            "At least 8 characters. You type it each time you sign. Nobody can recover it for you."
        ),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("The same password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    algorithm = forms.ChoiceField(
        label=_("Key type"),
        choices=[
            ("ecdsa-p256", _("ECDSA P-256 (recommended: small and fast)")),
            ("rsa-2048", _("RSA-2048 (for older programs)")),
        ],
        initial="ecdsa-p256",
        widget=forms.RadioSelect,
    )

    def clean_purpose(self) -> str:
        return str(self.cleaned_data["purpose"] or "sign")

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        # The file can be attacked offline, so common and all-digit passwords are refused.
        password_validation.validate_password(password)
        return password

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        first, second = cleaned.get("password"), cleaned.get("password_again")
        if first and second is not None and first != second:
            self.add_error("password_again", _("The two passwords are not the same."))
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why do you revoke it?"),
        choices=[
            (
                "key-compromise",
                _("Someone else may have my key file and password, or I lost the key file"),
            ),
            ("cessation-of-operation", _("I no longer need it")),
        ],
        initial="cessation-of-operation",
        widget=forms.RadioSelect,
    )


class SigningCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": "8"}
        ),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].replace(" ", "")
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            raise ValidationError(_("The code is 6 digits."), code="code-shape")
        return code


def _base64_decode(value: str, *, urlsafe: bool) -> bytes:
    value = value.strip()
    padded = value + "=" * (-len(value) % 4)
    try:
        if urlsafe:
            return base64.urlsafe_b64decode(padded.encode("ascii"))
        return base64.b64decode(padded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValidationError(_("The signature could not be read."), code="base64") from None


class KeyFileProofForm(forms.Form):
    """What keyfile-sign.js posts: the signature, the certificate and the algorithm name."""

    signature = forms.CharField(max_length=1024)  # RSA-4096 is 683 base64url characters
    certificate = forms.CharField(max_length=16384)
    algorithm = forms.ChoiceField(choices=[("ES256", "ES256"), ("RS256", "RS256")])

    def clean_signature(self) -> bytes:
        return _base64_decode(self.cleaned_data["signature"], urlsafe=True)

    def clean_certificate(self) -> bytes:
        return _base64_decode(self.cleaned_data["certificate"], urlsafe=False)


class KeyFileSignatureForm(SignTargetForm, KeyFileProofForm):
    """A key-file signature of a digest: what is signed, and the proof keyfile-sign.js posts."""
