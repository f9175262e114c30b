"""The services this node's registries publish on the exchange.

Each is a read keyed by the first path segment (an IIN, or a BIN for legal entities):
``GET /r1/QZ/GOV/990240000010/population/person/{iin}``. The shapes are the registry
API's own (:mod:`qyzmet.registries.schemas`), so both describe a record the same way.
To publish another, add a :class:`LocalService` to :data:`LOCAL_SERVICES` and run
``qyzmet exchange init`` (see docs/exchange.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import TypeAdapter

from qyzmet.identity.models import Person
from qyzmet.registries import models as m
from qyzmet.registries import schemas
from qyzmet.registries import selectors as registry


class ProviderError(Exception):
    """The provider cannot answer: no such record, or a bad query parameter."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Handler = Callable[[str, Mapping[str, str]], Any]


@dataclass(frozen=True)
class LocalService:
    registry: str  # the subsystem that publishes it: the registry's code
    code: str
    title_kk: str
    title_ru: str
    title_en: str
    answer: Any  # the response type, for validation and the OpenAPI description
    handler: Handler
    key: str = "iin"
    personal_data: bool = True
    consent_required: bool = False
    evidence_mode: str = "metadata"
    query: Mapping[str, str] = field(default_factory=dict)  # parameter → description

    def respond(self, key: str, query: Mapping[str, str]) -> bytes:
        unknown = set(query) - set(self.query)
        if unknown:
            raise ProviderError(400, f"Unknown query parameter: {', '.join(sorted(unknown))}.")
        adapter: TypeAdapter[Any] = TypeAdapter(self.answer)
        return adapter.dump_json(self.handler(key, query))

    def openapi(self, service_id: str) -> dict[str, Any]:
        """An OpenAPI 3.1 description of the service as its clients call it."""
        parameters = [
            {"name": self.key, "in": "path", "required": True, "schema": {"type": "string"}}
        ] + [
            {"name": name, "in": "query", "required": False, "description": text,
             "schema": {"type": "string"}}
            for name, text in self.query.items()
        ]  # fmt: skip
        schema = TypeAdapter(self.answer).json_schema(ref_template="#/components/schemas/{model}")
        definitions = schema.pop("$defs", {})
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title_en, "version": "1"},
            "paths": {
                f"/r1/{service_id}/{{{self.key}}}": {
                    "get": {
                        "operationId": self.code,
                        "summary": self.title_en,
                        "parameters": parameters,
                        "responses": {
                            "200": {"content": {"application/json": {"schema": schema}}},
                        },
                    }
                }
            },
            "components": {"schemas": definitions},
        }


def _person(iin: str) -> Person:
    person = Person.objects.filter(iin=iin).first()
    if person is None:
        raise ProviderError(404, "No person with this IIN is in the registry.")
    return person


def _month(query: Mapping[str, str], name: str) -> date | None:
    text = query.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError as error:
        raise ProviderError(400, f"{name} must be a month written YYYY-MM.") from error


def _population_person(iin: str, query: Mapping[str, str]) -> schemas.PersonOut:
    # One query for the record and its address with every ancestor (the hot path).
    record = registry.population_record_by_iin(iin)
    if record is None:
        _person(iin)  # no person: say so
        raise ProviderError(404, "No population record for this IIN.")
    return schemas.person_out(record, iin)


def _incomes(iin: str, query: Mapping[str, str]) -> list[schemas.IncomeOut]:
    since, until = _month(query, "from"), _month(query, "to")
    incomes = schemas.incomes_out(_person(iin), since=since)
    return [i for i in incomes if until is None or i.period <= until]


def _legal_entity(bin_: str, query: Mapping[str, str]) -> schemas.LegalEntityOut:
    record = (
        m.LegalEntityRecord.objects.select_related("organisation", "address")
        .filter(organisation__bin=bin_)
        .first()
    )
    if record is None:
        raise ProviderError(404, "No legal entity with this BIN is in the registry.")
    return schemas.legal_entity_out(record)


_PERIOD = {"from": "first month, YYYY-MM", "to": "last month, YYYY-MM"}

LOCAL_SERVICES: tuple[LocalService, ...] = (
    LocalService(
        "population", "person",
        "Тұлғаның халық тіркелімі жазбасы", "Запись о лице в регистре населения",
        "A person's population record",
        schemas.PersonOut, _population_person,
    ),
    LocalService(
        "families", "links",
        "Тұлғаның отбасылық байланыстары", "Семейные связи лица", "A person's family links",
        list[schemas.FamilyLinkOut], lambda iin, q: schemas.family_links_out(_person(iin)),
    ),
    LocalService(
        "real-estate", "owned-by",
        "Тұлғаның меншігіндегі жылжымайтын мүлік", "Недвижимость в собственности лица",
        "Real estate a person owns",
        list[schemas.OwnershipOut], lambda iin, q: schemas.ownerships_out(_person(iin)),
    ),
    LocalService(
        "vehicles", "owned-by",
        "Тұлғаның көлік құралдары", "Транспортные средства лица", "Vehicles a person owns",
        list[schemas.VehicleOut],
        lambda iin, q: [schemas.vehicle_out(v) for v in registry.vehicles_owned_by(_person(iin))],
    ),
    LocalService(
        "employment", "jobs",
        "Тұлғаның жұмыс орындары", "Места работы лица", "A person's employments",
        list[schemas.EmploymentOut], lambda iin, q: schemas.employments_out(_person(iin)),
    ),
    LocalService(
        "employment", "income-by-period",
        "Кезең бойынша табыс", "Доходы за период", "Monthly incomes over a period",
        list[schemas.IncomeOut], _incomes, query=_PERIOD,
    ),
    LocalService(
        "employment", "income-statement",
        "Табыс туралы анықтама (азаматтың келісімімен)",
        "Справка о доходах (с согласия гражданина)",
        "Income statement (with the citizen's consent)",
        list[schemas.IncomeOut], _incomes, query=_PERIOD,
        consent_required=True, evidence_mode="full",
    ),
    LocalService(
        "benefits", "paid-to",
        "Тұлғаға төленетін зейнетақылар мен жәрдемақылар",
        "Пенсии и пособия, выплачиваемые лицу", "Pensions and benefits paid to a person",
        list[schemas.BenefitOut], lambda iin, q: schemas.benefits_out(_person(iin)),
    ),
    LocalService(
        "legal-entities", "entity",
        "Заңды тұлға", "Юридическое лицо", "A legal entity",
        schemas.LegalEntityOut, _legal_entity, key="bin", personal_data=False,
    ),
)  # fmt: skip

BY_ROUTE: dict[tuple[str, str], LocalService] = {(s.registry, s.code): s for s in LOCAL_SERVICES}
