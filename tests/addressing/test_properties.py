"""Properties of postcode parsing, Arabic normalisation and house numbering, checked by
hypothesis over generated inputs (a fixed seed: the same examples on every run)."""

from __future__ import annotations

import re
import string
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addressing.postcodes import postcode_format, postcode_parse
from addressing.services import _plan_side
from core.errors import InvalidInput

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
zones = st.from_regex(r"\A[0-9]{3}\Z")
points = st.integers(min_value=1, max_value=9999)


@given(zone=zones, point=points, separators=st.sampled_from(["", " ", "-", " - "]),
       arabic=st.booleans(), lower=st.booleans())  # fmt: skip
def test_a_postcode_typed_any_way_people_type_it_parses_to_itself(
    zone, point, separators, arabic, lower
):
    code = postcode_format(zone=zone, delivery_point=point)
    typed = ("p" if lower else "P") + separators + code[1:4] + separators + code[4:]
    if arabic:
        typed = typed.translate(str.maketrans("0123456789", ARABIC_INDIC))
    parsed = postcode_parse(text=typed)
    assert str(parsed) == code
    assert (parsed.zone, parsed.delivery_point) == (zone, point)


@given(text=st.text(max_size=60))
def test_any_text_is_a_valid_postcode_or_refused_with_a_reason(text):
    try:
        parsed = postcode_parse(text=text)
    except InvalidInput as error:
        message = error.message
        parsed = None
    if parsed is None:
        assert message
        return
    assert re.fullmatch(r"P[0-9]{3}([0-9]{4})?", str(parsed))
    assert parsed.delivery_point is None or 1 <= parsed.delivery_point <= 9999


def _normalize(values: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT addressing_normalize(v) FROM unnest(%s::text[]) WITH ORDINALITY t(v, i) "
            "ORDER BY i",
            [values],
        )
        return [row[0] for row in cursor.fetchall()]


arabic_words = st.text(
    alphabet=st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآؤئىة"), min_size=1, max_size=12
)
# Any text the database can hold (PostgreSQL text has no NUL).
texts = st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=40)
# Harakat, shadda, sukun and tatweel.
MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"
FOLD = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.django_db
@FOLD
@given(text=texts)
def test_normalising_twice_changes_nothing_more(text):
    once = _normalize([text])[0]
    assert _normalize([once])[0] == once


@pytest.mark.django_db
@FOLD
@given(word=arabic_words, marks=st.lists(st.sampled_from(MARKS), max_size=4))
def test_diacritics_and_tatweel_do_not_change_an_arabic_name(word, marks):
    marked = word[0] + "".join(marks) + word[1:]
    assert _normalize([marked]) == _normalize([word])


@pytest.mark.django_db
@FOLD
@given(number=st.integers(min_value=0, max_value=10**6), word=arabic_words)
def test_arabic_indic_and_latin_digits_fold_alike(number, word):
    latin = f"{word} {number}"
    arabic = latin.translate(str.maketrans("0123456789", ARABIC_INDIC))
    assert _normalize([arabic]) == _normalize([latin])


@pytest.mark.django_db
@FOLD
@given(word=arabic_words)
def test_hamza_forms_and_taa_marbuta_fold_to_one_spelling(word):
    variants = [word.replace("ا", form) for form in "اأإآ"] + [word.replace("ه", "ة")]
    folded = _normalize(variants)
    assert len(set(folded[:4])) == 1
    assert folded[4] == _normalize([word])[0]


# --- House numbering along one side of a street ---------------------------------------------


@st.composite
def street_sides(draw):
    """Buildings along one side, in walking order; some already numbered (rising numbers of
    the side's parity, some with a letter), the rest waiting for a number."""
    side = draw(st.sampled_from(["left", "right"]))
    parity = 1 if side == "left" else 0
    count = draw(st.integers(min_value=1, max_value=25))
    buildings, number = [], 0
    for index in range(count):
        if draw(st.booleans()):
            number += draw(st.integers(min_value=1, max_value=6)) * 2
            value = number + parity - (number % 2)
            suffix = draw(st.sampled_from(["", "", "", "A"]))
            number = value
        else:
            value, suffix = None, ""
        buildings.append(
            SimpleNamespace(
                pk=index + 1,
                position=index / count,
                number=value,
                number_suffix=suffix if value else "",
                house_number=f"{value}{suffix}" if value else "",
            )
        )
    return side, buildings


@given(street=street_sides(), renumber=st.booleans())
def test_numbering_keeps_numbers_unique_of_the_sides_parity_and_existing_ones_kept(
    street, renumber
):
    side, buildings = street
    plan = _plan_side(buildings, side=side, renumber=renumber)
    assert [c.building_id for c in plan] == [b.pk for b in buildings]
    numbers = [c.new for c in plan]
    assert len(set(numbers)) == len(numbers), numbers
    parsed = [re.fullmatch(r"([0-9]+)([A-Z]?)", n) for n in numbers]
    assert all(parsed), numbers
    values = [int(m.group(1)) for m in parsed]
    assert all(v % 2 == (1 if side == "left" else 0) for v in values), numbers
    if renumber:
        assert values == sorted(values)
        assert all(m.group(2) == "" for m in parsed)
    else:
        for building, change in zip(buildings, plan, strict=True):
            if building.number:
                assert change.new == building.house_number
        # Along the street the numbers never go down.
        assert values == sorted(values), numbers
        assert set(string.ascii_uppercase) >= {m.group(2) for m in parsed if m.group(2)}
