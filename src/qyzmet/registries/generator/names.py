"""Personal names in Kazakh, Russian and Latin script, as vocabularies the population
columns point into: given names, surnames in both gendered forms, and patronymics.

Kazakh patronymics are the father's name + ``ұлы`` (son) or ``қызы`` (daughter) in
Kazakh and + ``-ович``/``-овна`` in Russian; other patronymics are the Russian form in
both scripts, as in Kazakh documents. Latin forms follow the passport transliteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from qyzmet.registries.generator import data
from qyzmet.registries.generator.arrays import BlockSampler, IntArray, zipf_weights
from qyzmet.registries.generator.columns import Vocabulary

_KAZAKH_TO_RUSSIAN = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")
_LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_VOWELS = "аеёиоуыэюя"
MALE, FEMALE = 0, 1


def latin(cyrillic: str) -> str:
    """Transliterate a Kazakh or Russian name to Latin letters, keeping capitals."""
    out = []
    for char in cyrillic:
        lower = char.lower()
        mapped = _LATIN.get(lower, lower)
        out.append(mapped.capitalize() if char != lower else mapped)
    return "".join(out)


def russian_spelling(entry: str) -> tuple[str, str]:
    """(Kazakh, Russian) spellings of a ``"kk"`` or ``"kk|ru"`` data entry."""
    kazakh, _, russian = entry.partition("|")
    return kazakh, russian or kazakh.translate(_KAZAKH_TO_RUSSIAN)


def feminine_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    return surname  # Шевченко, Ким, Шмидт do not change


def russian_patronymic(father: str, sex: int) -> str:
    """Нурлан -> Нурланович / Нурлановна; Али -> Алиевич; Абылай -> Абылаевич."""
    if father.endswith(("й", "ь")):
        stem = father[:-1] + "е"
    elif father[-1] in _VOWELS:
        stem = father + "е"
    else:
        stem = father + "о"
    return stem + ("вна" if sex == FEMALE else "вич")


@dataclass(frozen=True)
class _Given:
    kk: str
    ru: str
    group: int  # ethnic group whose parents choose it
    sex: int
    weight: float
    patronymic_kk: tuple[str, str]  # (son, daughter), empty for women's names
    patronymic_ru: tuple[str, str]


@dataclass(frozen=True)
class _Surname:
    kk: str
    ru: str
    group: int
    weight: float


def _kazakh_given() -> list[_Given]:
    names = []
    for sex, entries in ((MALE, data.KAZAKH_MALE), (FEMALE, data.KAZAKH_FEMALE)):
        weights = zipf_weights(len(entries))
        for entry, weight in zip(entries, weights, strict=True):
            kk, ru = russian_spelling(entry)
            patronymic_kk = (kk + "ұлы", kk + "қызы") if sex == MALE else ("", "")
            patronymic_ru = (
                (russian_patronymic(ru, MALE), russian_patronymic(ru, FEMALE))
                if sex == MALE
                else ("", "")
            )
            names.append(_Given(kk, ru, data.KAZAKH, sex, float(weight), patronymic_kk,
                                patronymic_ru))  # fmt: skip
    return names


def _slavic_given(group: int) -> list[_Given]:
    names = []
    for entry, weight in zip(data.SLAVIC_MALE, zipf_weights(len(data.SLAVIC_MALE)), strict=True):
        name, son, daughter = entry.split("|")
        names.append(_Given(name, name, group, MALE, float(weight), (son, daughter),
                            (son, daughter)))  # fmt: skip
    female = zip(data.SLAVIC_FEMALE, zipf_weights(len(data.SLAVIC_FEMALE)), strict=True)
    for name, weight in female:
        names.append(_Given(name, name, group, FEMALE, float(weight), ("", ""), ("", "")))
    return names


def _turkic_given(group: int, male: tuple[str, ...], female: tuple[str, ...]) -> list[_Given]:
    names = []
    for name, weight in zip(male, zipf_weights(len(male)), strict=True):
        forms = (russian_patronymic(name, MALE), russian_patronymic(name, FEMALE))
        names.append(_Given(name, name, group, MALE, float(weight), forms, forms))
    for name, weight in zip(female, zipf_weights(len(female)), strict=True):
        names.append(_Given(name, name, group, FEMALE, float(weight), ("", ""), ("", "")))
    return names


def _surnames() -> list[_Surname]:
    lists = (
        (data.KAZAKH, data.KAZAKH_SURNAMES),
        (data.SLAVIC, data.SLAVIC_SURNAMES),
        (data.UZBEK, data.UZBEK_SURNAMES),
        (data.TATAR, data.TATAR_SURNAMES),
        (data.KOREAN, data.KOREAN_SURNAMES),
        (data.GERMAN, data.GERMAN_SURNAMES),
    )
    surnames = []
    for group, entries in lists:
        for entry, weight in zip(entries, zipf_weights(len(entries), 20.0), strict=True):
            kk, ru = russian_spelling(entry)
            surnames.append(_Surname(kk, ru, group, float(weight)))
    return surnames


# Koreans and Germans of Kazakhstan mostly have Russian given names and patronymics.
_GIVEN_NAME_GROUP = {
    data.KAZAKH: data.KAZAKH,
    data.SLAVIC: data.SLAVIC,
    data.UZBEK: data.UZBEK,
    data.TATAR: data.TATAR,
    data.KOREAN: data.SLAVIC,
    data.GERMAN: data.SLAVIC,
}


@dataclass(frozen=True)
class NameBook:
    """Vocabularies of the name columns, and how to draw from them.

    ``surname_forms[s, sex]`` is the position of surname ``s`` in that sex's form;
    ``patronymic_of[g, sex]`` is the patronymic a child of sex ``sex`` gets from a
    father with given name ``g``.
    """

    given_kk: Vocabulary
    given_ru: Vocabulary
    given_lat: Vocabulary
    surname_kk: Vocabulary
    surname_ru: Vocabulary
    surname_lat: Vocabulary
    patronymic_kk: Vocabulary
    patronymic_ru: Vocabulary
    surname_forms: IntArray
    patronymic_of: IntArray
    given_sampler: BlockSampler  # blocks: given-name group * 2 + sex
    surname_sampler: BlockSampler  # blocks: ethnic group

    def draw_given(self, rng: np.random.Generator, group: IntArray, sex: IntArray) -> IntArray:
        name_group = np.array([_GIVEN_NAME_GROUP[g] for g in range(6)], dtype=np.int64)[group]
        return self.given_sampler.draw(rng, name_group * 2 + sex)

    def draw_surname(self, rng: np.random.Generator, group: IntArray) -> IntArray:
        return self.surname_sampler.draw(rng, group)


@cache
def name_book() -> NameBook:
    """The name vocabularies (built once per process)."""
    given = (
        _kazakh_given()
        + _slavic_given(data.SLAVIC)
        + _turkic_given(data.UZBEK, data.UZBEK_MALE, data.UZBEK_FEMALE)
        + _turkic_given(data.TATAR, data.TATAR_MALE, data.TATAR_FEMALE)
    )
    surnames = _surnames()
    surname_words: list[tuple[str, str]] = []
    forms = np.zeros((len(surnames), 2), dtype=np.int64)
    for i, surname in enumerate(surnames):
        forms[i, MALE] = len(surname_words)
        surname_words.append((surname.kk, surname.ru))
        forms[i, FEMALE] = len(surname_words)
        surname_words.append((feminine_surname(surname.kk), feminine_surname(surname.ru)))
    # Patronymic 0 is the empty one, for records that have none.
    patronymic_words: list[tuple[str, str]] = [("", "")]
    patronymic_of = np.zeros((len(given), 2), dtype=np.int64)
    for i, name in enumerate(given):
        if name.sex != MALE:
            continue
        for sex in (MALE, FEMALE):
            patronymic_of[i, sex] = len(patronymic_words)
            patronymic_words.append((name.patronymic_kk[sex], name.patronymic_ru[sex]))
    lat_source = [g.kk if g.group == data.KAZAKH else g.ru for g in given]
    return NameBook(
        given_kk=Vocabulary([g.kk for g in given]),
        given_ru=Vocabulary([g.ru for g in given]),
        given_lat=Vocabulary([latin(name) for name in lat_source]),
        surname_kk=Vocabulary([kk for kk, _ in surname_words]),
        surname_ru=Vocabulary([ru for _, ru in surname_words]),
        surname_lat=Vocabulary([latin(kk) for kk, _ in surname_words]),
        patronymic_kk=Vocabulary([kk for kk, _ in patronymic_words]),
        patronymic_ru=Vocabulary([ru for _, ru in patronymic_words]),
        surname_forms=forms,
        patronymic_of=patronymic_of,
        given_sampler=BlockSampler(
            np.array([g.group * 2 + g.sex for g in given], dtype=np.int64),
            np.array([g.weight for g in given], dtype=np.float64),
            block_count=12,
        ),
        surname_sampler=BlockSampler(
            np.array([s.group for s in surnames], dtype=np.int64),
            np.array([s.weight for s in surnames], dtype=np.float64),
            block_count=6,
        ),
    )
