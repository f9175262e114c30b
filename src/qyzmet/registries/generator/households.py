"""Households and the people in them, for one chunk.

A household is a single person, a couple, a couple with children, a lone parent with
children, or a couple with children and the husband's parents. Ages are drawn per
household (mother's age, her age at each birth, spouses a few years apart), which
gives Kazakhstan's young age structure: about 30% children, median age near 31.
Everything is drawn as arrays; the people of a household are consecutive rows,
adults first, then children from the oldest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from qyzmet.registries.generator import data
from qyzmet.registries.generator.arrays import (
    BlockSampler,
    BoolArray,
    FloatArray,
    IntArray,
    position_in_segments,
    segment_offsets,
    years,
)
from qyzmet.registries.generator.geography import Geography
from qyzmet.registries.generator.names import MALE, name_book

SINGLE, COUPLE, FAMILY, LONE_PARENT, THREE_GENERATIONS = range(5)
KIND_SHARES = (0.15, 0.14, 0.49, 0.09, 0.13)
HUSBAND, WIFE, GRANDFATHER, GRANDMOTHER, CHILD = range(5)
MAX_CHILDREN = 8
CHILD_LEAVES_HOME_AT = 23.0
APARTMENT_SHARE = {True: 0.70, False: 0.04}  # urban, rural
MAIDEN_NAME_KEPT = 0.18


@dataclass(frozen=True)
class Households:
    """One row per household; member columns hold a person's row, or -1."""

    locality: IntArray
    apartment: BoolArray
    kind: IntArray
    group: IntArray
    first: IntArray
    size: IntArray
    husband: IntArray
    wife: IntArray
    grandfather: IntArray
    grandmother: IntArray
    moved_in: IntArray  # day the household registered at its address

    def __len__(self) -> int:
        return len(self.first)


@dataclass(frozen=True)
class People:
    """One row per person, in household order."""

    household: IntArray
    role: IntArray
    female: BoolArray
    birth: IntArray
    dead: BoolArray
    death: IntArray  # meaningful where dead
    surname: IntArray  # positions in the name book's vocabularies
    given: IntArray
    patronymic: IntArray

    def __len__(self) -> int:
        return len(self.birth)

    def age_on(self, day: int) -> FloatArray:
        """Age in (fractional) years on a day."""
        age: FloatArray = (day - self.birth) / 365.2425
        return age


@dataclass(frozen=True)
class _Draft:
    """Households before they are expanded into people (ages in years)."""

    locality: IntArray
    apartment: BoolArray
    kind: IntArray
    group: IntArray
    has_husband: BoolArray
    has_wife: BoolArray
    has_grandfather: BoolArray
    has_grandmother: BoolArray
    husband_age: FloatArray
    wife_age: FloatArray
    grandfather_age: FloatArray
    grandmother_age: FloatArray
    parent_age: FloatArray  # the age children's ages are counted from
    child_birth_age: FloatArray  # (households, MAX_CHILDREN) parent's age at each birth
    child_kept: BoolArray  # (households, MAX_CHILDREN) born and still living at home

    @property
    def children(self) -> IntArray:
        counts: IntArray = self.child_kept.sum(axis=1).astype(np.int64)
        return counts

    @property
    def size(self) -> IntArray:
        adults = (
            self.has_husband.astype(np.int64)
            + self.has_wife
            + self.has_grandfather
            + self.has_grandmother
        )
        return adults + self.children


def _region_table() -> tuple[FloatArray, BlockSampler]:
    extra_children = np.array([r.extra_children for r in data.REGIONS], dtype=np.float64)
    shares = np.array([r.ethnic_shares for r in data.REGIONS], dtype=np.float64)
    groups = BlockSampler(
        np.repeat(np.arange(len(data.REGIONS), dtype=np.int64), len(data.ETHNIC_GROUPS)),
        shares.ravel(),
        block_count=len(data.REGIONS),
    )
    return extra_children, groups


def _adult_ages(rng: np.random.Generator, kind: IntArray) -> tuple[FloatArray, BoolArray]:
    """The age of each household's first adult (the woman where there is one), and
    whether a single person or lone parent is a man."""
    n = len(kind)
    stage = rng.random(n)
    single = np.select(
        [stage < 0.42, stage < 0.58],
        [rng.uniform(18, 40, n), rng.uniform(40, 60, n)],
        62 + rng.gamma(1.5, 7.0, n),
    )
    couple = np.where(stage < 0.25, rng.uniform(19, 33, n), 52 + rng.gamma(1.6, 8.0, n))
    family = 21 + rng.gamma(4.0, 4.5, n)
    lone_parent = 21 + rng.gamma(3.0, 4.5, n)
    three_generations = 19 + rng.gamma(2.5, 3.5, n)
    age = np.choose(kind, [single, couple, family, lone_parent, three_generations])
    limits = np.choose(kind, [98.0, 95.0, 62.0, 58.0, 48.0])
    man_share = np.where(kind == SINGLE, np.select([stage < 0.42, stage < 0.58], [0.55, 0.45], 0.3),
                         0.10)  # fmt: skip
    is_man = (rng.random(n) < man_share) & ((kind == SINGLE) | (kind == LONE_PARENT))
    return np.minimum(age, limits), is_man


def _children(
    rng: np.random.Generator, kind: IntArray, parent_age: FloatArray, extra: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """Parent's age at each child's birth and which children are born and at home."""
    n = len(kind)
    planned = np.zeros(n, dtype=np.int64)
    with_children = (kind == FAMILY) | (kind == THREE_GENERATIONS)
    planned[with_children] = 1 + rng.poisson(extra[with_children])
    planned[kind == LONE_PARENT] = 1 + rng.poisson(0.5, int((kind == LONE_PARENT).sum()))
    first = np.clip(19 + rng.gamma(3.0, 1.8, n), 19, 40)
    gaps = 1.2 + rng.gamma(2.0, 1.0, (n, MAX_CHILDREN))
    gaps[:, 0] = 0
    birth_age = first[:, None] + np.cumsum(gaps, axis=1)
    child_age = parent_age[:, None] - birth_age
    kept = (
        (np.arange(MAX_CHILDREN) < planned[:, None])
        & (child_age > 0)
        & (child_age < CHILD_LEAVES_HOME_AT)
        & (birth_age <= 46)
    )
    return birth_age, kept


def _draft(rng: np.random.Generator, geography: Geography, count: int) -> _Draft:
    extra_children, group_sampler = _region_table()
    locality = rng.choice(len(geography), size=count, p=geography.share)
    region = geography.region[locality]
    group = group_sampler.draw(rng, region) % len(data.ETHNIC_GROUPS)
    kind = rng.choice(len(KIND_SHARES), size=count, p=KIND_SHARES)
    first_age, lone_man = _adult_ages(rng, kind)
    couple = (kind == COUPLE) | (kind == FAMILY) | (kind == THREE_GENERATIONS)
    has_husband = couple | lone_man
    has_wife = ~lone_man
    gap = np.clip(rng.normal(3.0, 3.0, count), -1.0, 15.0)
    husband_age = np.where(couple, first_age + gap, first_age)
    grandmother_age = np.minimum(husband_age + 22 + rng.gamma(2.0, 4.0, count), 97)
    three = kind == THREE_GENERATIONS
    has_grandfather = three & (rng.random(count) < 0.5)
    grandfather_age = np.minimum(grandmother_age + np.clip(rng.normal(3, 2, count), 0, 10), 99)
    birth_age, kept = _children(rng, kind, first_age, extra_children[region])
    urban = geography.urban[locality]
    apartment = rng.random(count) < np.where(urban, APARTMENT_SHARE[True], APARTMENT_SHARE[False])
    return _Draft(
        locality=locality.astype(np.int64),
        apartment=apartment,
        kind=kind.astype(np.int64),
        group=group,
        has_husband=has_husband,
        has_wife=has_wife,
        has_grandfather=has_grandfather,
        has_grandmother=three,
        husband_age=husband_age,
        wife_age=first_age,
        grandfather_age=grandfather_age,
        grandmother_age=grandmother_age,
        parent_age=first_age,
        child_birth_age=birth_age,
        child_kept=kept,
    )


def _enough_households(rng: np.random.Generator, geography: Geography, persons: int) -> _Draft:
    """Draw households until they hold at least ``persons`` people (usually once)."""
    count = max(4, int(persons / 3.0) + 8)
    while True:
        draft = _draft(rng, geography, count)
        if int(draft.size.sum()) >= persons:
            return draft
        count *= 2


def _sorted_by_address(draft: _Draft) -> _Draft:
    """Households ordered by locality and dwelling type, so neighbours share streets."""
    order = np.lexsort((draft.apartment, draft.locality))
    return _Draft(**{f.name: getattr(draft, f.name)[order] for f in dataclasses.fields(draft)})


def _roles(draft: _Draft, size: IntArray) -> tuple[IntArray, IntArray]:
    """Household and role of every person of the expanded households."""
    household = np.repeat(np.arange(len(size), dtype=np.int64), size)
    position = position_in_segments(size)
    ends = np.cumsum(
        np.stack(
            [draft.has_husband, draft.has_wife, draft.has_grandfather, draft.has_grandmother],
            axis=1,
        ).astype(np.int64),
        axis=1,
    )[household]
    role = np.full(len(household), CHILD, dtype=np.int64)
    for member in (GRANDMOTHER, GRANDFATHER, WIFE, HUSBAND):
        role[position < ends[:, member]] = member
    return household, role


def _birth_days(draft: _Draft, household: IntArray, role: IntArray, as_of: int) -> IntArray:
    """Adults from their drawn ages; children from their parent's birth and age at birth."""
    age = np.zeros(len(role), dtype=np.float64)
    for member, member_age in (
        (HUSBAND, draft.husband_age),
        (WIFE, draft.wife_age),
        (GRANDFATHER, draft.grandfather_age),
        (GRANDMOTHER, draft.grandmother_age),
    ):
        is_member = role == member
        age[is_member] = member_age[household[is_member]]
    birth = as_of - years(age)
    parent_birth = as_of - years(draft.parent_age)
    child_birth = parent_birth[:, None] + years(draft.child_birth_age)
    birth[role == CHILD] = np.minimum(child_birth[draft.child_kept], as_of - 1)
    return birth


def _deaths(rng: np.random.Generator, birth: IntArray, as_of: int) -> tuple[BoolArray, IntArray]:
    """A few deaths in the last three years, almost all of older people."""
    age = (as_of - birth) / 365.2425
    chance = np.minimum(0.4, 0.0018 * np.exp(0.09 * (age - 40))) * (age >= 40)
    dead = rng.random(len(birth)) < chance
    death = np.maximum(as_of - rng.integers(1, 3 * 365, len(birth)), birth + 1)
    return dead, death.astype(np.int64)


def _members(first: IntArray, kept: IntArray, present: BoolArray, offset: IntArray) -> IntArray:
    """The row of one kind of member in each household, or -1 if absent or cut off."""
    exists = present & (offset < kept)
    member: IntArray = np.where(exists, first + offset, -1)
    return member


def _names(
    rng: np.random.Generator, households: Households, household: IntArray, role: IntArray,
    female: BoolArray,
) -> tuple[IntArray, IntArray, IntArray]:  # fmt: skip
    """(surname, given name, patronymic) vocabulary positions for every person.

    Husbands' fathers are the grandfathers living with them; children take the father's
    surname and name him in their patronymic; most wives take the husband's surname.
    """
    book = name_book()
    sex = female.astype(np.int64)
    group = households.group[household]
    given = book.draw_given(rng, group, sex)
    household_surname = book.draw_surname(rng, households.group)
    surname_base = household_surname[household]
    keeps_maiden = ((role == WIFE) | (role == GRANDMOTHER)) & (
        rng.random(len(role)) < MAIDEN_NAME_KEPT
    )
    surname_base[keeps_maiden] = book.draw_surname(rng, group[keeps_maiden])
    grandfather_name = book.draw_given(
        rng, households.group, np.full(len(households), MALE, dtype=np.int64)
    )
    father = book.draw_given(rng, group, np.full(len(role), MALE, dtype=np.int64))
    father[role == HUSBAND] = grandfather_name[household[role == HUSBAND]]
    given[role == GRANDFATHER] = grandfather_name[household[role == GRANDFATHER]]
    husband = households.husband[household]
    child_with_father = (role == CHILD) & (husband >= 0)
    father[child_with_father] = given[husband[child_with_father]]
    surname = book.surname_forms[surname_base, sex]
    patronymic = book.patronymic_of[father, sex]
    return surname, given, patronymic


def people_draw(
    rng: np.random.Generator, geography: Geography, persons: int, as_of: int
) -> tuple[Households, People]:
    """Exactly ``persons`` people in households (the last household may be cut short)."""
    draft = _sorted_by_address(_enough_households(rng, geography, persons))
    full_size = draft.size
    household, role = _roles(draft, full_size)
    birth = _birth_days(draft, household, role, as_of)
    female = np.where(
        role == CHILD, rng.random(len(role)) < 0.488, (role == WIFE) | (role == GRANDMOTHER)
    )
    household, role, birth = household[:persons], role[:persons], birth[:persons]
    female = female[:persons].astype(np.bool_)
    count = int(household[-1]) + 1
    first = segment_offsets(full_size)[:count]
    kept = np.minimum(full_size[:count], persons - first)
    adults = np.stack(
        [draft.has_husband, draft.has_wife, draft.has_grandfather, draft.has_grandmother], axis=1
    )[:count].astype(np.int64)
    offsets = np.cumsum(adults, axis=1) - adults
    present = adults.astype(np.bool_)
    anchor_age = np.where(draft.has_wife, draft.wife_age, draft.husband_age)[:count]
    settled = np.minimum(rng.exponential(9.0, count), np.maximum(anchor_age - 18, 0.1))
    households = Households(
        locality=draft.locality[:count],
        apartment=draft.apartment[:count],
        kind=draft.kind[:count],
        group=draft.group[:count],
        first=first,
        size=kept,
        husband=_members(first, kept, present[:, 0], offsets[:, 0]),
        wife=_members(first, kept, present[:, 1], offsets[:, 1]),
        grandfather=_members(first, kept, present[:, 2], offsets[:, 2]),
        grandmother=_members(first, kept, present[:, 3], offsets[:, 3]),
        moved_in=as_of - years(settled),
    )
    dead, death = _deaths(rng, birth, as_of)
    surname, given, patronymic = _names(rng, households, household, role, female)
    people = People(
        household=household,
        role=role,
        female=female,
        birth=birth,
        dead=dead,
        death=death,
        surname=surname,
        given=given,
        patronymic=patronymic,
    )
    return households, people


def spouse_pairs(
    rng: np.random.Generator, households: Households, people: People, as_of: int
) -> tuple[IntArray, IntArray, IntArray]:
    """(husband, wife, wedding day) of each married couple, both generations. Couples
    marry after both are 18, within a few years, and before their first child."""
    main = (households.kind != SINGLE) & (households.kind != LONE_PARENT)
    husbands = np.concatenate([households.husband[main], households.grandfather])
    wives = np.concatenate([households.wife[main], households.grandmother])
    eldest = np.concatenate([_eldest_child_birth(households, people)[main],
                             np.where(households.husband >= 0,
                                      people.birth[households.husband], 0)])  # fmt: skip
    married = (husbands >= 0) & (wives >= 0)
    husbands, wives, eldest = husbands[married], wives[married], eldest[married]
    of_age = np.maximum(people.birth[husbands], people.birth[wives]) + years(18.0)
    wedding = of_age + years(rng.uniform(0.5, 6.0, len(husbands)))
    wedding = np.where(eldest > 0, np.minimum(wedding, eldest - 280), wedding)
    return husbands, wives, np.clip(wedding, of_age, as_of - 1)


def _eldest_child_birth(households: Households, people: People) -> IntArray:
    """Birth day of each household's eldest child at home, 0 where there is none."""
    eldest = np.zeros(len(households), dtype=np.int64)
    children = np.flatnonzero(people.role == CHILD)
    # Children come oldest first, so the first one seen per household is the eldest.
    unique, where = np.unique(people.household[children], return_index=True)
    eldest[unique] = people.birth[children[where]]
    return eldest


def parent_pairs(households: Households, people: People) -> tuple[IntArray, IntArray]:
    """(child, parent) rows: children to both parents living with them, husbands to the
    grandparents."""
    children = np.flatnonzero(people.role == CHILD)
    household = people.household[children]
    pairs_child: list[IntArray] = []
    pairs_parent: list[IntArray] = []
    for parent in (households.husband[household], households.wife[household]):
        pairs_child.append(children[parent >= 0])
        pairs_parent.append(parent[parent >= 0])
    for grandparent in (households.grandfather, households.grandmother):
        linked = (grandparent >= 0) & (households.husband >= 0)
        pairs_child.append(households.husband[linked])
        pairs_parent.append(grandparent[linked])
    return np.concatenate(pairs_child), np.concatenate(pairs_parent)
