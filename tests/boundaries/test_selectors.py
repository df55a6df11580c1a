"""Reads of the administrative geography."""

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point

from boundaries.selectors import governorate_at, municipality_current
from core.errors import NotFound

MANARA_SQUARE = Point(35.2042, 31.9038, srid=4326)  # central Ramallah


def test_selectors_find_the_governorate_and_the_current_municipality(reference_data):
    assert governorate_at(point=MANARA_SQUARE).pcode == "PS0130"
    assert governorate_at(point=Point(0, 0, srid=4326)) is None
    assert municipality_current().slug == settings.PLATFORM_MUNICIPALITY


def test_current_municipality_missing_is_a_clear_not_found(db):
    with pytest.raises(NotFound, match="load_reference_data"):
        municipality_current()
