"""Real estate and vehicles of one chunk.

Most households own the flat or house they live in (a couple half each, otherwise
the one adult); most village houses stand on a plot registered to the head of the
family; some companies own their premises. About 0.23 vehicles per person, mostly
owned by adult men, a few by companies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from qyzmet.registries.generator import data
from qyzmet.registries.generator.addresses import Addresses
from qyzmet.registries.generator.arrays import (
    BoolArray,
    ByteArray,
    IntArray,
    anniversaries,
    calendar_parts,
    year_starts,
    years,
)
from qyzmet.registries.generator.columns import Vocabulary
from qyzmet.registries.generator.economy import Employers
from qyzmet.registries.generator.households import Households, People
from qyzmet.registries.generator.identifiers import plate_chars, vin_chars
from qyzmet.registries.models import PropertyKind

OWNED_DWELLINGS = 0.86
VILLAGE_HOUSES_WITH_LAND = 0.8
COMPANIES_WITH_PREMISES = 0.3
VEHICLES_PER_PERSON = 0.22
COMPANY_VEHICLES_PER_PERSON = 0.012
FLAT, HOUSE, LAND, COMMERCIAL = range(4)


@cache
def estate_kinds() -> Vocabulary:
    return Vocabulary([str(PropertyKind.FLAT), str(PropertyKind.HOUSE), str(PropertyKind.LAND),
                       str(PropertyKind.COMMERCIAL)])  # fmt: skip


@dataclass(frozen=True)
class Estates:
    kind: IntArray
    address: IntArray  # row among the chunk's address units
    area_dm2: IntArray
    locality: IntArray
    # Shares held by people, then by employers; estate is a row of the arrays above.
    person_estate: IntArray
    person_owner: IntArray
    person_share: IntArray  # denominator; the numerator is always 1
    person_since: IntArray
    employer_estate: IntArray
    employer_owner: IntArray
    employer_since: IntArray


@dataclass(frozen=True)
class Vehicles:
    model: IntArray  # position in data.VEHICLE_MODELS
    year: IntArray
    vin: ByteArray
    plate: ByteArray
    registered: IntArray
    person_owner: IntArray  # -1 where an employer owns it
    employer_owner: IntArray  # -1 where a person owns it


def _household_owners(households: Households, people: People) -> tuple[IntArray, IntArray]:
    """(owner, owner's share denominator): the living couple, or the first living adult."""
    alive = ~people.dead
    husband_alive = (households.husband >= 0) & alive[np.maximum(households.husband, 0)]
    wife_alive = (households.wife >= 0) & alive[np.maximum(households.wife, 0)]
    both = husband_alive & wife_alive
    one = np.where(husband_alive, households.husband, np.where(wife_alive, households.wife, -1))
    owner = np.concatenate([np.where(both, households.husband, one), households.wife[both]])
    share = np.concatenate([np.where(both, 2, 1), np.full(int(both.sum()), 2)])
    household = np.concatenate([np.arange(len(households)), np.flatnonzero(both)])
    kept = owner >= 0
    order = np.argsort(household[kept], kind="stable")
    return owner[kept][order], share[kept][order]


def estates_draw(
    rng: np.random.Generator,
    households: Households,
    people: People,
    addresses: Addresses,
    employers: Employers,
    *,
    locality_of_building: IntArray,
    village: BoolArray,
) -> Estates:
    """Dwellings, land plots and company premises, with who owns which share."""
    owner, share = _household_owners(households, people)
    household = people.household[owner]
    owned = rng.random(len(households)) < OWNED_DWELLINGS
    keep = owned[household]
    owner, share, household = owner[keep], share[keep], household[keep]
    dwelling_households = np.unique(household)
    land_households = dwelling_households[
        ~households.apartment[dwelling_households]
        & village[dwelling_households]
        & (rng.random(len(dwelling_households)) < VILLAGE_HOUSES_WITH_LAND)
    ]
    premises = np.flatnonzero(
        ~employers.liquidated
        & (employers.kind <= 1)
        & (rng.random(len(employers)) < COMPANIES_WITH_PREMISES)
    )
    size = households.size[dwelling_households]
    apartment = households.apartment[dwelling_households]
    dwelling_area = np.where(
        apartment,
        np.clip(28 + 11 * size + rng.normal(0, 9, len(size)), 22, 220),
        np.clip(60 + 14 * size + rng.normal(0, 20, len(size)), 40, 450),
    )
    land_area = rng.uniform(400, 2500, len(land_households))
    premises_area = rng.lognormal(np.log(150), 0.8, len(premises))
    kind = np.concatenate([
        np.where(apartment, FLAT, HOUSE), np.full(len(land_households), LAND),
        np.full(len(premises), COMMERCIAL),
    ])  # fmt: skip
    building_row = addresses.building_row(addresses.household_building)
    address = np.concatenate([
        addresses.household_address[dwelling_households], building_row[land_households],
        addresses.building_row(employers.building[premises]),
    ])  # fmt: skip
    locality = np.concatenate([
        households.locality[dwelling_households], households.locality[land_households],
        locality_of_building[employers.building[premises]],
    ])  # fmt: skip
    area = np.rint(np.concatenate([dwelling_area, land_area, premises_area]) * 100)
    # Owners' rows point at their household's dwelling (and land) estate rows.
    dwelling_row = np.full(len(households), -1, dtype=np.int64)
    dwelling_row[dwelling_households] = np.arange(len(dwelling_households))
    land_row = np.full(len(households), -1, dtype=np.int64)
    land_row[land_households] = len(dwelling_households) + np.arange(len(land_households))
    # The plot is registered to the first owner of the house (the husband of a couple).
    with_land = (land_row[household] >= 0) & np.r_[True, household[1:] != household[:-1]]
    since = np.maximum(households.moved_in[household], anniversaries(people.birth[owner], 18))
    return Estates(
        kind=kind.astype(np.int64),
        address=address.astype(np.int64),
        area_dm2=area.astype(np.int64),
        locality=locality.astype(np.int64),
        person_estate=np.concatenate([dwelling_row[household], land_row[household][with_land]]),
        person_owner=np.concatenate([owner, owner[with_land]]),
        person_share=np.concatenate([share, np.ones(int(with_land.sum()), dtype=np.int64)]),
        person_since=np.concatenate([since, since[with_land]]),
        employer_estate=len(dwelling_households) + len(land_households) + np.arange(len(premises)),
        employer_owner=premises.astype(np.int64),
        employer_since=employers.registered[premises] + rng.integers(0, 400, len(premises)),
    )


def vehicles_draw(
    rng: np.random.Generator,
    people: People,
    employers: Employers,
    region_code_of_person: IntArray,
    *,
    as_of: int,
    chunk_no: int,
    chunks_total: int,
) -> Vehicles:
    """Cars of adults (more often men of 25-60) and of active companies."""
    age = people.age_on(as_of)
    weight = np.where(people.female, 0.8, 2.0) * np.where((age >= 25) & (age < 60), 1.4, 1.0)
    weight = weight * (~people.dead & (age >= 18) & (age < 80))
    if weight.sum() > 0:
        person_count = round(VEHICLES_PER_PERSON * len(people))
        owners = rng.choice(len(people), size=person_count, p=weight / weight.sum())
    else:  # a tiny chunk without a living adult
        person_count, owners = 0, np.zeros(0, dtype=np.int64)
    owners.sort()
    active = np.flatnonzero(~employers.liquidated)
    company_count = round(COMPANY_VEHICLES_PER_PERSON * len(people))
    companies = np.sort(rng.choice(active, size=company_count)) if len(active) else active[:0]
    count = person_count + len(companies)
    model_weights = np.array([m.weight for m in data.VEHICLE_MODELS])
    model = rng.choice(len(model_weights), size=count, p=model_weights / model_weights.sum())
    first = np.array([m.first_year for m in data.VEHICLE_MODELS])[model]
    last = np.array([m.last_year for m in data.VEHICLE_MODELS])[model]
    as_of_year = int(calendar_parts(np.array([as_of]))[0][0])
    last = np.minimum(last, as_of_year)
    first = np.minimum(first, last)
    year = first + np.floor((last - first + 1) * rng.random(count) ** 0.8).astype(np.int64)
    earliest = np.concatenate([
        anniversaries(people.birth[owners], 18), employers.registered[companies],
    ])  # fmt: skip
    earliest = np.maximum(earliest, year_starts(year))
    registered = np.minimum(earliest + years(rng.exponential(4.0, count)), as_of - 1)
    region_code = np.concatenate([
        region_code_of_person[owners],
        np.array([r.code for r in data.REGIONS], dtype=np.int64)[employers.region[companies]],
    ])  # fmt: skip
    number = np.arange(count, dtype=np.int64) * chunks_total + chunk_no
    return Vehicles(
        model=model.astype(np.int64),
        year=year.astype(np.int64),
        vin=vin_chars(model.astype(np.int64), year.astype(np.int64), number),
        plate=plate_chars(rng, region_code),
        registered=registered.astype(np.int64),
        person_owner=np.concatenate([owners, np.full(len(companies), -1)]).astype(np.int64),
        employer_owner=np.concatenate([np.full(person_count, -1), companies]).astype(np.int64),
    )
