"""The synthetic population generator, run for real on PostgreSQL with a small population.

Most tests need ``transactional_db``: the generator commits each chunk in its own
transaction on its own connections, as it does in production.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from qyzmet.core.models import AuditEntry
from qyzmet.identity.models import Organisation, Person
from qyzmet.identity.national_ids import bin_validate, check_digit, iin_parse
from qyzmet.registries import models as m
from qyzmet.registries.generator import GenerationRefused, GenerationSummary, population_generate
from qyzmet.registries.generator.identifiers import _check_digits
from qyzmet.registries.generator.loading import AUDIT_ACTION

PERSONS = 2_000
CHUNK_SIZE = 700  # three chunks, the last one short
CHUNKS = 3
SEED = 7

transactional = pytest.mark.django_db(transaction=True)


class Interrupted(Exception):
    pass


def generate(**arguments: Any) -> GenerationSummary:
    options: dict[str, Any] = {"persons": PERSONS, "seed": SEED, "chunk_size": CHUNK_SIZE}
    return population_generate(**{**options, **arguments})


@pytest.fixture
def population(transactional_db: None) -> GenerationSummary:
    return generate()


def snapshot() -> dict[str, Any]:
    """Everything the generator decides, without database ids and timestamps."""
    people = sorted(
        m.PopulationRecord.objects.values_list(
            "person__iin", "surname_kk", "given_name_kk", "patronymic_kk", "surname_ru",
            "given_name_ru", "patronymic_ru", "surname_lat", "given_name_lat", "birth_date",
            "sex", "address__code", "registered_since", "death_date",
        )
    )  # fmt: skip
    return {
        "people": people,
        "bins": sorted(Organisation.objects.values_list("bin", flat=True)),
        "vins": sorted(m.Vehicle.objects.values_list("vin", "plate", "make", "year")),
        "cadastral": sorted(m.RealEstateObject.objects.values_list("cadastral_number", "area_dm2")),
        "incomes": sorted(m.Income.objects.values_list("person__iin", "period", "amount")),
        "links": sorted(
            m.FamilyLink.objects.values_list("person__iin", "relative__iin", "relation", "since")
        ),
        "benefits": sorted(m.BenefitAward.objects.values_list("person__iin", "kind", "since")),
    }


@transactional
def test_every_person_has_a_population_record(population: GenerationSummary) -> None:
    assert population.persons_loaded == PERSONS
    assert population.chunks_loaded == CHUNKS
    generated = Person.objects.filter(iin__regex=r"^\d{12}$")
    assert generated.count() == PERSONS
    assert m.PopulationRecord.objects.filter(person__in=generated).count() == PERSONS
    assert not m.PopulationRecord.objects.filter(address__isnull=True).exists()


GENERATED_MODELS = (
    m.AddressUnit, m.PopulationRecord, m.FamilyLink, m.RealEstateObject,
    m.RealEstateOwnership, m.Vehicle, m.LegalEntityRecord, m.Employment, m.Income,
    m.BenefitAward,
)  # fmt: skip


@transactional
def test_every_reference_points_at_an_existing_row(population: GenerationSummary) -> None:
    # The load skips PostgreSQL's per-row foreign key triggers; check every key at once.
    for model in GENERATED_MODELS:
        for field in model._meta.get_fields():
            related = field.related_model
            if not (field.many_to_one or field.one_to_one) or field.auto_created or not related:
                continue
            target = related._default_manager.values("pk")
            orphans = model._default_manager.filter(**{f"{field.name}__isnull": False}).exclude(
                **{f"{field.name}__in": target}
            )
            assert not orphans.exists(), f"{model.__name__}.{field.name}"


@transactional
def test_iins_are_valid_unique_and_encode_birth_date_and_sex(
    population: GenerationSummary,
) -> None:
    rows = list(m.PopulationRecord.objects.values_list("person__iin", "birth_date", "sex"))
    assert len({iin for iin, _, _ in rows}) == PERSONS
    for iin, born, sex in rows:
        facts = iin_parse(iin)
        assert (facts.birth_date, facts.sex) == (born, sex), iin


@transactional
def test_bins_are_valid_and_every_employer_has_a_record(population: GenerationSummary) -> None:
    records = m.LegalEntityRecord.objects.select_related("organisation", "head", "address")
    assert records.count() > PERSONS / 100
    for record in records:
        bin_validate(record.organisation.bin)
        assert record.organisation.bin[:4] == f"{record.registered_on:%y%m}"
        assert all((record.name_kk, record.name_ru, record.name_en))
        assert record.head is not None
        assert record.address is not None
        assert record.address.kind == m.AddressKind.BUILDING


@transactional
def test_the_same_seed_gives_the_same_population(population: GenerationSummary) -> None:
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    generate()
    assert snapshot() == first
    call_command("flush", interactive=False, verbosity=0)
    generate(seed=SEED + 1)
    assert snapshot()["people"] != first["people"]


@transactional
def test_an_interrupted_run_resumes_without_duplicates(transactional_db: None) -> None:
    # Small chunks, so that chunks are still waiting when the first one commits.
    chunk_size, chunks = 250, 8

    def stop_after_the_first_chunk(done: int, total: int) -> None:
        if done > 0:
            raise Interrupted

    with pytest.raises(Interrupted):
        generate(chunk_size=chunk_size, progress=stop_after_the_first_chunk)
    run = m.GenerationRun.objects.get()
    assert run.finished_at is None
    assert 1 <= len(run.chunks_done) < chunks
    assert Person.objects.count() == chunk_size * len(run.chunks_done)
    assert AuditEntry.objects.filter(action=AUDIT_ACTION).count() == len(run.chunks_done)

    resumed = generate(chunk_size=chunk_size)

    assert resumed.chunks_loaded == chunks - len(run.chunks_done)
    assert resumed.persons_loaded == PERSONS - chunk_size * len(run.chunks_done)
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.chunks_done == list(range(chunks))
    assert Person.objects.count() == PERSONS
    assert m.PopulationRecord.objects.count() == PERSONS
    assert AuditEntry.objects.filter(action=AUDIT_ACTION).count() == chunks


@transactional
def test_a_finished_run_started_again_does_nothing(population: GenerationSummary) -> None:
    again = generate()
    assert again.already_complete
    assert again.persons_loaded == 0
    assert Person.objects.count() == PERSONS


@transactional
def test_another_population_or_chunk_size_is_refused(population: GenerationSummary) -> None:
    with pytest.raises(GenerationRefused, match="seed 7 with 2000 persons"):
        generate(seed=SEED + 1)
    with pytest.raises(GenerationRefused, match="seed 7 with 2000 persons"):
        generate(persons=PERSONS + 1)
    with pytest.raises(GenerationRefused, match="chunk size 700"):
        generate(chunk_size=500)
    assert Person.objects.count() == PERSONS


@transactional
def test_one_audit_entry_per_chunk(population: GenerationSummary) -> None:
    entries = AuditEntry.objects.filter(action=AUDIT_ACTION)
    assert entries.count() == CHUNKS
    assert {entry.actor for entry in entries} == {"system:generator"}
    assert sorted(entry.data["chunk"] for entry in entries) == list(range(CHUNKS))
    assert sum(entry.data["persons"] for entry in entries) == PERSONS


@transactional
def test_a_household_lives_at_one_address_and_no_other_does(
    population: GenerationSummary,
) -> None:
    address = dict(m.PopulationRecord.objects.values_list("person_id", "address_id"))
    links = list(m.FamilyLink.objects.values_list("person_id", "relative_id"))
    assert all(address[person] == address[relative] for person, relative in links)
    # Everyone at one address is one family: the links connect all of them.
    parent = {person: person for person in address}

    def root(person: int) -> int:
        while parent[person] != person:
            parent[person] = parent[parent[person]]
            person = parent[person]
        return person

    for person, relative in links:
        parent[root(person)] = root(relative)
    residents: defaultdict[int, set[int]] = defaultdict(set)
    for person, home in address.items():
        residents[home].add(root(person))
    assert all(len(families) == 1 for families in residents.values())
    assert statistics.mean(Counter(address.values()).values()) > 2.5  # people per household


@transactional
def test_parents_are_older_than_their_children(population: GenerationSummary) -> None:
    born = dict(m.PopulationRecord.objects.values_list("person_id", "birth_date"))
    parents = m.FamilyLink.objects.filter(relation=m.FamilyRelation.PARENT)
    assert parents.count() > PERSONS / 3
    for child, parent, since in parents.values_list("person_id", "relative_id", "since"):
        assert born[parent] + timedelta(days=16 * 365) < born[child]
        assert since == born[child]
    for husband, wife, since in m.FamilyLink.objects.filter(
        relation=m.FamilyRelation.SPOUSE
    ).values_list("person_id", "relative_id", "since"):
        assert since >= max(born[husband], born[wife]) + timedelta(days=18 * 365)


@transactional
def test_incomes_are_paid_only_to_employed_living_people(population: GenerationSummary) -> None:
    jobs = {
        (person, employer): started
        for person, employer, started in m.Employment.objects.values_list(
            "person_id", "employer_id", "started_on"
        )
    }
    incomes = list(m.Income.objects.values_list("person_id", "payer_id", "period", "amount"))
    assert len(incomes) > PERSONS
    for person, payer, period, amount in incomes:
        assert (person, payer) in jobs
        assert jobs[person, payer].replace(day=1) <= period
        assert amount >= 85_000_00  # the minimum wage, in tiyn
    dead = set(m.PopulationRecord.objects.filter(death_date__isnull=False).values_list(
        "person_id", flat=True))  # fmt: skip
    assert not dead & {person for person, _, _, _ in incomes}
    periods = sorted({period for _, _, period, _ in incomes})
    assert len(periods) == 6
    assert all(p.day == 1 for p in periods)


@transactional
def test_working_age_majority_works_and_pensions_follow_retirement_age(
    population: GenerationSummary,
) -> None:
    as_of = timezone.localdate().replace(day=1)
    records = {r.person_id: r for r in m.PopulationRecord.objects.filter(death_date__isnull=True)}
    working_age = [r for r in records.values() if 25 <= _age(r.birth_date, as_of) < 55]
    employed = set(m.Employment.objects.values_list("person_id", flat=True))
    assert sum(r.person_id in employed for r in working_age) / len(working_age) > 0.6
    pensions = m.BenefitAward.objects.filter(kind=m.BenefitKind.OLD_AGE_PENSION)
    assert pensions.exists()
    for person, amount in pensions.values_list("person_id", "monthly_amount"):
        record = records[person]
        assert _age(record.birth_date, as_of) >= (63 if record.sex == "M" else 61)
        assert amount > 0


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@transactional
def test_the_age_structure_is_young_and_mostly_kazakh(population: GenerationSummary) -> None:
    as_of = timezone.localdate().replace(day=1)
    ages = [_age(born, as_of) for born in m.PopulationRecord.objects.values_list(
        "birth_date", flat=True)]  # fmt: skip
    assert 27 <= statistics.median(ages) <= 35
    assert 0.25 <= sum(age < 18 for age in ages) / len(ages) <= 0.40
    kazakh = m.PopulationRecord.objects.filter(patronymic_kk__regex=r"(ұлы|қызы)$").count()
    assert 0.6 <= kazakh / PERSONS <= 0.8
    assert m.PopulationRecord.objects.filter(death_date__isnull=False).exists()


@transactional
def test_property_shares_add_up_and_numbers_are_unique(population: GenerationSummary) -> None:
    shares: defaultdict[int, float] = defaultdict(float)
    for estate, numerator, denominator in m.RealEstateOwnership.objects.values_list(
        "estate_id", "share_numerator", "share_denominator"
    ):
        shares[estate] += numerator / denominator
    assert shares
    assert all(abs(total - 1) < 1e-9 for total in shares.values())
    assert len(shares) == m.RealEstateObject.objects.count()
    vins = list(m.Vehicle.objects.values_list("vin", flat=True))
    assert 0.18 <= len(vins) / PERSONS <= 0.28
    assert len(set(vins)) == len(vins)
    assert all(len(vin) == 17 and _vin_check_digit(vin) == vin[8] for vin in vins)


def _vin_check_digit(vin: str) -> str:
    values = {str(d): d for d in range(10)}
    for letters, start in (("ABCDEFGH", 1), ("JKLMN", 1), ("P", 7), ("R", 9), ("STUVWXYZ", 2)):
        values.update({letter: start + i for i, letter in enumerate(letters)})
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    remainder = sum(values[c] * w for c, w in zip(vin, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


@transactional
def test_address_register_is_a_tree_from_regions_to_flats(population: GenerationSummary) -> None:
    units = {u.pk: u for u in m.AddressUnit.objects.all()}
    regions = [u for u in units.values() if u.kind == m.AddressKind.REGION]
    assert len(regions) == 20  # 17 regions and Astana, Almaty, Shymkent
    for unit in units.values():
        if unit.parent_id is None:
            assert unit.kind == m.AddressKind.REGION
        else:
            assert units[unit.parent_id].kind < unit.kind
        assert all((unit.name_kk, unit.name_ru, unit.name_en))


@transactional
def test_per_row_foreign_key_checks_load_the_same_rows(transactional_db: None) -> None:
    summary = population_generate(persons=500, seed=4, chunk_size=200,
                                  per_row_foreign_key_checks=True)  # fmt: skip
    assert summary.chunks_loaded == 3
    assert m.PopulationRecord.objects.count() == 500


@pytest.mark.django_db
def test_inside_a_transaction_chunks_load_one_by_one() -> None:
    summary = population_generate(persons=300, seed=3, chunk_size=100)
    assert summary.chunks_loaded == 3
    assert m.PopulationRecord.objects.count() == 300
    assert m.Income.objects.aggregate(total=Sum("amount"))["total"] > 0


@transactional
def test_the_command_reports_resumes_and_refuses(transactional_db: None) -> None:
    out = io.StringIO()
    call_command("registry_generate", persons=400, seed=5, quiet=True, stdout=out)
    assert "Generated 400 persons (seed 5" in out.getvalue()
    out = io.StringIO()
    call_command("registry_generate", "--persons", "400", "--seed", "5", stdout=out,
                 stderr=io.StringIO())  # fmt: skip
    assert "already complete" in out.getvalue()
    with pytest.raises(CommandError, match="already holds"):
        call_command("registry_generate", persons=400, seed=6, quiet=True)


def test_the_vectorised_check_digit_is_national_ids_check_digit() -> None:
    rng = np.random.default_rng(0)
    digits = rng.integers(0, 10, (20_000, 11))
    expected = [check_digit("".join(map(str, row))) for row in digits.tolist()]
    possible = np.array([value is not None for value in expected])
    computed = _check_digits(digits[possible].astype(np.int64))
    assert computed.tolist() == [value for value in expected if value is not None]
