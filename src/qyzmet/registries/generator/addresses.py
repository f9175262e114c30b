"""Streets, buildings and flats for the households of one chunk.

In each locality, households in flats fill apartment blocks (24 to 120 flats, six
blocks to a street) and households in houses get a house each (thirty to a street).
The chunk's address units are numbered streets first, then buildings, then flats;
that number is the unit's row in the chunk and part of its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from qyzmet.registries.generator import data
from qyzmet.registries.generator.arrays import BoolArray, IntArray, group_starts
from qyzmet.registries.generator.columns import Vocabulary
from qyzmet.registries.generator.households import Households

HOUSES_PER_STREET = 30
BLOCKS_PER_STREET = 6
FLATS_PER_BLOCK = (24, 121)
_NUMBERS = 1_000


@dataclass(frozen=True)
class Addresses:
    street_locality: IntArray  # locality of each street
    street_name: IntArray  # position in street_names()
    building_street: IntArray  # street row of each building
    building_number: IntArray
    building_is_block: BoolArray  # an apartment block rather than a house
    flat_building: IntArray  # building row of each flat
    flat_number: IntArray
    household_building: IntArray
    household_address: IntArray  # row (over streets, buildings, flats) people live at

    @property
    def streets(self) -> int:
        return len(self.street_locality)

    @property
    def buildings(self) -> int:
        return len(self.building_street)

    @property
    def flats(self) -> int:
        return len(self.flat_building)

    @property
    def total(self) -> int:
        return self.streets + self.buildings + self.flats

    def building_row(self, building: IntArray) -> IntArray:
        """A building's row among all the chunk's address units."""
        row: IntArray = building + self.streets
        return row


@dataclass(frozen=True)
class AddressNames:
    kk: Vocabulary
    ru: Vocabulary
    en: Vocabulary


@cache
def street_names() -> AddressNames:
    """Every street name with every kind of street: "Абай көшесі", "улица Абая"..."""
    kk, ru, en = [], [], []
    for name_kk, name_ru, name_en in data.STREETS:
        for suffix_kk, prefix_ru, suffix_en, _ in data.STREET_KINDS:
            kk.append(f"{name_kk} {suffix_kk}")
            ru.append(f"{prefix_ru} {name_ru}")
            en.append(f"{name_en} {suffix_en}")
    return AddressNames(Vocabulary(kk), Vocabulary(ru), Vocabulary(en))


@cache
def building_names() -> AddressNames:
    numbers = range(_NUMBERS)
    return AddressNames(
        Vocabulary([f"{n} үй" for n in numbers]),
        Vocabulary([f"дом {n}" for n in numbers]),
        Vocabulary([f"building {n}" for n in numbers]),
    )


@cache
def flat_names() -> AddressNames:
    numbers = range(_NUMBERS)
    return AddressNames(
        Vocabulary([f"{n} пәтер" for n in numbers]),
        Vocabulary([f"кв. {n}" for n in numbers]),
        Vocabulary([f"flat {n}" for n in numbers]),
    )


def _street_name_draw(rng: np.random.Generator, count: int) -> IntArray:
    kind_weights = np.array([kind[3] for kind in data.STREET_KINDS])
    name = rng.integers(0, len(data.STREETS), count)
    kind = rng.choice(len(data.STREET_KINDS), size=count, p=kind_weights / kind_weights.sum())
    drawn: IntArray = name * len(data.STREET_KINDS) + kind
    return drawn


def addresses_lay_out(rng: np.random.Generator, households: Households) -> Addresses:
    """Addresses for households already ordered by locality and dwelling type."""
    group_key = households.locality * 2 + households.apartment
    group_first = np.maximum.accumulate(
        np.where(group_starts(group_key), np.arange(len(households)), 0)
    )
    rank = np.arange(len(households)) - group_first
    block_size = rng.integers(*FLATS_PER_BLOCK, len(households))[group_first]
    building_in_group = np.where(households.apartment, rank // block_size, rank)
    per_street = np.where(households.apartment, BLOCKS_PER_STREET, HOUSES_PER_STREET)
    street_in_group = building_in_group // per_street
    new_street = group_starts(group_key) | group_starts(street_in_group)
    new_building = new_street | group_starts(building_in_group)
    street = np.cumsum(new_street) - 1
    building = np.cumsum(new_building) - 1
    building_first = np.flatnonzero(new_building)
    streets = int(street[-1]) + 1
    buildings = int(building[-1]) + 1
    flat_households = np.flatnonzero(households.apartment)
    household_address = building + streets
    household_address[flat_households] = streets + buildings + np.arange(len(flat_households))
    return Addresses(
        street_locality=households.locality[np.flatnonzero(new_street)],
        street_name=_street_name_draw(rng, streets),
        building_street=street[building_first],
        building_number=(building_in_group % per_street + 1)[building_first],
        building_is_block=households.apartment[building_first],
        flat_building=building[flat_households],
        flat_number=(rank % block_size + 1)[flat_households],
        household_building=building,
        household_address=household_address,
    )
