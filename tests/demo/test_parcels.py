"""Synthetic demo parcels drawn around the demo city's blocks and buildings."""

import pytest
from django.db.models import Count

from addressing.demo import demo_city_generate
from addressing.models import Building
from demo.parcels import demo_parcels_generate
from parcels.models import Parcel, Party, Right
from tests.factories import locality_create, town_create

SMALL = {"municipalities": ("ramallah",), "spacing_m": 400.0, "building_every_m": 60.0}


@pytest.fixture
def city(db):
    town = town_create()
    locality_create(town=town)
    demo_city_generate(**SMALL)
    return town


def test_every_building_stands_on_a_synthetic_parcel_with_synthetic_owners(city):
    report = demo_parcels_generate(municipalities=("ramallah",))
    assert report.parcels == Parcel.objects.count() > 20
    assert report.basins > 3
    assert not Parcel.objects.filter(is_synthetic=False).exists()
    assert not Party.objects.filter(is_synthetic=False).exists()
    assert not Party.objects.exclude(national_id__startswith="SYN-").exists()
    for building in Building.objects.exclude(footprint__isnull=True)[:50]:
        centre = building.footprint.centroid
        assert Parcel.objects.filter(geom__intersects=centre).count() == 1
    # Every parcel has owners whose shares the database checked to add up to one.
    owners = Parcel.objects.annotate(n=Count("rights")).values_list("n", flat=True)
    assert min(owners) >= 1
    assert Right.objects.filter(kind="ownership").count() == sum(owners)


def test_the_demo_parcels_are_the_same_for_the_same_seed_and_made_once(city):
    demo_parcels_generate(municipalities=("ramallah",))
    first = sorted(Parcel.objects.values_list("basin", "number", "land_use"))
    assert demo_parcels_generate(municipalities=("ramallah",)).parcels == 0
    Right.objects.all().delete()
    Parcel.objects.all().delete()
    Party.objects.all().delete()
    demo_parcels_generate(municipalities=("ramallah",))
    assert sorted(Parcel.objects.values_list("basin", "number", "land_use")) == first
