"""What "My data" shows: a person's registry records, worded and formatted for one language.

The registries hand over model rows (:func:`qyzmet.registries.selectors.dossier_of`);
this module turns them into plain strings so the template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from qyzmet.core import formatting
from qyzmet.core.formatting import Fact
from qyzmet.identity.models import Organisation, Person
from qyzmet.registries import models as m
from qyzmet.registries.selectors import (
    Dossier,
    address_line,
    organisation_name,
    person_name,
    population_record_of,
)

RECENT_MONTHS = 12


@dataclass(frozen=True)
class Card:
    """One record in a list: a heading and its facts."""

    title: str
    facts: list[Fact]


@dataclass(frozen=True)
class IncomeRow:
    month: str
    payer: str
    amount: str


@dataclass(frozen=True)
class DossierPage:
    name: str
    facts: list[Fact]
    family: list[Card]
    estates: list[Card]
    vehicles: list[Card]
    employments: list[Card]
    incomes: list[IncomeRow]
    benefits: list[Card]
    recent_months: int = RECENT_MONTHS


def dossier_page(dossier: Dossier, language: str) -> DossierPage:
    """Everything in ``dossier`` as the holder reads it in ``language``."""
    with translation.override(language):
        names = _OrganisationNames(language)
        population = dossier.population
        return DossierPage(
            name=person_name(population, language) if population else dossier.person.iin,
            facts=_population_facts(dossier.person, population, language),
            family=[_family_card(dossier.person, link, language) for link in dossier.family],
            estates=[_estate_card(ownership, language) for ownership in dossier.estates],
            vehicles=[_vehicle_card(vehicle, language) for vehicle in dossier.vehicles],
            employments=[_employment_card(job, language, names) for job in dossier.employments],
            incomes=_recent_incomes(dossier.incomes, language, names),
            benefits=[_benefit_card(benefit, language) for benefit in dossier.benefits],
        )


class _OrganisationNames:
    """Organisation names looked up once each, whichever record mentions them."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._names: dict[int, str] = {}

    def __call__(self, organisation: Organisation) -> str:
        if organisation.pk not in self._names:
            self._names[organisation.pk] = organisation_name(organisation, self.language)
        return self._names[organisation.pk]


def _citizenship(code: str) -> str:
    return gettext("Kazakhstan") if code == "KAZ" else code


def _population_facts(
    person: Person, record: m.PopulationRecord | None, language: str
) -> list[Fact]:
    facts = [Fact(gettext("IIN"), person.iin)]
    if record is None:
        return facts
    facts += [
        Fact(gettext("Date of birth"), formatting.long_date(record.birth_date, language)),
        Fact(gettext("Sex"), capfirst(record.get_sex_display())),
        Fact(gettext("Citizenship"), _citizenship(record.citizenship)),
        Fact(
            gettext("Registered address"),
            address_line(record.address, language) or gettext("not registered"),
        ),
    ]
    if record.registered_since:
        since = formatting.long_date(record.registered_since, language)
        facts.append(Fact(gettext("Registered since"), since))
    return facts


def _period(since: date, until: date | None, language: str) -> list[Fact]:
    facts = [Fact(gettext("Since"), formatting.long_date(since, language))]
    if until:
        facts.append(Fact(gettext("Until"), formatting.long_date(until, language)))
    return facts


def _relation(link: m.FamilyLink, holder: Person, sex: str | None) -> str:
    """How the other person in ``link`` is related to the holder, by their sex if known."""
    female = sex == m.Sex.FEMALE
    male = sex == m.Sex.MALE
    if link.relation == m.FamilyRelation.SPOUSE:
        if female:
            return pgettext("family relation", "wife")
        return pgettext("family relation", "husband") if male else gettext("spouse")
    if link.person_id == holder.pk:  # the other is the holder's parent
        if female:
            return pgettext("family relation", "mother")
        return pgettext("family relation", "father") if male else gettext("parent")
    if female:
        return pgettext("family relation", "daughter")
    return pgettext("family relation", "son") if male else gettext("child")


def _family_card(holder: Person, link: m.FamilyLink, language: str) -> Card:
    other = link.relative if link.person_id == holder.pk else link.person
    try:
        record: m.PopulationRecord | None = population_record_of(other)
    except Http404:
        record = None
    relation = capfirst(_relation(link, holder, record.sex if record else None))
    facts = [Fact(gettext("Relation"), relation)]
    if record is not None:
        birth = formatting.long_date(record.birth_date, language)
        facts.append(Fact(gettext("Date of birth"), birth))
    facts += _period(link.since, link.until, language)
    return Card(title=person_name(record, language) if record else other.iin, facts=facts)


def _share(ownership: m.RealEstateOwnership) -> str:
    if ownership.share_numerator == ownership.share_denominator:
        return gettext("sole owner")
    return f"{ownership.share_numerator}/{ownership.share_denominator}"


def _estate_card(ownership: m.RealEstateOwnership, language: str) -> Card:
    estate = ownership.estate
    return Card(
        title=capfirst(estate.get_kind_display()),
        facts=[
            Fact(gettext("Cadastral number"), estate.cadastral_number),
            Fact(gettext("Address"), address_line(estate.address, language)),
            Fact(gettext("Area"), formatting.area(estate.area_dm2, language)),
            Fact(gettext("Share"), _share(ownership)),
            Fact(gettext("Owned since"), formatting.long_date(ownership.since, language)),
        ],
    )


def _vehicle_card(vehicle: m.Vehicle, language: str) -> Card:
    return Card(
        title=f"{vehicle.make} {vehicle.model}",
        facts=[
            Fact(gettext("Registration plate"), vehicle.plate),
            Fact(gettext("VIN"), vehicle.vin),
            Fact(gettext("Year of manufacture"), str(vehicle.year)),
            Fact(gettext("Registered on"), formatting.long_date(vehicle.registered_on, language)),
        ],
    )


def _employment_card(job: m.Employment, language: str, names: _OrganisationNames) -> Card:
    facts = [
        Fact(gettext("Position"), job.position),
        Fact(gettext("Since"), formatting.long_date(job.started_on, language)),
    ]
    if job.ended_on:
        facts.append(Fact(gettext("Until"), formatting.long_date(job.ended_on, language)))
    else:
        facts.append(Fact(gettext("Until"), gettext("still employed")))
    return Card(title=names(job.employer), facts=facts)


def recent_incomes_since(today: date | None = None) -> date:
    """The first month "My data" lists incomes of: RECENT_MONTHS months up to this one."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 - (RECENT_MONTHS - 1)
    return date(index // 12, index % 12 + 1, 1)


def _recent_incomes(
    incomes: list[m.Income], language: str, names: _OrganisationNames
) -> list[IncomeRow]:
    since = recent_incomes_since()
    return [
        IncomeRow(
            month=formatting.month_year(income.period, language),
            payer=names(income.payer),
            amount=formatting.money(income.amount, income.currency, language),
        )
        for income in incomes
        if income.period >= since
    ]


def _benefit_card(benefit: m.BenefitAward, language: str) -> Card:
    amount = formatting.money(benefit.monthly_amount, benefit.currency, language)
    return Card(
        title=capfirst(benefit.get_kind_display()),
        facts=[
            Fact(gettext("Monthly amount"), amount),
            *_period(benefit.since, benefit.until, language),
        ],
    )
