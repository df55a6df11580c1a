from addressing.services import building_numbering_apply, building_retire, postcodes_assign
from tests.factories import buildings_beside


def test_addresses_are_served_by_the_ogc_api_with_their_postcode(client, irsal, zone):
    _first, second = buildings_beside(street=irsal, fractions_left=(0.2, 0.6))
    building_numbering_apply(street=irsal)
    postcodes_assign(zone=zone)
    building_retire(building=second)
    body = client.get("/ogcapi/collections/addresses/items?f=json").json()
    assert body["numberMatched"] == 1  # the retired building is gone from the map
    properties = body["features"][0]["properties"]
    assert properties["street_en"] == "Al-Irsal Street"
    assert properties["number"] == 1
    assert properties["postcode"].startswith("P600")
    assert properties["synthetic"] is False


def test_streets_zones_and_places_have_tiles(client, irsal, zone):
    for collection in ("streets", "postal-zones", "areas", "places", "addresses"):
        assert client.get(f"/tiles/{collection}/15/19588/13317.mvt").status_code == 200
        assert client.get(f"/tiles/{collection}.json").json()["tilejson"] == "3.0.0"
