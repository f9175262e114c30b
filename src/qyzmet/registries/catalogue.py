"""Which base registries exist, what they are called and which agency owns each."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from qyzmet.registries import models as m


@dataclass(frozen=True)
class RegistryDefinition:
    code: str
    owner: str  # agency code
    name_kk: str
    name_ru: str
    name_en: str
    models: tuple[type[models.Model], ...]

    def name(self, language: str) -> str:
        return {"kk": self.name_kk, "ru": self.name_ru}.get(language, self.name_en)


REGISTRIES: tuple[RegistryDefinition, ...] = (
    RegistryDefinition("population", "internal-affairs", "Халық тізілімі",
                       "Регистр населения", "Population register", (m.PopulationRecord,)),
    RegistryDefinition("families", "justice", "Отбасылық байланыстар", "Семейные связи",
                       "Family links", (m.FamilyLink,)),
    RegistryDefinition("addresses", "digital", "Мекенжай тіркелімі", "Адресный регистр",
                       "Address register", (m.AddressUnit,)),
    RegistryDefinition("real-estate", "justice", "Жылжымайтын мүлік тіркелімі",
                       "Регистр недвижимости", "Real estate register",
                       (m.RealEstateObject, m.RealEstateOwnership)),
    RegistryDefinition("vehicles", "internal-affairs", "Көлік құралдары тіркелімі",
                       "Регистр транспортных средств", "Vehicle register", (m.Vehicle,)),
    RegistryDefinition("legal-entities", "justice", "Заңды тұлғалар тіркелімі",
                       "Регистр юридических лиц", "Legal entities register",
                       (m.LegalEntityRecord,)),
    RegistryDefinition("employment", "labour", "Жұмыспен қамту және табыс",
                       "Занятость и доходы", "Employment and income",
                       (m.Employment, m.Income)),
    RegistryDefinition("benefits", "labour", "Зейнетақылар мен жәрдемақылар",
                       "Пенсии и пособия", "Pensions and benefits", (m.BenefitAward,)),
)  # fmt: skip

BY_CODE = {registry.code: registry for registry in REGISTRIES}


def registry_of(model: type[models.Model]) -> RegistryDefinition:
    for registry in REGISTRIES:
        if model in registry.models:
            return registry
    raise LookupError(f"{model.__name__} belongs to no registry")
