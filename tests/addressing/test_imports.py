"""The real Helsinki OpenStreetMap extract (data/osm) into the address register."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from addressing.geocoders import geocoder
from addressing.imports import osm_addresses_import
from addressing.models import Building, Place, Street
from core.errors import InvalidInput
from tests.factories import foreign_town_create

HELSINKI = Path(settings.BASE_DIR) / "data" / "osm" / "helsinki.osm.pbf"


@pytest.fixture
def helsinki(db):
    town = foreign_town_create()
    report = osm_addresses_import(path=HELSINKI, municipality=town, code_prefix="HEL")
    return town, report


def test_streets_addresses_and_places_are_imported(helsinki):
    _town, report = helsinki
    # 102 street names in 146 connected pieces; 592 distinct street-and-number addresses
    # (entrances and units repeat them), of which some name a street outside the extract.
    assert report.streets == Street.objects.count() == 146
    assert report.buildings == Building.objects.count() > 500
    assert report.skipped["street not in the extract"] > 0
    assert report.places == Place.objects.count() > 400
    kaivokatu = Building.objects.get(street__name_en="Kaivokatu", number=1)
    assert kaivokatu.postcode is None  # Finnish postcodes are not Palestinian ones
    assert not Building.objects.filter(is_synthetic=True).exists()


def test_imported_addresses_are_found_by_the_geocoder(helsinki):
    found = geocoder().search(query="Kaivokatu 1, Helsinki").candidates[0]
    building = Building.objects.get(street__name_en="Kaivokatu", number=1)
    assert (found.kind, found.id) == ("address", building.pk)
    typo = geocoder().search(query="Kaivokatuu 1").candidates[0]
    assert typo.id == building.pk


def test_an_extract_is_imported_once(helsinki):
    town, _report = helsinki
    with pytest.raises(InvalidInput, match="import once"):
        osm_addresses_import(path=HELSINKI, municipality=town, code_prefix="HEL")


def test_a_broken_file_is_refused_with_its_name(db, tmp_path):
    town = foreign_town_create()
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a pbf")
    with pytest.raises(CommandError, match=r"broken\.osm\.pbf cannot be read"):
        call_command("import_osm_addresses", str(broken), municipality=town.slug, code_prefix="X")
    assert not Street.objects.exists()
