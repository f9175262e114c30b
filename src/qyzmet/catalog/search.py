"""Finding a service or a life situation by what a person types, in any of the three
languages, in either alphabet, with a typo or two: "tuu", "rozhdenie", "рождения",
"birht" all find the birth of a child.

The catalogue is small (tens to a few hundred entries), so it is searched in memory: each
entry's names and summaries in kk, ru and en become one set of words, written in Latin
letters; a query word matches a word that starts with it or is close to it (difflib's
ratio). The index is rebuilt when the catalogue's versions change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from qyzmet.catalog.definitions import Texts
from qyzmet.catalog.selectors import (
    service_definition,
    services_current,
    situation_definition,
    situations_current,
)

# Kazakh and Russian Cyrillic to Latin, as people type it on a Latin keyboard (one common
# spelling each; the fuzzy match absorbs the rest: "zh"/"j", "kh"/"h").
_LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}  # fmt: skip
_WORD = re.compile(r"[^\W_]+")
CLOSE_ENOUGH = 0.75  # difflib ratio: "birht"/"birth" 0.8, "rojdenie"/"rozhdenie" 0.82
MIN_PREFIX = 3  # "tuu" finds "tuuyn"; "to" finds nothing in particular
MAX_QUERY_WORDS = 8


def latin_words(text: str) -> list[str]:
    """The words of ``text``, lower-cased and written in Latin letters."""
    lowered = text.lower()
    latin = "".join(_LATIN.get(char, char) for char in lowered)
    return _WORD.findall(latin)


@dataclass(frozen=True)
class Entry:
    kind: str  # "service" or "situation"
    code: str
    name: Texts
    summary: Texts
    words: frozenset[str]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float


def _entry(kind: str, code: str, name: Texts, summary: Texts) -> Entry:
    texts = [name.kk, name.ru, name.en, summary.kk, summary.ru, summary.en, code]
    words = {word for text in texts for word in latin_words(text.replace("-", " "))}
    return Entry(kind=kind, code=code, name=name, summary=summary, words=frozenset(words))


@dataclass(frozen=True)
class Index:
    entries: tuple[Entry, ...]
    vocabulary: frozenset[str]  # every word of every entry


@lru_cache(maxsize=4)
def _index(versions: tuple[int, ...]) -> Index:
    entries = [
        _entry("situation", d.code, d.name, d.summary)
        for d in map(situation_definition, situations_current())
    ]
    entries += [
        _entry("service", d.code, d.name, d.summary)
        for d in map(service_definition, services_current())
        if d.opened_by == "applicant"
    ]
    vocabulary = frozenset(word for entry in entries for word in entry.words)
    return Index(entries=tuple(entries), vocabulary=vocabulary)


def catalogue_index() -> Index:
    """Every life situation and every service a person may apply for, as published now."""
    situations = situations_current().values_list("id", flat=True)
    services = services_current().values_list("id", flat=True)
    return _index((*tuple(situations), 0, *tuple(services)))


@lru_cache(maxsize=4096)
def _close_words(query_word: str, vocabulary: frozenset[str]) -> dict[str, float]:
    """The words of the catalogue that ``query_word`` may mean, with how well it matches:
    itself, a word it begins, or one within a typo or two (worked out once a word)."""
    found = {}
    for word in vocabulary:
        if word == query_word:
            found[word] = 1.0
        elif len(query_word) >= MIN_PREFIX and word.startswith(query_word):
            found[word] = 0.9
        elif abs(len(word) - len(query_word)) <= 3:
            matcher = SequenceMatcher(None, query_word, word)
            if matcher.real_quick_ratio() >= CLOSE_ENOUGH and matcher.quick_ratio() >= CLOSE_ENOUGH:
                ratio = matcher.ratio()
                if ratio >= CLOSE_ENOUGH:
                    found[word] = ratio * 0.9
    return found


def _word_score(close: dict[str, float], words: frozenset[str]) -> float:
    return max((close[word] for word in words & close.keys()), default=0.0)


def catalogue_search(query: str) -> list[Hit]:
    """Entries matching every word of ``query`` (up to eight), best first; life situations
    before services when equally good."""
    words = latin_words(query)
    # One-letter words ("a", "и") say nothing on their own, unless they are all there is.
    query_words = ([w for w in words if len(w) > 1] or words)[:MAX_QUERY_WORDS]
    if not query_words:
        return []
    index = catalogue_index()
    close = [_close_words(word, index.vocabulary) for word in query_words]
    hits = []
    for entry in index.entries:
        scores = [_word_score(matches, entry.words) for matches in close]
        if all(scores):
            hits.append(Hit(entry=entry, score=sum(scores) / len(scores)))
    order = {"situation": 0, "service": 1}
    return sorted(hits, key=lambda h: (-h.score, order[h.entry.kind], h.entry.code))
