"""Where the per-person evaluator reads a person's records.

:class:`ExchangeSource` asks the registries through the exchange, under the caller's
grant, purpose and case number, so the person sees every read in their data tracker:
this is how decisions on applications read. :class:`RegistrySource` reads the registry
tables directly, for work that is not about one person's request (replaying, testing the
evaluators against each other, measuring). Both hand the fact catalogue the same shapes.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from qyzmet.exchange.client import ExchangeClient
from qyzmet.exchange.selectors import local_service_identifier
from qyzmet.identity.models import Person
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
    """Reads the registries of this node directly (no exchange log, no data tracker)."""

    description = "registries"

    def __init__(self) -> None:
        self._last: m.PopulationRecord | None = None

    def _record(self, iin: str) -> m.PopulationRecord:
        if self._last is None or self._last.person.iin != iin:
            record = (
                m.PopulationRecord.objects.select_related("person").filter(person__iin=iin).first()
            )
            if record is None:
                raise PersonUnregistered(iin)
            self._last = record
        return self._last

    def person(self, iin: str) -> m.PopulationRecord:
        return self._record(iin)

    def children(self, iin: str) -> list[m.PopulationRecord]:
        # One entry per parent link, as the exchange's family links give them.
        links = m.FamilyLink.objects.select_related("person__population").filter(
            relative_id=self._record(iin).person_id,
            relation=m.FamilyRelation.PARENT,
            person__population__isnull=False,
        )
        return [link.person.population for link in links]

    def incomes(self, iin: str) -> list[schemas.IncomeOut]:
        return schemas.incomes_out(self._record(iin).person)

    def household_incomes(self, iin: str) -> list[schemas.IncomeOut]:
        person = self._record(iin).person
        incomes = schemas.incomes_out(person)
        for spouse in Person.objects.filter(iin__in=_spouses(schemas.family_links_out(person))):
            incomes += schemas.incomes_out(spouse)
        return incomes

    def benefits(self, iin: str) -> list[schemas.BenefitOut]:
        return schemas.benefits_out(self._record(iin).person)

    def employments(self, iin: str) -> list[schemas.EmploymentOut]:
        return schemas.employments_out(self._record(iin).person)


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
