"""One chunk of the population: everything drawn from its own random stream, then
written out as batches of rows once its rows' ids are known.

A chunk's random generator is seeded with ``(seed, chunk number)`` only, so any chunk
can be made again, alone, in any order, with the same result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from qyzmet.identity.models import Organisation, Person
from qyzmet.registries import models as m
from qyzmet.registries.generator import data
from qyzmet.registries.generator.addresses import (
    Addresses,
    addresses_lay_out,
    building_names,
    flat_names,
    street_names,
)
from qyzmet.registries.generator.arrays import BoolArray, ByteArray, IntArray
from qyzmet.registries.generator.assets import (
    Estates,
    Vehicles,
    estate_kinds,
    estates_draw,
    vehicles_draw,
)
from qyzmet.registries.generator.columns import (
    AsciiColumn,
    Batch,
    Column,
    DateColumn,
    IntColumn,
    TextColumn,
    Vocabulary,
    VocabularyColumn,
)
from qyzmet.registries.generator.economy import (
    Benefits,
    Employers,
    Jobs,
    benefit_kinds,
    benefits_draw,
    employers_draw,
    heads_choose,
    jobs_draw,
    positions,
)
from qyzmet.registries.generator.geography import CHUNK_FACTOR, KIND_FACTOR, Geography
from qyzmet.registries.generator.households import (
    Households,
    People,
    parent_pairs,
    people_draw,
    spouse_pairs,
)
from qyzmet.registries.generator.identifiers import (
    cadastral_chars,
    iin_chars,
    iin_confirm,
    iin_ranks_fit,
)
from qyzmet.registries.generator.names import name_book

PERSON = Person._meta.db_table
ORGANISATION = Organisation._meta.db_table
ADDRESS = m.AddressUnit._meta.db_table
ESTATE = m.RealEstateObject._meta.db_table
# Tables whose rows other rows point at: the loader reserves their ids per chunk.
ID_TABLES = (PERSON, ORGANISATION, ADDRESS, ESTATE)
MAX_CHUNK_SIZE = 1_000_000  # cadastral serials have six digits


@dataclass(frozen=True)
class ChunkSpec:
    seed: int
    chunk_no: int
    chunks_total: int
    persons: int
    as_of: int  # day the population is described on (first day of a month)
    income_months: IntArray  # first days of the months incomes are paid for


@dataclass(frozen=True)
class Links:
    person: IntArray
    relative: IntArray
    spouse: IntArray  # 1 for spouses, 0 for parents (position in relations())
    since: IntArray
    until: IntArray
    open_ended: BoolArray


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk's rows, pointing at each other by row number until ids are given."""

    spec: ChunkSpec
    geography: Geography
    households: Households
    people: People
    iins: ByteArray
    cadastral: ByteArray  # cadastral numbers of the real estate rows
    addresses: Addresses
    employers: Employers
    heads: IntArray
    jobs: Jobs
    benefits: Benefits
    estates: Estates
    vehicles: Vehicles
    links: Links

    def id_counts(self) -> dict[str, int]:
        """How many ids each table needs from this chunk."""
        return {
            PERSON: len(self.people),
            ORGANISATION: len(self.employers),
            ADDRESS: self.addresses.total,
            ESTATE: len(self.estates.kind),
        }

    def batches(self, first_ids: Mapping[str, int]) -> list[Batch]:
        """All rows of the chunk, given the first id reserved in each table of ID_TABLES
        (ids of a table are consecutive from there)."""
        orders = {PERSON: _ascii_order(self.iins), ESTATE: _ascii_order(self.cadastral)}
        return _batches(self, _Ids(first_ids, self.id_counts(), orders))


def _rng(spec: ChunkSpec) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([spec.seed, spec.chunk_no])))


def _with_iin_room(people: People, chunks_total: int) -> People:
    """Move the birthday of anyone without an IIN slot one day earlier (happens only
    when very many chunks share the serials of one birth date)."""
    birth = people.birth.copy()
    while True:
        crowded = ~iin_ranks_fit(birth, people.female, chunks_total)
        if not crowded.any():
            return dataclasses.replace(people, birth=birth)
        birth[crowded] -= 1


def chunk_draft(spec: ChunkSpec, geography: Geography) -> ChunkDraft:
    """Draw the whole chunk. Deterministic in (seed, chunk number, chunk count, size)."""
    rng, as_of = _rng(spec), spec.as_of
    households, people = people_draw(rng, geography, spec.persons, as_of)
    people = _with_iin_room(people, spec.chunks_total)
    iins = iin_chars(people.birth, people.female, spec.chunk_no, spec.chunks_total)
    iin_confirm(iins, people.birth, people.female, rows=4)
    addresses = addresses_lay_out(rng, households)
    household_region = geography.region[households.locality]
    people_region = household_region[people.household]
    employers = employers_draw(
        rng, households, people, household_region, addresses.household_building,
        as_of=as_of, chunk_no=spec.chunk_no, chunks_total=spec.chunks_total,
    )  # fmt: skip
    jobs = jobs_draw(
        rng, people, people_region, employers, as_of=as_of, income_months=spec.income_months
    )
    employed = np.zeros(len(people), dtype=np.bool_)
    employed[jobs.person] = True
    benefits = benefits_draw(rng, households, people, employed, as_of=as_of)
    heads = heads_choose(rng, people, people_region, employers, jobs, as_of=as_of)
    first_household_of_building = np.unique(addresses.household_building, return_index=True)[1]
    estates = estates_draw(
        rng, households, people, addresses, employers,
        locality_of_building=households.locality[first_household_of_building],
        village=~geography.urban[households.locality],
    )  # fmt: skip
    vehicles = vehicles_draw(
        rng, people, employers, geography.region_code[households.locality][people.household],
        as_of=as_of, chunk_no=spec.chunk_no, chunks_total=spec.chunks_total,
    )  # fmt: skip
    links = _links(rng, households, people, as_of)
    cadastral = cadastral_chars(
        geography.region_code[estates.locality], geography.district_no[estates.locality],
        spec.chunk_no, np.arange(len(estates.kind), dtype=np.int64),
    )  # fmt: skip
    return ChunkDraft(
        spec=spec, geography=geography, households=households, people=people, iins=iins,
        cadastral=cadastral, addresses=addresses, employers=employers, heads=heads, jobs=jobs,
        benefits=benefits, estates=estates, vehicles=vehicles, links=links,
    )  # fmt: skip


def _links(rng: np.random.Generator, households: Households, people: People, as_of: int) -> Links:
    """Spouse links (husband to wife, ended by a death) and child-to-parent links."""
    husband, wife, wedding = spouse_pairs(rng, households, people, as_of)
    widowed = people.dead[husband] | people.dead[wife]
    ended = np.minimum(
        np.where(people.dead[husband], people.death[husband], as_of),
        np.where(people.dead[wife], people.death[wife], as_of),
    )
    child, parent = parent_pairs(households, people)
    person = np.concatenate([husband, child])
    order = np.argsort(person, kind="stable")
    since = np.concatenate([wedding, people.birth[child]])
    until = np.concatenate([np.maximum(ended, wedding), np.zeros(len(child), dtype=np.int64)])
    return Links(
        person=person[order],
        relative=np.concatenate([wife, parent])[order],
        spouse=np.repeat(np.array([1, 0], dtype=np.int64), [len(husband), len(child)])[order],
        since=since[order],
        until=until[order],
        open_ended=np.concatenate([~widowed, np.ones(len(child), dtype=np.bool_)])[order],
    )


def _ascii_order(chars: ByteArray) -> IntArray:
    """Rows in the order of their fixed-width ASCII keys."""
    keys = np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel()
    order: IntArray = np.argsort(keys, kind="stable").astype(np.int64)
    return order


class _Ids:
    """Ids for a chunk's rows: the table's reserved first id plus the row's place in the
    order the table is written in. People are written in IIN order and real estate in
    cadastral order, so each chunk adds neighbouring keys to neighbouring index pages
    instead of scattering them.

    Refuses a row the chunk does not have: the check that lets the load skip per-row
    foreign key triggers (see loading.py).
    """

    def __init__(
        self,
        first_ids: Mapping[str, int],
        counts: Mapping[str, int],
        write_orders: Mapping[str, IntArray],
    ) -> None:
        self.first = dict(first_ids)
        self.counts = dict(counts)
        self.orders = dict(write_orders)
        self.places: dict[str, IntArray] = {}
        for table, order in self.orders.items():
            place = np.empty(len(order), dtype=np.int64)
            place[order] = np.arange(len(order), dtype=np.int64)
            self.places[table] = place

    def of(self, table: str, rows: IntArray) -> IntArray:
        """The ids of the given rows."""
        if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= self.counts[table]):
            raise AssertionError(f"a generated row points outside this chunk's {table}")
        place = self.places.get(table)
        ids: IntArray = (rows if place is None else place[rows]) + self.first[table]
        return ids

    def block(self, table: str, count: int) -> IntArray:
        """The ids of all rows of the table, in the order the rows are written."""
        return np.arange(count, dtype=np.int64) + self.first[table]

    def write_order(self, table: str, count: int) -> IntArray:
        """The rows of the table in the order they are written."""
        return self.orders.get(table, np.arange(count, dtype=np.int64))


@cache
def _vocabularies() -> dict[str, Vocabulary]:
    return {
        "sex": Vocabulary(["M", "F"]),
        "relation": Vocabulary([str(m.FamilyRelation.PARENT), str(m.FamilyRelation.SPOUSE)]),
        "legal_form": Vocabulary([kind.legal_form for kind in data.EMPLOYER_KINDS]),
        "status": Vocabulary(
            [str(m.LegalEntityStatus.ACTIVE), str(m.LegalEntityStatus.LIQUIDATED)]
        ),
        "make": Vocabulary([model.make for model in data.VEHICLE_MODELS]),
        "model": Vocabulary([model.model for model in data.VEHICLE_MODELS]),
    }


def _batches(draft: ChunkDraft, ids: _Ids) -> list[Batch]:
    return [
        _person_batch(draft, ids),
        _organisation_batch(draft, ids),
        *_address_batches(draft, ids),
        _population_batch(draft, ids),
        _legal_entity_batch(draft, ids),
        _family_batch(draft, ids).ordered_by("person_id"),
        _employment_batch(draft, ids).ordered_by("person_id"),
        _income_batch(draft, ids).ordered_by("person_id"),
        _benefit_batch(draft, ids).ordered_by("person_id"),
        _estate_batch(draft, ids),
        *_ownership_batches(draft, ids),
        *_vehicle_batches(draft, ids),
    ]


def _person_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    order = ids.write_order(PERSON, len(draft.people))
    return Batch(PERSON, (
        IntColumn("id", ids.block(PERSON, len(draft.people))),
        AsciiColumn("iin", draft.iins[order]),
    ))  # fmt: skip


def _organisation_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    bins = np.frombuffer("".join(draft.employers.bins).encode("ascii"), dtype=np.uint8)
    return Batch(ORGANISATION, (
        IntColumn("id", ids.block(ORGANISATION, len(draft.employers))),
        AsciiColumn("bin", bins.reshape(len(draft.employers), 12)),
    ))  # fmt: skip


def _address_batches(draft: ChunkDraft, ids: _Ids) -> list[Batch]:
    """Streets, buildings and flats: ids and codes follow their row in the chunk."""
    a = draft.addresses
    rows = ids.block(ADDRESS, a.total)
    code = np.arange(a.total, dtype=np.int64) + draft.spec.chunk_no * CHUNK_FACTOR
    parts = (
        (m.AddressKind.STREET, slice(0, a.streets),
         draft.geography.unit_ids[a.street_locality], a.street_name, street_names()),
        (m.AddressKind.BUILDING, slice(a.streets, a.streets + a.buildings),
         ids.of(ADDRESS, a.building_street), a.building_number, building_names()),
        (m.AddressKind.FLAT, slice(a.streets + a.buildings, a.total),
         ids.of(ADDRESS, a.building_row(a.flat_building)), a.flat_number, flat_names()),
    )  # fmt: skip
    batches = []
    for kind, part, parent, name, names in parts:
        count = len(parent)
        batches.append(Batch(ADDRESS, (
            IntColumn("id", rows[part]),
            IntColumn("code", code[part] + kind * KIND_FACTOR),
            IntColumn("kind", np.full(count, kind, dtype=np.int64), pg_type="int2"),
            IntColumn("parent_id", parent),
            VocabularyColumn("name_kk", names.kk, name),
            VocabularyColumn("name_ru", names.ru, name),
            VocabularyColumn("name_en", names.en, name),
        )))  # fmt: skip
    return batches


def _population_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    book = name_book()
    p = _people_in_order(draft.people, ids.write_order(PERSON, len(draft.people)))
    household_address = draft.addresses.household_address[p.household]
    registered = np.maximum(draft.households.moved_in[p.household], p.birth)
    columns: tuple[Column, ...] = (
        IntColumn("person_id", ids.block(PERSON, len(p))),
        VocabularyColumn("surname_kk", book.surname_kk, p.surname),
        VocabularyColumn("given_name_kk", book.given_kk, p.given),
        VocabularyColumn("patronymic_kk", book.patronymic_kk, p.patronymic),
        VocabularyColumn("surname_ru", book.surname_ru, p.surname),
        VocabularyColumn("given_name_ru", book.given_ru, p.given),
        VocabularyColumn("patronymic_ru", book.patronymic_ru, p.patronymic),
        VocabularyColumn("surname_lat", book.surname_lat, p.surname),
        VocabularyColumn("given_name_lat", book.given_lat, p.given),
        DateColumn("birth_date", p.birth),
        VocabularyColumn("sex", _vocabularies()["sex"], p.female.astype(np.int64)),
        IntColumn("address_id", ids.of(ADDRESS, household_address)),
        DateColumn("registered_since", registered),
        DateColumn("death_date", p.death, null=~p.dead),
    )
    return Batch(m.PopulationRecord._meta.db_table, columns)


def _people_in_order(people: People, order: IntArray) -> People:
    return People(**{f.name: getattr(people, f.name)[order] for f in dataclasses.fields(people)})


def _legal_entity_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    e, v = draft.employers, _vocabularies()
    return Batch(m.LegalEntityRecord._meta.db_table, (
        IntColumn("organisation_id", ids.block(ORGANISATION, len(e))),
        TextColumn("name_kk", e.names_kk),
        TextColumn("name_ru", e.names_ru),
        TextColumn("name_en", e.names_en),
        VocabularyColumn("legal_form", v["legal_form"], e.kind),
        IntColumn("address_id", ids.of(ADDRESS, draft.addresses.building_row(e.building))),
        IntColumn("head_id", ids.of(PERSON, draft.heads)),
        DateColumn("registered_on", e.registered),
        VocabularyColumn("status", v["status"], e.liquidated.astype(np.int64)),
    ))  # fmt: skip


def _family_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    links = draft.links
    return Batch(m.FamilyLink._meta.db_table, (
        IntColumn("person_id", ids.of(PERSON, links.person)),
        IntColumn("relative_id", ids.of(PERSON, links.relative)),
        VocabularyColumn("relation", _vocabularies()["relation"], links.spouse),
        DateColumn("since", links.since),
        DateColumn("until", links.until, null=links.open_ended),
    ))  # fmt: skip


def _employment_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    jobs = draft.jobs
    return Batch(m.Employment._meta.db_table, (
        IntColumn("person_id", ids.of(PERSON, jobs.person)),
        IntColumn("employer_id", ids.of(ORGANISATION, jobs.employer)),
        VocabularyColumn("position", positions()[0], jobs.position),
        DateColumn("started_on", jobs.started),
    ))  # fmt: skip


def _income_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    jobs = draft.jobs
    return Batch(m.Income._meta.db_table, (
        IntColumn("person_id", ids.of(PERSON, jobs.income_person)),
        IntColumn("payer_id", ids.of(ORGANISATION, jobs.income_employer)),
        DateColumn("period", jobs.income_period),
        IntColumn("amount", jobs.income_amount),
    ))  # fmt: skip


def _benefit_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    b = draft.benefits
    return Batch(m.BenefitAward._meta.db_table, (
        IntColumn("person_id", ids.of(PERSON, b.person)),
        VocabularyColumn("kind", benefit_kinds(), b.kind),
        IntColumn("monthly_amount", b.monthly_amount),
        DateColumn("since", b.since),
        DateColumn("until", b.until, null=b.open_ended),
    ))  # fmt: skip


def _estate_batch(draft: ChunkDraft, ids: _Ids) -> Batch:
    e = draft.estates
    count = len(e.kind)
    order = ids.write_order(ESTATE, count)
    return Batch(ESTATE, (
        IntColumn("id", ids.block(ESTATE, count)),
        AsciiColumn("cadastral_number", draft.cadastral[order]),
        VocabularyColumn("kind", estate_kinds(), e.kind[order]),
        IntColumn("address_id", ids.of(ADDRESS, e.address[order])),
        IntColumn("area_dm2", e.area_dm2[order], pg_type="int4"),
    ))  # fmt: skip


def _ownership_batches(draft: ChunkDraft, ids: _Ids) -> list[Batch]:
    """Shares of people and of employers, as two batches so neither has NULL owners."""
    e = draft.estates
    table = m.RealEstateOwnership._meta.db_table
    people_shares = Batch(table, (
        IntColumn("estate_id", ids.of(ESTATE, e.person_estate)),
        IntColumn("owner_person_id", ids.of(PERSON, e.person_owner)),
        IntColumn("share_numerator", np.ones(len(e.person_estate), np.int64), pg_type="int4"),
        IntColumn("share_denominator", e.person_share, pg_type="int4"),
        DateColumn("since", e.person_since),
    ))  # fmt: skip
    employer_shares = Batch(table, (
        IntColumn("estate_id", ids.of(ESTATE, e.employer_estate)),
        IntColumn("owner_organisation_id", ids.of(ORGANISATION, e.employer_owner)),
        IntColumn("share_numerator", np.ones(len(e.employer_estate), np.int64), pg_type="int4"),
        IntColumn("share_denominator", np.ones(len(e.employer_estate), np.int64),
                  pg_type="int4"),
        DateColumn("since", e.employer_since),
    ))  # fmt: skip
    return [people_shares.ordered_by("owner_person_id"), employer_shares]


def _vehicle_batches(draft: ChunkDraft, ids: _Ids) -> list[Batch]:
    v, vocabularies = draft.vehicles, _vocabularies()
    batches = []
    for owner_column, owners, table in (
        ("owner_person_id", v.person_owner, PERSON),
        ("owner_organisation_id", v.employer_owner, ORGANISATION),
    ):
        owned = np.flatnonzero(owners >= 0)
        rows = owned[_ascii_order(v.vin[owned])]
        batches.append(Batch(m.Vehicle._meta.db_table, (
            AsciiColumn("vin", v.vin[rows]),
            AsciiColumn("plate", v.plate[rows]),
            VocabularyColumn("make", vocabularies["make"], v.model[rows]),
            VocabularyColumn("model", vocabularies["model"], v.model[rows]),
            IntColumn("year", v.year[rows], pg_type="int2"),
            IntColumn(owner_column, ids.of(table, owners[rows])),
            DateColumn("registered_on", v.registered[rows]),
        )))  # fmt: skip
    return batches
