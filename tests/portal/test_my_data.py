"""My data: the citizen's own registry records, in their language, and no one else's."""

from __future__ import annotations

import html

import pytest
from django.conf import settings
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from tests.conftest import Persona
from tests.portal.conftest import Household, Neighbour

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def _page(client: Client, language: str = "en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/my-data/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_anonymous_is_sent_to_login(anonymous: Persona) -> None:
    response = anonymous.client.get("/my-data/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/my-data/"


def test_citizen_sees_every_registry_record_of_their_own(
    citizen_a: Persona, household: Household
) -> None:
    assert citizen_a.person is not None
    page = _page(citizen_a.client, "en")
    expected = [
        "Abenov Nurlan",
        citizen_a.person.iin,
        "17 May 1990",
        "Male",  # sex, from the model's choices
        "Kazakhstan",
        "Astana, Esil, Astana, Mangilik El, 12, flat 45",
        # family: who each relative is to the citizen, by name
        "Abenov Serik",
        "Father",
        "Abenova Dana",
        "Daughter",
        "Abenova Zhanar",
        "Wife",
        # real estate
        "Flat",
        "21-320-011-045",
        "Astana, Esil, Astana, Turan, 7, 12",
        "65.43 m²",
        "1/2",
        # vehicle
        "Lada Granta",
        "123ABC01",
        "XTA219010K0123456",
        # employment and recent income
        "Dala Trade LLP",
        "engineer",
        "still employed",
        "October 2026",
        "August 2026",
        "450,000.00 KZT",
        # benefits
        "Childcare benefit (under 1.5 years)",
        "85,000.50 KZT",
    ]
    missing = [text for text in expected if text not in page]
    assert not missing, missing


def test_income_older_than_the_recent_months_is_left_out(
    citizen_a: Persona, household: Household
) -> None:
    page = _page(citizen_a.client, "en")
    assert "Income in the last 12 months" in page
    assert "777,777.00" not in page
    assert "March 2024" not in page


def test_nothing_of_another_citizen_shows(
    citizen_a: Persona, citizen_b: Persona, household: Household, neighbour: Neighbour
) -> None:
    assert citizen_b.person is not None
    for language in ("kk", "ru", "en"):
        page = _page(citizen_a.client, language)
        for secret in (
            citizen_b.person.iin,
            "Bekova",
            "Aigerim",
            neighbour.vin,
            neighbour.cadastral_number,
            neighbour.employer_name,
            "999ZZZ02",
            "999",
        ):
            assert secret not in page, (language, secret)


def test_citizen_b_sees_only_their_own(
    citizen_a: Persona, citizen_b: Persona, household: Household, neighbour: Neighbour
) -> None:
    assert citizen_a.person is not None
    page = _page(citizen_b.client, "en")
    assert "Bekova Aigerim" in page
    assert neighbour.vin in page
    for secret in (citizen_a.person.iin, "Abenov", household.vehicle.vin, "21-320-011-045"):
        assert secret not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "kk",
            [
                "Менің деректерім",
                "Әбенов Нұрлан Серікұлы",
                "1990 жылғы 17 мамыр",
                "Ер",
                "Қазақстан",
                "Әкесі",
                "Әбенов Серік",
                "Қызы",
                "Әйелі",
                "Пәтер",
                f"65,43{NBSP}м²",
                "«Дала Трейд» ЖШС",
                "2026 жылғы қазан",
                f"450{NBSP}000,00{NBSP}₸",
                "Бала күтіміне арналған жәрдемақы (1,5 жасқа дейін)",
                "Соңғы 12 айдағы табыс",
            ],
        ),
        (
            "ru",
            [
                "Мои данные",
                "Абенов Нурлан Серикович",
                f"17 мая 1990{NBSP}г.",
                "Мужской",
                "Казахстан",
                "Отец",
                "Абенов Серик",
                "Дочь",
                "Жена",
                "Квартира",
                f"65,43{NBSP}м²",
                "ТОО «Дала Трейд»",
                f"Октябрь 2026{NBSP}г.",
                f"450{NBSP}000,00{NBSP}₸",
                "Пособие по уходу за ребёнком (до 1,5 лет)",
                "Доходы за последние 12 месяцев",
            ],
        ),
        (
            "en",
            [
                "My data",
                "Abenov Nurlan",
                "17 May 1990",
                "Father",
                "Flat",
                "65.43 m²",
                "October 2026",
                "450,000.00 KZT",
            ],
        ),
    ],
)
def test_records_read_in_the_chosen_language(
    citizen_a: Persona, household: Household, language: str, expected: list[str]
) -> None:
    page = _page(citizen_a.client, language)
    assert f'<html lang="{language}">' in page
    missing = [text for text in expected if text not in page]
    assert not missing, missing


def test_names_use_the_script_of_the_language(citizen_a: Persona, household: Household) -> None:
    assert "Абенов" not in _page(citizen_a.client, "kk")
    assert "Әбенов" not in _page(citizen_a.client, "ru")
    english = _page(citizen_a.client, "en")
    assert "Абенов" not in english
    assert "Әбенов" not in english


@pytest.mark.parametrize(
    ("language", "empty"),
    [
        ("en", ["No family links are recorded.", "No vehicles are registered to you."]),
        ("ru", ["Семейные связи не зарегистрированы.", "Назначенных вам пенсий или пособий нет."]),
        (
            "kk",
            ["Сіздің атыңызға тіркелген жылжымайтын мүлік жоқ.", "Бұл айларда табыс тіркелмеген."],
        ),
    ],
)
def test_empty_sections_say_so(citizen_a: Persona, language: str, empty: list[str]) -> None:
    page = _page(citizen_a.client, language)
    missing = [text for text in empty if text not in page]
    assert not missing, missing


@pytest.mark.parametrize("persona", ["officer_x", "operator"])
def test_staff_are_told_my_data_is_for_citizens(personas: dict[str, Persona], persona: str) -> None:
    page = _page(personas[persona].client, "en")
    assert "My data is for citizens" in page
    assert "Personal details" not in page


def test_query_count_is_pinned(
    citizen_a: Persona, household: Household, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    # Session, account, person, the population record with its address and the address's
    # ancestors, 6 more registry lists (estates with their addresses' ancestors), the
    # relatives' names, then the session save: the same however many estates one owns.
    with django_assert_max_num_queries(16):
        _page(citizen_a.client, "en")
    from datetime import date

    from qyzmet.registries import models as m
    from tests import factories

    estate = m.RealEstateObject.objects.create(
        cadastral_number="21-320-011-046", kind=m.PropertyKind.FLAT,
        address=factories.address("Astana", "Esil", "Astana", "Turan", "9", "3"), area_dm2=4000,
    )  # fmt: skip
    m.RealEstateOwnership.objects.create(
        estate=estate, owner_person=citizen_a.person, share_numerator=1, share_denominator=1,
        since=date(2021, 1, 5),
    )  # fmt: skip
    with django_assert_max_num_queries(16):
        page = _page(citizen_a.client, "en")
    assert "21-320-011-046" in page
