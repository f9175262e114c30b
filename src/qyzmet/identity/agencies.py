"""The state bodies a fresh installation starts with (synthetic BINs; a country edits this)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgencyDefinition:
    code: str
    bin: str
    name_kk: str
    name_ru: str
    name_en: str


DEFAULT_AGENCIES: tuple[AgencyDefinition, ...] = (
    AgencyDefinition(
        "internal-affairs", "990240000010",
        "Қазақстан Республикасы Ішкі істер министрлігі",
        "Министерство внутренних дел Республики Казахстан",
        "Ministry of Internal Affairs",
    ),
    AgencyDefinition(
        "justice", "990240000020",
        "Қазақстан Республикасы Әділет министрлігі",
        "Министерство юстиции Республики Казахстан",
        "Ministry of Justice",
    ),
    AgencyDefinition(
        "labour", "990240000030",
        "Қазақстан Республикасы Еңбек және халықты әлеуметтік қорғау министрлігі",
        "Министерство труда и социальной защиты населения Республики Казахстан",
        "Ministry of Labour and Social Protection",
    ),
    AgencyDefinition(
        "revenue", "990240000040",
        "Мемлекеттік кірістер комитеті",
        "Комитет государственных доходов",
        "State Revenue Committee",
    ),
    AgencyDefinition(
        "digital", "990240000050",
        "Қазақстан Республикасы Цифрлық даму министрлігі",
        "Министерство цифрового развития Республики Казахстан",
        "Ministry of Digital Development",
    ),
    AgencyDefinition(
        "education", "990240000060",
        "Қазақстан Республикасы Оқу-ағарту министрлігі",
        "Министерство просвещения Республики Казахстан",
        "Ministry of Education",
    ),
    # Runs public procurement's review body (complaints, docs/procurement.md).
    AgencyDefinition(
        "finance", "990240000070",
        "Қазақстан Республикасы Қаржы министрлігі",
        "Министерство финансов Республики Казахстан",
        "Ministry of Finance",
    ),
)  # fmt: skip
