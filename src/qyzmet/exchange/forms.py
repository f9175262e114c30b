"""Forms of the citizen's exchange pages: they parse what people send, and check only its
shape; whether the organisation may use a consent is checked by
:func:`qyzmet.exchange.selectors.consent_request_check`."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qyzmet.exchange.selectors import ConsentOffer, consent_last_day_latest, member_name

ISO_DATE = "%Y-%m-%d"


class ConsentForm(forms.Form):
    """Give a consent: to whom, for which services, for what, and until when."""

    party = forms.ChoiceField(
        label=_("Organisation"),
        help_text=_("Who may ask the state registries for your data."),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the organisation."),
            "invalid_choice": _("Choose one of the organisations listed."),
        },
    )
    services = forms.MultipleChoiceField(
        label=_("Data it may get"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one kind of data."),
            "invalid_choice": _("Choose from the kinds of data listed."),
        },
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        help_text=_("The organisation may use your data for this purpose only."),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the purpose."),
            "invalid_choice": _("Choose one of the purposes listed."),
        },
    )
    last_day = forms.DateField(
        label=pgettext_lazy("consent", "Valid until"),
        help_text=_("The last day the consent is valid; you can withdraw it earlier."),
        input_formats=[ISO_DATE],
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the last day the consent is valid."),
            "invalid": _("Enter a date, for example 2026-12-31."),
        },
    )

    def __init__(
        self, *args: Any, offers: list[ConsentOffer], language: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["party"]).choices = [
            (o.party.identifier, f"{member_name(o.party.member, language)} ({o.party.identifier})")
            for o in offers
        ]
        services: dict[str, str] = {}
        purposes: dict[str, str] = {}
        for offer in offers:
            services.update((s.identifier, s.title(language)) for s in offer.services)
            purposes.update((p.code, p.name(language)) for p in offer.purposes)
        cast(forms.MultipleChoiceField, self.fields["services"]).choices = list(services.items())
        cast(forms.ChoiceField, self.fields["purpose"]).choices = list(purposes.items())
        if len(offers) == 1:
            self.initial.setdefault("party", offers[0].party.identifier)
        if len(purposes) == 1:
            self.initial.setdefault("purpose", next(iter(purposes)))
        today = timezone.localdate()
        last_day = self.fields["last_day"]
        last_day.widget.attrs.update(
            {"min": today.isoformat(), "max": consent_last_day_latest(today).isoformat()}
        )

    def last_day_value(self) -> date:
        value: date = self.cleaned_data["last_day"]
        return value
