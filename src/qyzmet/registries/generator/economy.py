"""Employers, jobs, monthly wages and social payments of one chunk's people.

Employers are legal entities of the chunk's regions (about one per 45 people); most
people of working age work for one in their own region, and are paid a log-normal
wage around their region's mean every month of the last six. Pensions go to everyone
past retirement age; disability, childcare, large-family and targeted assistance
benefits to the people they are meant for. Money is in tiyn (1/100 tenge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

from qyzmet.registries.generator import data
from qyzmet.registries.generator.arrays import (
    BlockSampler,
    BoolArray,
    FloatArray,
    IntArray,
    anniversaries,
    calendar_parts,
    day_number,
    month_starts,
    rank_in_groups,
    years,
)
from qyzmet.registries.generator.columns import Vocabulary
from qyzmet.registries.generator.households import (
    CHILD,
    LONE_PARENT,
    WIFE,
    Households,
    People,
)
from qyzmet.registries.generator.identifiers import bin_for_slot, bin_slot_fits
from qyzmet.registries.generator.names import russian_spelling
from qyzmet.registries.models import BenefitKind

PEOPLE_PER_EMPLOYER = 45
LIQUIDATED_SHARE = 0.07
FIRST_REGISTRATION = date(2000, 1, 1)  # after the agencies' 1999 BINs
_TIYN = 100


@dataclass(frozen=True)
class Employers:
    region: IntArray
    building: IntArray  # building row (among the chunk's buildings) of the office
    kind: IntArray  # position in data.EMPLOYER_KINDS
    registered: IntArray
    liquidated: BoolArray
    bins: list[str]
    names_kk: list[str]
    names_ru: list[str]
    names_en: list[str]

    def __len__(self) -> int:
        return len(self.region)


@dataclass(frozen=True)
class Jobs:
    """Employments (one per employed person) and the incomes they paid."""

    person: IntArray
    employer: IntArray
    position: IntArray  # position in positions()
    started: IntArray
    income_person: IntArray
    income_employer: IntArray
    income_period: IntArray
    income_amount: IntArray


@dataclass(frozen=True)
class Benefits:
    person: IntArray
    kind: IntArray  # position in benefit_kinds()
    monthly_amount: IntArray
    since: IntArray
    until: IntArray
    open_ended: BoolArray


@cache
def positions() -> tuple[Vocabulary, IntArray]:
    """All job titles, and which employer kind each belongs to."""
    titles: list[str] = []
    kinds: list[int] = []
    for kind, employer_kind in enumerate(data.EMPLOYER_KINDS):
        titles.extend(employer_kind.positions)
        kinds.extend([kind] * len(employer_kind.positions))
    return Vocabulary(titles), np.array(kinds, dtype=np.int64)


@cache
def benefit_kinds() -> Vocabulary:
    return Vocabulary([str(kind) for kind in BenefitKind.values])


def _employer_names(
    rng: np.random.Generator, kind: IntArray
) -> tuple[list[str], list[str], list[str]]:
    """Brand names for companies, numbered names for schools, clinics and the like."""
    first = rng.integers(0, len(data.BRAND_FIRST), len(kind)).tolist()
    second = rng.integers(0, len(data.BRAND_SECOND), len(kind)).tolist()
    template = rng.integers(0, len(data.PUBLIC_BODY_NAMES), len(kind)).tolist()
    number = rng.integers(1, 180, len(kind)).tolist()
    names_kk, names_ru, names_en = [], [], []
    for i, k in enumerate(kind.tolist()):
        legal_form = data.EMPLOYER_KINDS[k].legal_form
        if legal_form in {"LLP", "JSC"}:
            kk1, ru1 = russian_spelling(data.BRAND_FIRST[first[i]][0])
            kk2, ru2 = russian_spelling(data.BRAND_SECOND[second[i]][0])
            en = f"{data.BRAND_FIRST[first[i]][1]} {data.BRAND_SECOND[second[i]][1]}"
            suffix_kk, prefix_ru = ("ЖШС", "ТОО") if legal_form == "LLP" else ("АҚ", "АО")
            names_kk.append(f"«{kk1} {kk2}» {suffix_kk}")
            names_ru.append(f"{prefix_ru} «{ru1} {ru2}»")
            names_en.append(f"{en} {legal_form}")
        else:
            kk, ru, en = data.PUBLIC_BODY_NAMES[template[i]]
            names_kk.append(kk.format(n=number[i]))
            names_ru.append(ru.format(n=number[i]))
            names_en.append(en.format(n=number[i]))
    return names_kk, names_ru, names_en


def _registration_days(
    rng: np.random.Generator, count: int, as_of: int, chunk_no: int, chunks_total: int
) -> tuple[IntArray, list[str]]:
    """Registration days and BINs. A month that has run out of BIN slots for this chunk
    (never at realistic sizes) pushes the employer to the month before."""
    earliest = day_number(FIRST_REGISTRATION)
    registered = earliest + (rng.random(count) ** 0.7 * (as_of - 1 - earliest)).astype(np.int64)
    while True:
        month = month_starts(registered)
        rank = rank_in_groups(month)
        full = np.array([not bin_slot_fits(int(r), chunk_no, chunks_total) for r in rank])
        if not full.any():
            break
        registered[full] = month[full] - 1
    year, month_no, _ = calendar_parts(month)
    bins = [
        bin_for_slot(date(int(y), int(m), 1), int(r), chunk_no, chunks_total)
        for y, m, r in zip(year.tolist(), month_no.tolist(), rank.tolist(), strict=True)
    ]
    return registered, bins


def employers_draw(
    rng: np.random.Generator,
    households: Households,
    people: People,
    region: IntArray,
    building: IntArray,
    *,
    as_of: int,
    chunk_no: int,
    chunks_total: int,
) -> Employers:
    """Employers in each region the chunk's people live in, in proportion to them;
    each region's first employer is active, so every region has somewhere to work."""
    people_region = region[people.household]
    counts = np.bincount(people_region, minlength=len(data.REGIONS))
    per_region = np.where(counts > 0, np.maximum(1, np.rint(counts / PEOPLE_PER_EMPLOYER)), 0)
    per_region = per_region.astype(np.int64)
    employer_region = np.repeat(np.arange(len(data.REGIONS), dtype=np.int64), per_region)
    count = len(employer_region)
    household_of_region = BlockSampler(region, np.ones(len(region)), len(data.REGIONS))
    office_household = household_of_region.draw(rng, employer_region)
    kind_weights = np.array([k.weight for k in data.EMPLOYER_KINDS])
    kind = rng.choice(len(kind_weights), size=count, p=kind_weights / kind_weights.sum())
    liquidated = rng.random(count) < LIQUIDATED_SHARE
    liquidated[np.r_[True, employer_region[1:] != employer_region[:-1]]] = False
    registered, bins = _registration_days(rng, count, as_of, chunk_no, chunks_total)
    names_kk, names_ru, names_en = _employer_names(rng, kind)
    return Employers(
        region=employer_region,
        building=building[office_household],
        kind=kind.astype(np.int64),
        registered=registered,
        liquidated=liquidated,
        bins=bins,
        names_kk=names_kk,
        names_ru=names_ru,
        names_en=names_en,
    )


def _employment_chance(people: People, age: FloatArray) -> FloatArray:
    pension_age = np.where(people.female, data.PENSION_AGE_FEMALE, data.PENSION_AGE_MALE)
    # Wage employees only (about a third of the population): the self-employed and
    # farmers have no employer to report their income.
    prime = np.where(people.female, 0.63, 0.75)
    older = np.where(people.female, 0.45, 0.58)
    chance: FloatArray = np.select(
        [age < 18, age < 22, age < 25, age < 55, age < pension_age, age < 70],
        [0.0, 0.2, 0.5, prime, older, 0.1],
        0.0,
    )
    return np.where(people.dead, 0.0, chance)


def jobs_draw(
    rng: np.random.Generator,
    people: People,
    people_region: IntArray,
    employers: Employers,
    *,
    as_of: int,
    income_months: IntArray,
) -> Jobs:
    """Who works where, since when and for how much; incomes for each month worked."""
    age = people.age_on(as_of)
    person = np.flatnonzero(rng.random(len(people)) < _employment_chance(people, age))
    region = people_region[person]
    size = np.array([data.EMPLOYER_KINDS[k].size_weight for k in employers.kind.tolist()])
    size = size * (1 + rng.pareto(1.4, len(employers))) * ~employers.liquidated
    employer = BlockSampler(employers.region, size, len(data.REGIONS)).draw(rng, region)
    titles, title_kind = positions()
    kind = employers.kind[employer]
    position = BlockSampler(title_kind, np.ones(len(titles)), len(data.EMPLOYER_KINDS)).draw(
        rng, kind
    )
    earliest = np.maximum(anniversaries(people.birth[person], 18), employers.registered[employer])
    tenure = years(rng.exponential(5.0, len(person)))
    started = np.clip(as_of - 1 - tenure, earliest, as_of - 1)
    mean_wage = np.array([r.mean_wage_kzt for r in data.REGIONS], dtype=np.float64)[region]
    factor = np.array([k.wage_factor for k in data.EMPLOYER_KINDS])[kind]
    experience = np.clip(0.75 + 0.012 * (age[person] - 18), 0.75, 1.15)
    sigma = data.WAGE_SIGMA
    wage = mean_wage * factor * experience * rng.lognormal(-(sigma**2) / 2, sigma, len(person))
    worked = month_starts(started)[:, None] <= income_months[None, :]
    noise = rng.normal(1.0, 0.04, worked.shape)
    amount = np.rint(np.maximum(wage[:, None] * noise, 85_000)) * _TIYN
    row, month = np.nonzero(worked)
    return Jobs(
        person=person,
        employer=employer,
        position=position,
        started=started,
        income_person=person[row],
        income_employer=employer[row],
        income_period=income_months[month],
        income_amount=amount[row, month].astype(np.int64),
    )


def _amounts(rng: np.random.Generator, median_sigma: tuple[int, float], count: int) -> IntArray:
    median, sigma = median_sigma
    amounts: IntArray = (np.rint(median * rng.lognormal(0, sigma, count)) * _TIYN).astype(np.int64)
    return amounts


def benefits_draw(
    rng: np.random.Generator,
    households: Households,
    people: People,
    employed: BoolArray,
    *,
    as_of: int,
) -> Benefits:
    """Pensions, disability, childcare, large-family and targeted assistance awards."""
    kinds = {kind: i for i, kind in enumerate(BenefitKind.values)}
    alive = ~people.dead
    age = people.age_on(as_of)
    parts: list[tuple[int, IntArray, IntArray, IntArray, IntArray | None]] = []

    pension_age = np.where(people.female, data.PENSION_AGE_FEMALE, data.PENSION_AGE_MALE)
    pensioner = np.flatnonzero(alive & (age >= pension_age))
    since = anniversaries(people.birth[pensioner], pension_age[pensioner])
    parts.append((kinds[BenefitKind.OLD_AGE_PENSION], pensioner,
                  _amounts(rng, data.PENSION_KZT, len(pensioner)), since, None))  # fmt: skip

    chance = np.select([age < 18, age < 60], [0.012, 0.03], 0.07)
    disabled = np.flatnonzero(alive & (rng.random(len(people)) < chance))
    onset = as_of - years(rng.exponential(6, len(disabled)))
    onset = np.maximum(people.birth[disabled] + 180, onset)
    parts.append((kinds[BenefitKind.DISABILITY], disabled,
                  _amounts(rng, data.DISABILITY_KZT, len(disabled)), onset, None))  # fmt: skip

    babies = np.flatnonzero((people.role == CHILD) & (age < 1.5))
    mother = households.wife[people.household[babies]]
    cared = (mother >= 0) & alive[np.maximum(mother, 0)]
    babies, mother = babies[cared], mother[cared]
    parts.append((kinds[BenefitKind.CHILD_CARE], mother,
                  _amounts(rng, data.CHILD_CARE_KZT, len(mother)), people.birth[babies],
                  people.birth[babies] + 548))  # fmt: skip

    minors = (people.role == CHILD) & (age < 18)
    minors_per_household = np.bincount(people.household[minors], minlength=len(households))
    large = (minors_per_household >= 4) & (households.wife >= 0)
    mothers = households.wife[large]
    mothers = mothers[alive[mothers]]
    parts.append((kinds[BenefitKind.LARGE_FAMILY], mothers,
                  _amounts(rng, data.LARGE_FAMILY_KZT, len(mothers)),
                  as_of - years(rng.uniform(0.2, 6, len(mothers))), None))  # fmt: skip

    earners = np.bincount(people.household[employed], minlength=len(households))
    poor = (
        (earners == 0)
        & (minors_per_household > 0)
        & (households.kind == LONE_PARENT)
        & (rng.random(len(households)) < 0.6)
    )
    applicant = households.first[poor]
    applicant = applicant[alive[applicant] & (people.role[applicant] <= WIFE)]
    parts.append((kinds[BenefitKind.TARGETED_ASSISTANCE], applicant,
                  _amounts(rng, data.TARGETED_ASSISTANCE_KZT, len(applicant)),
                  as_of - 30 * rng.integers(1, 12, len(applicant)), None))  # fmt: skip
    return _benefits_joined(parts)


def _benefits_joined(
    parts: list[tuple[int, IntArray, IntArray, IntArray, IntArray | None]],
) -> Benefits:
    """All awards in one table, ordered by person (the order their indexes like)."""
    person = np.concatenate([p for _, p, _, _, _ in parts])
    kind = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p, _, _, _ in parts])
    amount = np.concatenate([a for _, _, a, _, _ in parts])
    since = np.concatenate([s for _, _, _, s, _ in parts])
    until = np.concatenate(
        [u if u is not None else np.zeros(len(p), dtype=np.int64) for _, p, _, _, u in parts]
    )
    open_ended = np.concatenate([np.full(len(p), u is None) for _, p, _, _, u in parts])
    order = np.argsort(person, kind="stable")
    return Benefits(
        person=person[order],
        kind=kind[order],
        monthly_amount=amount[order],
        since=since[order].astype(np.int64),
        until=until[order],
        open_ended=open_ended[order],
    )


def heads_choose(
    rng: np.random.Generator,
    people: People,
    people_region: IntArray,
    employers: Employers,
    jobs: Jobs,
    *,
    as_of: int,
) -> IntArray:
    """The head of each employer: one of its own workers aged 25 or more when it has one,
    else a living adult of its region (the owner of a one-person company)."""
    age = people.age_on(as_of)
    adults = ~people.dead & (age >= 25) & (age < 70)
    candidates = adults[jobs.person]
    workers = BlockSampler(
        jobs.employer[candidates], np.ones(int(candidates.sum())), len(employers)
    )
    staffed = workers.has_items(np.arange(len(employers), dtype=np.int64))
    head = np.empty(len(employers), dtype=np.int64)
    head[staffed] = jobs.person[candidates][workers.draw(rng, np.flatnonzero(staffed))]
    owners = BlockSampler(people_region[adults], np.ones(int(adults.sum())), len(data.REGIONS))
    unstaffed = np.flatnonzero(~staffed)
    regions = employers.region[unstaffed]
    local = owners.has_items(regions)
    head[unstaffed[local]] = np.flatnonzero(adults)[owners.draw(rng, regions[local])]
    # A region with no adult of 25-69 in this chunk (tiny chunks only): anyone alive.
    elsewhere = unstaffed[~local]
    living = np.flatnonzero(~people.dead) if not people.dead.all() else np.arange(len(people))
    head[elsewhere] = living[rng.integers(0, len(living), len(elsewhere))]
    return head
