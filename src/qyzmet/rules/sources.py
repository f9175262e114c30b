"""Where the per-person evaluator reads a person's records.

:class:`ExchangeSource` asks the registries through the exchange, under the caller's
grant, purpose and case number, so the person sees every read in their data tracker:
this is how decisions on applications read. :class:`RegistrySource` reads the registry
tables directly, for work that is not about one person's request (replaying, testing the
evaluators against each other, measuring). Both hand the fact catalogue the same shapes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import Q
from pydantic import TypeAdapter

from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.selectors import local_service_identifier
from qyzmet.registries import models as m
from qyzmet.registries import schemas


class PersonUnknown(Exception):
    """The source has no population record for this IIN, or would not give it."""

    def __init__(self, iin: str, detail: str = "") -> None:
        super().__init__(detail or f"no population record for IIN {iin}")
        self.iin = iin


class PersonUnregistered(PersonUnknown):
    """The population register has no record of this IIN."""


class RegistrySource:
    """Reads the registries of this node directly (no exchange log, no data tracker).

    Made with the IINs of many people (``RegistrySource(iins)``), it reads each list for
    all of them in one query, the first time any of them needs it, so deciding them one by
    one costs a few queries in all instead of a few per person. An IIN outside the batch
    is read on its own. The answers are the same either way (tests/rules/test_sources.py).
    """

    description = "registries"

    def __init__(self, iins: Iterable[str] = ()) -> None:
        self._wanted = list(dict.fromkeys(iins))
        self._records: dict[str, m.PopulationRecord] = {}
        self._lists: dict[str, dict[int, list[Any]]] = {}

    def _record(self, iin: str) -> m.PopulationRecord:
        record = self._records.get(iin)
        if record is None:
            batch = self._wanted if iin in self._wanted and not self._records else [iin]
            found = m.PopulationRecord.objects.select_related("person").filter(
                person__iin__in=batch
            )
            self._records.update((r.person.iin, r) for r in found)
            record = self._records.get(iin)
            if record is None:
                raise PersonUnregistered(iin)
        return record

    def _list(
        self, name: str, iin: str, read: Callable[[list[int]], Iterable[tuple[int, Any]]]
    ) -> list[Any]:
        """The person's records of the list ``name``: ``read`` gives (person id, record)
        pairs for the people it is given, read for everyone known here not read yet."""
        person_id = self._record(iin).person_id
        loaded = self._lists.setdefault(name, {})
        if person_id not in loaded:
            ids = [r.person_id for r in self._records.values() if r.person_id not in loaded]
            for unread in ids:
                loaded[unread] = []
            for owner, item in read(ids):
                loaded[owner].append(item)
        return loaded[person_id]

    def person(self, iin: str) -> m.PopulationRecord:
        return self._record(iin)

    def children(self, iin: str) -> list[m.PopulationRecord]:
        return self._list("children", iin, _children)

    def incomes(self, iin: str) -> list[schemas.IncomeOut]:
        return self._list("incomes", iin, _incomes)

    def household_incomes(self, iin: str) -> list[schemas.IncomeOut]:
        return self._list("household_incomes", iin, _household_incomes)

    def benefits(self, iin: str) -> list[schemas.BenefitOut]:
        return self._list("benefits", iin, _benefits)

    def employments(self, iin: str) -> list[schemas.EmploymentOut]:
        return self._list("employments", iin, _employments)


def _children(ids: list[int]) -> Iterator[tuple[int, m.PopulationRecord]]:
    # One entry per parent link, as the exchange's family links give them.
    links = m.FamilyLink.objects.select_related("person__population").filter(
        relative_id__in=ids, relation=m.FamilyRelation.PARENT, person__population__isnull=False
    )
    for link in links:
        yield link.relative_id, link.person.population


def _incomes(ids: Iterable[int]) -> Iterator[tuple[int, schemas.IncomeOut]]:
    for income in m.Income.objects.select_related("payer").filter(person_id__in=ids):
        yield income.person_id, schemas.income_out(income)


def _household_incomes(ids: list[int]) -> Iterator[tuple[int, schemas.IncomeOut]]:
    """Each person's incomes and those of every current spouse, whichever way the
    marriage is recorded (once, if it is recorded both ways)."""
    household = {person_id: {person_id} for person_id in ids}
    marriages = m.FamilyLink.objects.filter(
        Q(person_id__in=ids) | Q(relative_id__in=ids),
        relation=m.FamilyRelation.SPOUSE,
        until__isnull=True,
    ).values_list("person_id", "relative_id")
    for one, other in marriages:
        for person_id, spouse in ((one, other), (other, one)):
            if person_id in household:
                household[person_id].add(spouse)
    earners: dict[int, list[schemas.IncomeOut]] = defaultdict(list)
    for earner, income in _incomes(
        {member for members in household.values() for member in members}
    ):
        earners[earner].append(income)
    for person_id, members in household.items():
        for member in members:
            for income in earners[member]:
                yield person_id, income


def _benefits(ids: list[int]) -> Iterator[tuple[int, schemas.BenefitOut]]:
    for award in m.BenefitAward.objects.filter(person_id__in=ids):
        yield award.person_id, schemas.benefit_out(award)


def _employments(ids: list[int]) -> Iterator[tuple[int, schemas.EmploymentOut]]:
    for job in m.Employment.objects.select_related("employer").filter(person_id__in=ids):
        yield job.person_id, schemas.employment_out(job)


class ExchangeSource:
    """Reads through the exchange as ``client``, for ``purpose`` and the case ``issue``."""

    def __init__(
        self, client: ExchangeClient, *, purpose: str, issue: str = "", user_id: str = ""
    ) -> None:
        self.client = client
        self.purpose, self.issue, self.user_id = purpose, issue, user_id
        self.description = f"exchange as {client.client} for {purpose} {issue}".strip()

    def _get(self, registry: str, code: str, iin: str, answer: Any) -> Any:
        result = self.client.get(
            local_service_identifier(registry, code), iin,
            purpose=self.purpose, issue=self.issue, user_id=self.user_id,
        )  # fmt: skip
        if result.status == 404 and registry == "population":
            raise PersonUnregistered(iin, f"{registry}/{code} has no record of {iin}")
        if result.status != 200:
            raise PersonUnknown(iin, f"{registry}/{code} answered {result.status} {result.error}")
        return TypeAdapter(answer).validate_json(result.body)

    def person(self, iin: str) -> schemas.PersonOut:
        person: schemas.PersonOut = self._get("population", "person", iin, schemas.PersonOut)
        return person

    def _links(self, iin: str) -> list[schemas.FamilyLinkOut]:
        links: list[schemas.FamilyLinkOut] = self._get(
            "families", "links", iin, list[schemas.FamilyLinkOut]
        )
        return links

    def children(self, iin: str) -> list[schemas.PersonOut]:
        children = []
        for link in self._links(iin):
            if link.relation != "child":
                continue
            try:
                children.append(self.person(link.relative_iin))
            except PersonUnregistered:  # as in the registries: a child is a registered one
                continue
        return children

    def incomes(self, iin: str) -> list[schemas.IncomeOut]:
        incomes: list[schemas.IncomeOut] = self._get(
            "employment", "income-by-period", iin, list[schemas.IncomeOut]
        )
        return incomes

    def household_incomes(self, iin: str) -> list[schemas.IncomeOut]:
        incomes = self.incomes(iin)
        for spouse in sorted(_spouses(self._links(iin))):
            incomes += self.incomes(spouse)
        return incomes

    def benefits(self, iin: str) -> list[schemas.BenefitOut]:
        benefits: list[schemas.BenefitOut] = self._get(
            "benefits", "paid-to", iin, list[schemas.BenefitOut]
        )
        return benefits

    def employments(self, iin: str) -> list[schemas.EmploymentOut]:
        employments: list[schemas.EmploymentOut] = self._get(
            "employment", "jobs", iin, list[schemas.EmploymentOut]
        )
        return employments


def _spouses(links: list[schemas.FamilyLinkOut]) -> set[str]:
    """The IINs of the current spouses among a person's links."""
    return {
        link.relative_iin
        for link in links
        if link.relation == m.FamilyRelation.SPOUSE and link.until is None
    }
