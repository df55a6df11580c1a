"""Word-by-word comparison of folded queries and names (addressing.matching)."""

import pytest
from django.db import connection

from addressing.matching import (
    Town,
    Vocabulary,
    best_alignment,
    corrections,
    name_align,
    skeleton,
    word_similarity,
)


@pytest.mark.parametrize(
    ("query_word", "name_word", "at_least"),
    [
        ("زتيون", "زيتون", 0.8),  # two letters swapped: one edit
        ("ارعلوي", "علوي", 0.8),  # a typo inside the article, which then stayed on
        ("لاشرقي", "شرقي", 0.8),  # the article's letters swapped
        ("ersal", "irsal", 0.8),  # a transliteration variant
        ("suq", "souq", 0.8),  # the same consonants
        ("mannerhemintie", "mannerheimintie", 0.9),  # a dropped letter in a long word
    ],
)
def test_a_likely_mistyping_is_taken_for_the_word(query_word, name_word, at_least):
    assert word_similarity(query_word, name_word) >= at_least


@pytest.mark.parametrize(
    ("query_word", "name_word"),
    [
        ("خليل", "جليل"),  # a different name one letter away is still less than the same
        ("unionnkatu", "annankatu"),  # same skeleton (nkt), different street
        ("irsal", "ارسال"),  # scripts are compared by their own names, not with each other
    ],
)
def test_a_different_word_scores_below_the_right_one(query_word, name_word):
    assert word_similarity(query_word, name_word) < 0.8


def test_the_skeleton_matches_the_sql_function(db):
    words = ["irsal", "ersal", "munjed", "souq", "kasarmikatu", "tireh", "qalandia"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT w, addressing_skeleton(w) FROM unnest(%s::text[]) AS w", [words])
        in_sql = dict(cursor.fetchall())
    assert {w: skeleton(w) for w in words} == in_sql


def test_a_name_with_a_mistyped_qualifier_beats_the_bare_name():
    query = ["صفد", "شالي"]  # "صفد الشمالي" with a letter dropped
    qualified = name_align(name="صفد شمالي", query=query)
    bare = name_align(name="صفد", query=query)
    assert set(qualified.explained) == {0, 1}
    assert set(bare.explained) == {0}
    # The bare name is wholly in the query; the query is not wholly explained by it.
    assert bare.score == 1.0
    assert sum(qualified.explained.values()) > sum(bare.explained.values())


def test_each_word_is_paired_once():
    alignment = name_align(name="بير بير", query=["بير"])
    assert alignment.score == 0.5
    assert alignment.explained == {0: 1.0}


def test_the_best_of_the_arabic_and_english_names_counts():
    alignment = best_alignment(names=("ارسال", "irsal"), query=["ersal"])
    assert alignment.explained == {0: pytest.approx(word_similarity("ersal", "irsal"))}


def vocabulary(*words):
    return Vocabulary.build(version=1, words=words, towns=[Town(1, ("رام له", "ramallah"))])


def test_corrections_find_short_words_trigrams_miss():
    found = corrections(query=["زتيون", "يره"], vocabulary=vocabulary("زيتون", "بيره", "عيون"))
    assert ("زيتون", 0) in {(c.word, c.source) for c in found}
    assert ("بيره", 1) in {(c.word, c.source) for c in found}
    assert all(c.similarity > 0 for c in found)


def test_a_word_the_register_holds_is_not_corrected():
    assert corrections(query=["بيره"], vocabulary=vocabulary("بيره", "طيره")) == []


def test_an_article_typo_is_corrected_to_the_word_without_it():
    found = corrections(query=["اشلمالي"], vocabulary=vocabulary("شمالي", "جنوبي"))
    assert [c.word for c in found] == ["شمالي"]
