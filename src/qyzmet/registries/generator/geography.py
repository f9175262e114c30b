"""The fixed part of the address register: regions, districts and settlements.

They do not depend on the seed or on the size of the population, so every run shares
them; they are created once, the first time a population is generated. Streets,
buildings and flats are made per chunk (see ``households.py``).

Address codes are stable: ``kind * 10**15`` plus the region code, district and village
numbers for these units, and plus the chunk number and row for the units of a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import transaction

from qyzmet.registries.generator import data
from qyzmet.registries.generator.arrays import BoolArray, FloatArray, IntArray
from qyzmet.registries.models import AddressKind, AddressUnit

KIND_FACTOR = 10**15
CHUNK_FACTOR = 10**9


@dataclass(frozen=True)
class BaseUnit:
    code: int
    kind: AddressKind
    parent_code: int | None
    name: data.Place


@dataclass(frozen=True)
class Locality:
    """A place people live in, under which streets are laid out."""

    code: int
    region: int  # position in data.REGIONS
    district_no: int
    urban: bool
    weight: float  # thousands of people


@dataclass(frozen=True)
class Geography:
    """The localities as arrays (by position), with the ids their address units got."""

    unit_ids: IntArray
    region: IntArray
    region_code: IntArray
    district_no: IntArray
    urban: BoolArray
    share: FloatArray  # of the national population

    def __len__(self) -> int:
        return len(self.unit_ids)


def _region_code(region_code: int) -> int:
    return AddressKind.REGION * KIND_FACTOR + region_code * CHUNK_FACTOR


def _district_code(region_code: int, district_no: int) -> int:
    return AddressKind.DISTRICT * KIND_FACTOR + region_code * CHUNK_FACTOR + district_no * 10**6


def _village_code(region_code: int, district_no: int, village_no: int) -> int:
    return (
        AddressKind.SETTLEMENT * KIND_FACTOR
        + region_code * CHUNK_FACTOR
        + district_no * 10**6
        + village_no * 10**3
    )


def _village_names(district_serial: int) -> list[data.Place]:
    """Six different village names per district, varied from district to district."""
    names = []
    for village in range(data.VILLAGES_PER_DISTRICT):
        kk, ru, en = data.VILLAGES[(district_serial * 7 + village * 11) % len(data.VILLAGES)]
        names.append(data.Place(f"{kk} ауылы", f"село {ru}", f"{en} village"))
    return names


def base_layout() -> tuple[list[BaseUnit], list[Locality]]:
    """Every region, district and settlement, and the localities people are placed in.

    In a city of republican significance people live in its districts; in a region,
    in its towns (district-level units) or in the villages of its rural districts.
    """
    units: list[BaseUnit] = []
    localities: list[Locality] = []
    district_serial = 0
    for position, region in enumerate(data.REGIONS):
        region_unit = _region_code(region.code)
        units.append(BaseUnit(region_unit, AddressKind.REGION, None, region.name))
        if region.is_city:
            share = region.population_k / len(region.districts)
            for number, district in enumerate(region.districts, start=1):
                code = _district_code(region.code, number)
                units.append(BaseUnit(code, AddressKind.DISTRICT, region_unit, district))
                localities.append(Locality(code, position, number, True, share))
            continue
        urban = region.population_k * region.urban_share
        for number, town in enumerate(region.towns, start=1):
            code = _district_code(region.code, number)
            units.append(BaseUnit(code, AddressKind.DISTRICT, region_unit, town.name))
            localities.append(Locality(code, position, number, True, urban * town.urban_weight))
        rural = region.population_k * (1 - region.urban_share)
        village_share = rural / (len(region.districts) * data.VILLAGES_PER_DISTRICT)
        for offset, district in enumerate(region.districts):
            number = 10 + offset  # towns are 1-9
            district_code = _district_code(region.code, number)
            units.append(BaseUnit(district_code, AddressKind.DISTRICT, region_unit, district))
            district_serial += 1
            for village_no, name in enumerate(_village_names(district_serial), start=1):
                code = _village_code(region.code, number, village_no)
                units.append(BaseUnit(code, AddressKind.SETTLEMENT, district_code, name))
                localities.append(Locality(code, position, number, False, village_share))
    return units, localities


@transaction.atomic
def geography_ensure() -> Geography:
    """Create the regions, districts and settlements that are missing (by code) and
    return the localities with their ids. Safe to call again: existing units are kept."""
    units, localities = base_layout()
    existing = dict(AddressUnit.objects.filter(code__lt=4 * KIND_FACTOR).values_list("code", "id"))
    for kind in (AddressKind.REGION, AddressKind.DISTRICT, AddressKind.SETTLEMENT):
        missing = [u for u in units if u.kind == kind and u.code not in existing]
        created = AddressUnit.objects.bulk_create(
            [
                AddressUnit(
                    code=unit.code,
                    kind=unit.kind,
                    parent_id=None if unit.parent_code is None else existing[unit.parent_code],
                    name_kk=unit.name.kk,
                    name_ru=unit.name.ru,
                    name_en=unit.name.en,
                )
                for unit in missing
            ],
            batch_size=2_000,  # a statement binds at most 65,535 parameters
        )
        if created and created[0].pk is None:  # backends that do not return ids
            existing = dict(
                AddressUnit.objects.filter(code__lt=4 * KIND_FACTOR).values_list("code", "id")
            )
        else:
            existing.update((unit.code, unit.pk) for unit in created)
    total = sum(locality.weight for locality in localities)
    return Geography(
        unit_ids=np.array([existing[loc.code] for loc in localities], dtype=np.int64),
        region=np.array([loc.region for loc in localities], dtype=np.int64),
        region_code=np.array([data.REGIONS[loc.region].code for loc in localities], np.int64),
        district_no=np.array([loc.district_no for loc in localities], dtype=np.int64),
        urban=np.array([loc.urban for loc in localities], dtype=np.bool_),
        share=np.array([loc.weight / total for loc in localities], dtype=np.float64),
    )
