"""Reads over the base registries, with the rule of who may see what.

Operators see every registry; an officer sees the registries their agency owns; a
citizen sees only their own records. Anything else is "not found", never "forbidden",
so that a caller cannot learn who exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from qyzmet.identity.models import Organisation, Person
from qyzmet.identity.selectors import Principal
from qyzmet.registries import models as m
from qyzmet.registries.catalogue import BY_CODE, REGISTRIES, RegistryDefinition

READ_SCOPE = "registries:read"


def registries_readable_by(principal: Principal) -> list[RegistryDefinition]:
    """The registries whose every record the principal may read."""
    if not principal.allows(READ_SCOPE):
        return []
    if principal.is_operator:
        return list(REGISTRIES)
    return [r for r in REGISTRIES if r.owner in principal.agency_codes]


def can_read_registry(principal: Principal, code: str) -> bool:
    return BY_CODE[code] in registries_readable_by(principal)


def person_get_for(principal: Principal, *, iin: str, registry: str) -> Person:
    """The person with this IIN if the principal may see their records in ``registry``."""
    person = Person.objects.filter(iin=iin).first()
    if person is None or not principal.allows(READ_SCOPE):
        raise Http404
    if can_read_registry(principal, registry) or person.pk == principal.person_id:
        return person
    raise Http404


def population_record_of(person: Person) -> m.PopulationRecord:
    record = (
        m.PopulationRecord.objects.select_related(f"address__{_ANCESTORS}")
        .filter(person=person)
        .first()
    )
    if record is None:
        raise Http404
    return record


def population_search(
    principal: Principal,
    *,
    surname: str | None = None,
    given_name: str | None = None,
    birth_date: date | None = None,
    limit: int = 50,
) -> list[m.PopulationRecord]:
    """Records matching every given criterion (names in any script, case-insensitive)."""
    records: QuerySet[m.PopulationRecord] = m.PopulationRecord.objects.select_related("person")
    if not can_read_registry(principal, "population"):
        if principal.person_id is None or not principal.allows(READ_SCOPE):
            return []
        records = records.filter(person_id=principal.person_id)
    if surname:
        records = records.filter(
            Q(surname_lat__iexact=surname)
            | Q(surname_ru__iexact=surname)
            | Q(surname_kk__iexact=surname)
        )
    if given_name:
        records = records.filter(
            Q(given_name_lat__iexact=given_name)
            | Q(given_name_ru__iexact=given_name)
            | Q(given_name_kk__iexact=given_name)
        )
    if birth_date:
        records = records.filter(birth_date=birth_date)
    return list(records.order_by("person__iin")[:limit])


# Region, district, settlement, street, building, flat: a flat has five ancestors.
_ANCESTORS = "parent__parent__parent__parent__parent"


def population_record_by_iin(iin: str) -> m.PopulationRecord | None:
    """The population record of this IIN with its address and the address's ancestors."""
    return (
        m.PopulationRecord.objects.select_related(f"address__{_ANCESTORS}")
        .filter(person__iin=iin)
        .first()
    )


def address_path(unit: m.AddressUnit | None) -> list[m.AddressUnit]:
    """From region down to the unit itself, read in one query (none if the unit came
    with its ancestors, as from :func:`population_record_by_iin`)."""
    if unit is not None and not m.AddressUnit.parent.is_cached(unit):
        unit = m.AddressUnit.objects.select_related(_ANCESTORS).get(pk=unit.pk)
    path: list[m.AddressUnit] = []
    seen: set[int] = set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        path.append(unit)
        unit = unit.parent
    return path[::-1]


def address_line(unit: m.AddressUnit | None, language: str) -> str:
    field = {"kk": "name_kk", "ru": "name_ru"}.get(language, "name_en")
    return ", ".join(getattr(part, field) for part in address_path(unit))


def address_get(principal: Principal, code: int) -> m.AddressUnit:
    if not can_read_registry(principal, "addresses"):
        raise Http404
    unit = m.AddressUnit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def family_links_of(person: Person) -> list[m.FamilyLink]:
    """Links where the person is the child/spouse, and where they are the parent/spouse."""
    return list(
        m.FamilyLink.objects.select_related(
            "person", "relative", "person__population", "relative__population"
        )
        .filter(Q(person=person) | Q(relative=person))
        .order_by("since", "pk")
    )


def estates_owned_by(person: Person) -> list[m.RealEstateOwnership]:
    return list(
        # With the address's ancestors: address_line reads no more for each estate.
        m.RealEstateOwnership.objects.select_related(f"estate__address__{_ANCESTORS}")
        .filter(owner_person=person, until__isnull=True)
        .order_by("since", "pk")
    )


def vehicles_owned_by(person: Person) -> list[m.Vehicle]:
    return list(m.Vehicle.objects.filter(owner_person=person).order_by("registered_on", "pk"))


def employments_of(person: Person) -> list[m.Employment]:
    return list(
        m.Employment.objects.select_related("employer", "employer__legal_entity")
        .filter(person=person)
        .order_by("-started_on", "pk")
    )


def incomes_of(person: Person, *, since: date | None = None) -> list[m.Income]:
    incomes = m.Income.objects.select_related("payer", "payer__legal_entity").filter(person=person)
    if since:
        incomes = incomes.filter(period__gte=since)
    return list(incomes.order_by("-period", "pk"))


def benefits_of(person: Person) -> list[m.BenefitAward]:
    return list(m.BenefitAward.objects.filter(person=person).order_by("since", "pk"))


def legal_entity_of(bin_: str) -> m.LegalEntityRecord | None:
    """The registry's record of an organisation, for a platform service acting on its own
    (procurement's supplier registration); people and systems read through
    :func:`legal_entity_get`."""
    return (
        m.LegalEntityRecord.objects.select_related("organisation")
        .filter(organisation__bin=bin_)
        .first()
    )


def legal_entity_get(principal: Principal, bin_: str) -> m.LegalEntityRecord:
    if not can_read_registry(principal, "legal-entities"):
        raise Http404
    record = (
        m.LegalEntityRecord.objects.select_related("organisation", "address", "head")
        .filter(organisation__bin=bin_)
        .first()
    )
    if record is None:
        raise Http404
    return record


def vehicle_get(principal: Principal, vin: str) -> m.Vehicle:
    """The vehicle if the principal may read the register, or owns it (and may read registries)."""
    if not principal.allows(READ_SCOPE):
        raise Http404
    vehicle = m.Vehicle.objects.select_related("owner_person", "owner_organisation")
    found = vehicle.filter(vin=vin).first()
    if found is None:
        raise Http404
    if can_read_registry(principal, "vehicles") or (
        found.owner_person_id is not None and found.owner_person_id == principal.person_id
    ):
        return found
    raise Http404


def estate_get(principal: Principal, cadastral_number: str) -> m.RealEstateObject:
    """The object if the principal may read the register, or owns a share of it now."""
    if not principal.allows(READ_SCOPE):
        raise Http404
    estate = m.RealEstateObject.objects.select_related("address").filter(
        cadastral_number=cadastral_number
    )
    found = estate.first()
    if found is None:
        raise Http404
    own = (
        principal.person_id is not None
        and found.owners.filter(owner_person_id=principal.person_id, until__isnull=True).exists()
    )
    if can_read_registry(principal, "real-estate") or own:
        return found
    raise Http404


@dataclass(frozen=True)
class Dossier:
    """Everything the registries hold about one person: what "My data" shows."""

    person: Person
    population: m.PopulationRecord | None
    family: list[m.FamilyLink]
    estates: list[m.RealEstateOwnership]
    vehicles: list[m.Vehicle]
    employments: list[m.Employment]
    incomes: list[m.Income]
    benefits: list[m.BenefitAward]


def dossier_of(person: Person, *, incomes_since: date | None = None) -> Dossier:
    """The person's records; incomes from ``incomes_since`` on (all when None)."""
    return Dossier(
        person=person,
        population=m.PopulationRecord.objects.select_related(f"address__{_ANCESTORS}")
        .filter(person=person)
        .first(),
        family=family_links_of(person),
        estates=estates_owned_by(person),
        vehicles=vehicles_owned_by(person),
        employments=employments_of(person),
        incomes=incomes_of(person, since=incomes_since),
        benefits=benefits_of(person),
    )


def organisation_name(organisation: Organisation, language: str) -> str:
    record = getattr(organisation, "legal_entity", None)
    if record is None:
        return organisation.bin
    return str({"kk": record.name_kk, "ru": record.name_ru}.get(language, record.name_en))


def person_name(record: m.PopulationRecord, language: str) -> str:
    """The name in the script of the language: Cyrillic kk or ru names, Latin in English."""
    if language == "kk":
        parts = (record.surname_kk, record.given_name_kk, record.patronymic_kk)
    elif language == "ru":
        parts = (record.surname_ru, record.given_name_ru, record.patronymic_ru)
    else:
        parts = (record.surname_lat, record.given_name_lat, "")
    return " ".join(part for part in parts if part)


def person_name_of(person: Person, language: str) -> str:
    """The person's name from the population register, or their IIN if it has no record."""
    try:
        record = person.population  # select_related("...population") saves a query
    except m.PopulationRecord.DoesNotExist:
        return person.iin
    return person_name(record, language)
