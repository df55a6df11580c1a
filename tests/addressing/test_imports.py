"""The real Helsinki OpenStreetMap extract (data/osm) into the address register."""

from pathlib import Path

import osmium
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point as GEOSPoint
from django.core.management import CommandError, call_command

from addressing.geocoders import geocoder
from addressing.imports import HIGHWAY_TYPES, osm_addresses_import
from addressing.models import Building, Place, Street, TurnRestriction
from core.errors import InvalidInput, NotFound
from routing.models import Turn
from routing.selectors import route_find
from routing.services import routing_graph_build
from tests.factories import foreign_town_create

HELSINKI = Path(settings.BASE_DIR) / "data" / "osm" / "helsinki.osm.pbf"


@pytest.fixture
def helsinki(db):
    town = foreign_town_create()
    report = osm_addresses_import(path=HELSINKI, municipality=town, code_prefix="HEL")
    return town, report


def test_streets_addresses_and_places_are_imported(helsinki):
    _town, report = helsinki
    # 102 street names in 202 connected pieces of one type, one-way rule and speed limit; 592
    # distinct street-and-number addresses (entrances and units repeat them), of which some
    # name a street outside the extract.
    assert report.streets == Street.objects.count() == 202
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


def test_one_way_streets_run_the_way_openstreetmap_draws_them(helsinki):
    checked = 0
    for way in osmium.FileProcessor(str(HELSINKI)).with_locations():
        tags = way.tags
        if not (way.is_way() and tags.get("oneway") in ("yes", "-1") and "name" in tags):
            continue
        if tags.get("highway") not in HIGHWAY_TYPES:
            continue
        if len(way.nodes) < 2 or not (
            way.nodes[0].location.valid() and way.nodes[1].location.valid()
        ):
            continue
        first, second = (GEOSPoint(n.lon, n.lat, srid=4326) for n in (way.nodes[0], way.nodes[1]))
        if tags["oneway"] == "-1":
            first, second = second, first
        street = Street.objects.filter(
            name_en=tags["name"], oneway="forward", geom__dwithin=(first, 1e-7)
        ).get(geom__dwithin=(second, 1e-7))
        line = street.geom
        assert line.project(first) < line.project(second), tags["name"]
        checked += 1
    assert checked > 50


def test_turn_restrictions_are_imported_and_routes_keep_them(helsinki):
    _town, report = helsinki
    assert report.turn_restrictions == TurnRestriction.objects.count() == 31
    assert report.skipped["turn restriction on a way that is not a named street"] == 14
    build = routing_graph_build()
    assert build.turns == 30
    banned = allowed = 0
    for turn in Turn.objects.select_related("from_edge", "to_edge", "via"):
        restriction = TurnRestriction.objects.get(
            via__dwithin=(turn.via.geom, 1e-6),
            from_street=turn.from_edge.street_id,
            to_street=turn.to_edge.street_id,
        )
        try:
            metres = route_find(
                origin=restriction.from_hint, destination=restriction.to_hint, metric="shortest"
            )["distance_m"]
        except NotFound:
            metres = None
        if turn.kind == "no":
            # Not the banned turn: that is the 2 m from one hint through the crossing to the other.
            assert metres is None or metres > 2.5, restriction.source
            banned += 1
        else:
            assert metres == pytest.approx(2.0, abs=0.2), restriction.source
            allowed += 1
    assert banned > 0
    assert allowed > 0
