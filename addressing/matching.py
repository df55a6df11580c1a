"""How a query's words are compared with a name's words, and corrected against the register.

Names and queries are folded alike first (``addressing_normalize``, see addressing.search);
what is left to compare are words with typos, and this module compares them:

- ``word_similarity``: 1 - the optimal string alignment distance (an edit is a dropped, added
  or replaced letter or two neighbours swapped) / the longer word's length. An Arabic word is
  also compared with the name word's article put back, because a typo inside the article
  (``ارعلوي``, ``لاشرقي`` for ``العلوي``, ``الشرقي``) keeps the query's word from being folded
  like the name's. A Latin word is also compared by its consonant skeleton (transliterations:
  Souq and Suq, Kurum and Kirum), at 0.95 and weighted by how alike the spelled words are.
- ``name_align``: how fully a name is in the query (each name word paired with its own query
  word, best pairs first) and which query words the name explains, and how well.
- ``corrections``: the register's words within one edit of a short query word, or two of a long
  one. Trigrams find a name from a long word with a typo, but one swapped letter in a word of
  four or five letters (``زتيون``) leaves too few trigrams in common; the corrected words find
  such names through the same indexes.

The register's words (the ``Vocabulary``) are read once per process and read again whenever a
name of a street, area, place or town changes (a sequence that triggers bump, see migration
0005), so a renamed street is corrected towards by the next query.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

ARTICLE = "ال"
# Below this, two words are not taken for one another.
MIN_WORD_SIMILARITY = 0.6
SKELETON_WEIGHT = 0.95
# The corrections kept per query word, nearest first.
MAX_CORRECTIONS = 6
# The word list is read again at least this often (seconds), whatever the version says: a
# change that commits while another session rebuilds its list cannot hide for longer.
VOCABULARY_MAX_AGE = 60.0
_ARABIC = re.compile("[\u0600-\u06ff]")


@lru_cache(maxsize=65536)
def is_arabic(word: str) -> bool:
    return _ARABIC.search(word) is not None


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The consonant skeleton of one folded Latin word, as ``addressing_skeleton`` makes it:
    q read as k, a final h after a vowel dropped, vowels dropped, doubled letters collapsed."""
    word = re.sub(r"([aeiou])h$", r"\1", word.replace("q", "k"))
    return re.sub(r"(.)\1+", r"\1", re.sub("[aeiou]", "", word))


def word_similarity(query_word: str, name_word: str) -> float:
    """From 0 to 1: how likely ``query_word`` is ``name_word`` mistyped (both folded)."""
    if query_word == name_word:
        return 1.0
    arabic = is_arabic(name_word)
    if arabic != is_arabic(query_word):
        return 0.0
    best = OSA.normalized_similarity(query_word, name_word)
    if arabic:
        best = max(best, OSA.normalized_similarity(query_word, ARTICLE + name_word))
    elif not query_word.isdigit():
        q, n = skeleton(query_word), skeleton(name_word)
        if len(q) >= 2 and len(n) >= 2:
            # Skeletons alone would take Unioninkatu for Annankatu (both nkt): the spelled
            # words' own likeness counts for half.
            alike = OSA.normalized_similarity(q, n)
            best = max(best, SKELETON_WEIGHT * alike * (0.5 + 0.5 * best))
    return best if best >= MIN_WORD_SIMILARITY else 0.0


@dataclass(frozen=True)
class Alignment:
    """``score``: the mean, over the name's words, of the similarity of the query word paired
    with each (0 for a name word the query lacks). ``explained``: query word index ->
    similarity, for the query words the name accounts for."""

    score: float
    explained: dict[int, float]


NO_ALIGNMENT = Alignment(0.0, {})


def name_align(*, name: str, query: Sequence[str]) -> Alignment:
    """Pair the words of a folded ``name`` with the folded ``query`` words, best pairs first,
    each word used once."""
    name_words = name.split()
    if not name_words or not query:
        return NO_ALIGNMENT
    pairs = sorted(
        (
            (word_similarity(q, n), qi, ni)
            for qi, q in enumerate(query)
            for ni, n in enumerate(name_words)
        ),
        reverse=True,
    )
    used_names: set[int] = set()
    explained: dict[int, float] = {}
    for similarity, qi, ni in pairs:
        if similarity == 0.0:
            break
        if qi in explained or ni in used_names:
            continue
        explained[qi] = similarity
        used_names.add(ni)
    return Alignment(sum(explained.values()) / len(name_words), explained)


def best_alignment(*, names: Sequence[str], query: Sequence[str]) -> Alignment:
    """The best of a feature's names (Arabic, English) against the query."""
    return max(
        (name_align(name=name, query=query) for name in names if name),
        key=lambda a: a.score,
        default=NO_ALIGNMENT,
    )


# -- the register's words ----------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    id: int
    names: tuple[str, ...]  # folded


@dataclass(frozen=True)
class Vocabulary:
    version: int
    words: tuple[str, ...]
    with_article: tuple[str, ...]  # the Arabic words with the article put back
    arabic_of: tuple[str, ...]  # the word each of with_article stands for
    towns: tuple[Town, ...]
    read_at: float

    @classmethod
    def build(cls, *, version: int, words: Sequence[str], towns: Sequence[Town]) -> Vocabulary:
        words = tuple(sorted(set(words)))
        arabic = [w for w in words if is_arabic(w)]
        return cls(
            version=version,
            words=words,
            with_article=tuple(ARTICLE + w for w in arabic),
            arabic_of=tuple(arabic),
            towns=tuple(towns),
            read_at=time.monotonic(),
        )


@dataclass(frozen=True)
class Correction:
    word: str  # a word of the register
    source: int  # the index of the query word it corrects
    similarity: float


def corrections(*, query: Sequence[str], vocabulary: Vocabulary) -> list[Correction]:
    """For each query word of three letters or more that the register does not hold as it
    is, the register's words at most one edit away (two for words of six letters or more),
    nearest first."""
    known = set(vocabulary.words)
    found: list[Correction] = []
    for index, word in enumerate(query):
        if len(word) < 3 or word.isdigit() or word in known:
            continue
        limit = 1 if len(word) <= 5 else 2
        near: dict[str, int] = {}
        for match, distance, _at in process.extract(
            word, vocabulary.words, scorer=OSA.distance, score_cutoff=limit, limit=None
        ):
            near[match] = distance
        if is_arabic(word):
            for _match, distance, at in process.extract(
                word, vocabulary.with_article, scorer=OSA.distance, score_cutoff=1, limit=None
            ):
                plain = vocabulary.arabic_of[at]
                near[plain] = min(distance, near.get(plain, distance))
        nearest = sorted(near.items(), key=lambda item: (item[1], item[0]))[:MAX_CORRECTIONS]
        found += [
            Correction(match, index, word_similarity(word, match)) for match, _distance in nearest
        ]
    return [c for c in found if c.similarity > 0.0]


class VocabularyCache:
    """One word list per database, read again when the names' version moves on."""

    def __init__(self) -> None:
        self._lists: dict[str, Vocabulary] = {}
        self._lock = threading.Lock()

    def get(self, *, database: str, version: int, load) -> Vocabulary:
        """The word list of ``database`` at ``version``; ``load(version)`` reads it."""
        current = self._lists.get(database)
        fresh = current is not None and current.version == version
        if fresh and time.monotonic() - current.read_at < VOCABULARY_MAX_AGE:
            return current
        with self._lock:
            current = self._lists.get(database)
            if (
                current is None
                or current.version != version
                or time.monotonic() - current.read_at >= VOCABULARY_MAX_AGE
            ):
                current = load(version)
                self._lists[database] = current
            return current


vocabularies = VocabularyCache()
