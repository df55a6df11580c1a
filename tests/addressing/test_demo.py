from django.db import transaction

from addressing.demo import demo_city_generate
from addressing.models import Area, Building, PostalZone, Street

SMALL = {"municipalities": ("ramallah",), "spacing_m": 400.0, "building_every_m": 60.0}


def generated_then_undone() -> list[tuple]:
    """The demo city generated in a savepoint that is then rolled back."""
    sid = transaction.savepoint()
    demo_city_generate(**SMALL)
    made = snapshot()
    transaction.savepoint_rollback(sid)
    return made


def snapshot() -> list[tuple]:
    return sorted(Building.objects.values_list("postcode", "number", "side", "street__name_en"))


def test_the_demo_city_is_numbered_zoned_and_marked_synthetic(town):
    report = demo_city_generate(**SMALL)
    assert report.streets > 5
    assert report.buildings > 100
    assert report.zones == PostalZone.objects.count() == 10
    assert Area.objects.count() == 6
    assert not Building.objects.filter(postcode__isnull=True).exists()
    assert not Building.objects.filter(number__isnull=True).exists()
    for model in (Street, Building, PostalZone, Area):
        assert not model.objects.filter(is_synthetic=False).exists()
    # Real main-street names first, in both languages.
    assert Street.objects.filter(name_en="Al-Irsal Street", name_ar="شارع الإرسال").exists()


def test_the_demo_city_is_the_same_for_the_same_seed(town):
    first = generated_then_undone()
    assert not Building.objects.exists()
    demo_city_generate(**SMALL)
    assert snapshot() == first


def test_the_demo_city_is_laid_out_once(town):
    demo_city_generate(**SMALL)
    count = Building.objects.count()
    assert demo_city_generate(**SMALL).streets == 0
    assert Building.objects.count() == count


def test_neighbouring_towns_of_the_demo_city_are_joined_by_link_roads(town):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from boundaries.models import Municipality
    from tests.factories import TOWN_BOX

    east = (TOWN_BOX[2], TOWN_BOX[1], TOWN_BOX[2] + 0.02, TOWN_BOX[3])
    Municipality.objects.create(
        slug="al-bireh",
        name_en="Al-Bireh",
        name_ar="البيرة",
        governorate=town.governorate,
        geom=MultiPolygon(Polygon.from_bbox(east), srid=4326),
    )
    demo_city_generate(
        municipalities=("ramallah", "al-bireh"), spacing_m=400.0, building_every_m=80.0
    )
    links = Street.objects.filter(code__contains="-L")
    assert links.exists()
    for link in links:
        assert link.municipality.slug == "ramallah"
        assert link.name_en.endswith(" Link")
        assert link.name_ar.startswith("وصلة ")
        reached = Street.objects.filter(
            municipality__slug="al-bireh", geom__dwithin=(link.geom, 1e-6)
        )
        assert reached.exists()
