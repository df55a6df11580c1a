"""Properties of the door every client input passes (hypothesis, a fixed seed): any text is
plain or refused with a reason, any JSON is a WGS 84 geometry or refused with a reason; nothing
else ever comes out."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.geometry import geometry_from_geojson
from core.text import text_check

json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)
coordinates = st.lists(st.floats(), min_size=0, max_size=4)
geometry_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["Point", "LineString", "Polygon", "MultiPolygon", "Circle"])},
    optional={
        "coordinates": st.one_of(
            coordinates,
            st.lists(coordinates, max_size=6),
            st.lists(st.lists(coordinates, max_size=6), max_size=3),
            json_values,
        ),
        "crs": json_values,
    },
)


@given(text=st.text(max_size=300), multiline=st.booleans())
def test_text_comes_back_unchanged_and_plain_or_is_refused_with_a_reason(text, multiline):
    try:
        checked = text_check(text, field="name", max_length=200, multiline=multiline)
    except InvalidInput as error:
        checked, message = None, error.message
    if checked is None:
        assert "name" in message  # the field is named, in the active language's sentence
        return
    assert checked == text
    assert len(checked) <= 200
    assert not re.search(r"<[A-Za-z!/?]", checked)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", checked)


@given(value=st.one_of(geometry_like, json_values))
def test_any_json_is_a_wgs84_geometry_or_refused_with_a_reason(value):
    try:
        geometry = geometry_from_geojson(value)
    except InvalidInput as error:
        geometry, message = None, error.message
    if geometry is None:
        assert message
        return
    assert geometry.srid == 4326
    assert not geometry.empty
    x0, y0, x1, y1 = geometry.extent
    assert -180 <= x0 <= x1 <= 180
    assert -90 <= y0 <= y1 <= 90
