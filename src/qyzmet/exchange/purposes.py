"""The purposes (legal bases) a fresh installation knows; a country edits this list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PurposeDefinition:
    code: str
    name_kk: str
    name_ru: str
    name_en: str

    def names(self) -> dict[str, str]:
        return {"name_kk": self.name_kk, "name_ru": self.name_ru, "name_en": self.name_en}


DEFAULT_PURPOSES: tuple[PurposeDefinition, ...] = (
    PurposeDefinition(
        "service-delivery",
        "Мемлекеттік қызметті көрсету",
        "Оказание государственной услуги",
        "Delivering a public service",
    ),
    PurposeDefinition(
        "benefit-assignment",
        "Жәрдемақы тағайындау",
        "Назначение пособия",
        "Assigning a benefit",
    ),
    PurposeDefinition(
        "pension-assignment",
        "Зейнетақы тағайындау",
        "Назначение пенсии",
        "Assigning a pension",
    ),
    PurposeDefinition(
        "residence-registration",
        "Тұрғылықты жері бойынша тіркеу",
        "Регистрация по месту жительства",
        "Registering a place of residence",
    ),
    PurposeDefinition(
        "tax-administration",
        "Салық әкімшілігі",
        "Налоговое администрирование",
        "Tax administration",
    ),
    PurposeDefinition(
        "loan-assessment",
        "Несие беру туралы шешім (азаматтың келісімімен)",
        "Решение о выдаче кредита (с согласия гражданина)",
        "Deciding on a loan (with the citizen's consent)",
    ),
)
