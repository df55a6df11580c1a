"""Factories for test records. Geometry-bearing factories will join them as the apps grow."""

import factory
from django.contrib.auth import get_user_model

from core.roles import STAFF_ROLES, Role, role_group

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role=Role.PLANNER)`` puts them in that role's group."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted: Role | None, **kwargs) -> None:
        if not (create and extracted):
            return
        self.is_staff = extracted in STAFF_ROLES
        self.is_superuser = extracted is Role.ADMINISTRATOR
        self.save(update_fields=["is_staff", "is_superuser"])
        self.groups.add(role_group(extracted))


def layer_with_points(
    *, slug: str = "streetlights", visibility: str = "public", points=(), user=None
):
    """A point layer with a public ``lamp`` field and an internal ``asset_no`` field, holding
    one feature per (lon, lat) in ``points`` (EPSG:4326)."""
    from django.contrib.gis.geos import Point

    from layers.services import feature_create, layer_create

    layer = layer_create(
        slug=slug,
        title_en="Street lights",
        title_ar="إنارة الشوارع",
        geometry_type="Point",
        visibility=visibility,
        user=user,
        schema=[
            {"name": "lamp", "type": "string", "choices": ["LED", "sodium"], "required": True},
            {"name": "asset_no", "type": "integer", "internal": True},
        ],
    )
    for number, (lon, lat) in enumerate(points, start=1):
        feature_create(
            layer=layer,
            geometry=Point(lon, lat, srid=4326),
            properties={"lamp": "LED", "asset_no": number},
            user=user,
        )
    return layer


# A small town around Al-Manara, Ramallah: a 2 km square in EPSG:4326.
TOWN_BOX = (35.190, 31.895, 35.215, 31.915)


def town_create(*, slug: str = "ramallah", digit: int | None = 6):
    """A governorate (postcode digit ``digit``) and a municipality covering TOWN_BOX."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from boundaries.models import Governorate, Municipality, Region

    square = MultiPolygon(Polygon.from_bbox(TOWN_BOX), srid=4326)
    region, _ = Region.objects.get_or_create(
        pcode="PS01", defaults={"name_en": "West Bank", "name_ar": "الضفة الغربية", "geom": square}
    )
    governorate, _ = Governorate.objects.get_or_create(
        pcode="PS0130",
        defaults={
            "name_en": "Ramallah and Al-Bireh",
            "name_ar": "رام الله والبيرة",
            "region": region,
            "geom": square,
            "postcode_digit": digit,
        },
    )
    return Municipality.objects.create(
        slug=slug, name_en="Ramallah", name_ar="رام الله", governorate=governorate, geom=square
    )


def street_along(
    *, town, code: str, name_ar: str, name_en: str, start=(35.200, 31.905), end=(35.205, 31.905)
):
    """A straight street of ``town`` from ``start`` to ``end`` (lon, lat)."""
    from django.contrib.gis.geos import LineString

    from addressing.services import street_create

    return street_create(
        municipality=town,
        code=code,
        name_ar=name_ar,
        name_en=name_en,
        geom=LineString(start, end, srid=4326),
    )


def buildings_beside(*, street, fractions_left=(), fractions_right=()):
    """Buildings whose entrances stand 11 m to the left or right of an east-west ``street``,
    at the given fractions of its length (left is north, looking east from the start)."""
    from django.contrib.gis.geos import Point

    from addressing.services import NewBuilding, buildings_add

    (x0, y0), (x1, _y1) = street.geom.coords[0], street.geom.coords[-1]
    new = [
        NewBuilding(entrance=Point(x0 + f * (x1 - x0), y0 + offset, srid=4326))
        for fractions, offset in ((fractions_left, 0.0001), (fractions_right, -0.0001))
        for f in fractions
    ]
    return buildings_add(street=street, buildings=new)


HELSINKI_BOX = (24.93, 60.16, 24.96, 60.18)  # the extract in data/osm, with a margin


def foreign_town_create(*, slug: str = "helsinki", box=HELSINKI_BOX):
    """A municipality outside Palestine (for the real OpenStreetMap test extract), in a
    region and governorate marked as test data, without a postcode digit."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from boundaries.models import Governorate, Municipality, Region

    square = MultiPolygon(Polygon.from_bbox(box), srid=4326)
    region, _ = Region.objects.get_or_create(
        pcode="XX", defaults={"name_en": "Outside Palestine (test data)", "geom": square}
    )
    governorate, _ = Governorate.objects.get_or_create(
        pcode="XX01", defaults={"name_en": "Test extract", "region": region, "geom": square}
    )
    return Municipality.objects.create(
        slug=slug, name_en=slug.title(), name_ar=slug.title(), governorate=governorate, geom=square
    )


# A parcel of PARCEL_SIZE degrees of longitude and latitude is about 19 m by 22 m (≈ 420 m²)
# at Ramallah's latitude.
PARCEL_SIZE = 0.0002


def locality_create(*, town, name_en: str = "Ramallah", name_ar: str = "رام الله"):
    """A locality covering TOWN_BOX, served by ``town``."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from boundaries.models import Locality

    locality = Locality.objects.create(
        name_en=name_en,
        name_ar=name_ar,
        source_key=f"test-{name_en}",
        governorate=town.governorate,
        geom=MultiPolygon(Polygon.from_bbox(TOWN_BOX), srid=4326),
    )
    town.localities.add(locality)
    return locality


def parcel_square(*, col: int, row: int, origin=(35.200, 31.900), cols: int = 1, rows: int = 1):
    """The square (or block of ``cols`` x ``rows`` squares) of a grid of PARCEL_SIZE cells
    whose lower-left corner is ``origin`` (lon, lat), in EPSG:4326."""
    from django.contrib.gis.geos import Polygon

    x0, y0 = origin[0] + col * PARCEL_SIZE, origin[1] + row * PARCEL_SIZE
    return Polygon.from_bbox((x0, y0, x0 + cols * PARCEL_SIZE, y0 + rows * PARCEL_SIZE))


def parcels_grid(*, locality, town, user, basin: int = 1, cols: int = 2, rows: int = 1):
    """A basin of ``cols`` x ``rows`` adjacent square parcels numbered 1, 2, ... row by row,
    registered through the register's service."""
    from parcels.services import parcel_create

    parcels = []
    for row in range(rows):
        for col in range(cols):
            geom = parcel_square(col=col, row=row)
            parcels.append(
                parcel_create(
                    locality=locality,
                    municipality=town,
                    basin=basin,
                    number=len(parcels) + 1,
                    geom=geom,
                    user=user,
                    reason="Registered for a test",
                )
            )
    return parcels


def demo_street_city(*, user):
    """A small town for the public map and delivery: Al-Irsal Street with three numbered
    buildings, postal zone P600 (west, served by a post office) and P601 (east, served by
    none), a basin of two parcels, an office for collection only, and two documents waiting
    (reference ES-TEST-0001 / phone 0599000001, and ES-TEST-0002 / 0599000002)."""
    from django.contrib.gis.geos import Point, Polygon

    from addressing.services import building_numbering_apply, postal_zone_create, postcodes_assign
    from delivery.models import DeliveryOffice, DocumentRequest
    from public_map.services import basemap_blocks_rebuild

    town = town_create()
    west = Polygon.from_bbox((TOWN_BOX[0], TOWN_BOX[1], 35.2035, TOWN_BOX[3]))
    east = Polygon.from_bbox((35.2035, TOWN_BOX[1], TOWN_BOX[2], TOWN_BOX[3]))
    zones = [
        postal_zone_create(code=code, governorate=town.governorate, municipality=town, geom=geom)
        for code, geom in (("600", west), ("601", east))
    ]
    street = street_along(
        town=town, code="RAM-0001", name_ar="شارع الإرسال", name_en="Al-Irsal Street"
    )
    buildings = buildings_beside(street=street, fractions_left=(0.2, 0.5, 0.9))
    building_numbering_apply(street=street)
    for zone in zones:
        postcodes_assign(zone=zone)
    locality = locality_create(town=town)
    parcels = parcels_grid(locality=locality, town=town, user=user, cols=2, rows=1)
    basemap_blocks_rebuild()
    post = DeliveryOffice.objects.create(
        kind="post_office",
        code="test-post",
        name_en="Al-Manara Post Office",
        name_ar="مكتب بريد المنارة",
        address_en="Al-Manara Square",
        address_ar="دوار المنارة",
        geom=Point(35.2040, 31.9040, srid=4326),
        opening_hours=[{"days": [6, 0, 1, 2, 3], "opens": "08:00", "closes": "15:00"}],
    )
    post.zones.set([zones[0]])
    service = DeliveryOffice.objects.create(
        kind="service_office",
        code="test-service",
        name_en="Citizen Service Office",
        name_ar="مكتب خدمة المواطن",
        geom=Point(35.1990, 31.9070, srid=4326),
        opening_hours=[{"days": [6, 0, 1, 2, 3], "opens": "08:00", "closes": "14:00"}],
        delivers=False,
    )
    from django.utils import timezone

    documents = [
        DocumentRequest.objects.create(
            reference=f"ES-TEST-000{n}",
            kind="certificate",
            title_en="Birth certificate",
            title_ar="شهادة ميلاد",
            holder_name=f"Test holder {n}",
            holder_phone=f"97059900000{n}",
            issued_at=timezone.now(),
        )
        for n in (1, 2)
    ]
    for building in buildings:
        building.refresh_from_db()
    return {
        "town": town,
        "zones": zones,
        "street": street,
        "buildings": buildings,
        "parcels": parcels,
        "offices": [post, service],
        "documents": documents,
    }


def delivery_grid_city(*, streets: int = 4, per_side: int = 8):
    """A grid town for round planning: ``streets`` east-west streets (1.1 km long, 220 m
    apart) crossed by ``streets`` north-south ones, ``per_side`` numbered buildings on each
    side of every east-west street, all in postal zone P600, served by a post office in the
    middle; the routing graph built. Returns (office, buildings)."""
    from django.contrib.gis.geos import LineString, Point, Polygon

    from addressing.services import (
        building_numbering_apply,
        postal_zone_create,
        postcodes_assign,
        street_create,
    )
    from delivery.models import DeliveryOffice
    from routing.services import routing_graph_build

    town = town_create()
    west, south, step = 35.195, 31.898, 0.002
    east, north = west + 0.012, south + step * (streets - 1)
    zone = postal_zone_create(
        code="600",
        governorate=town.governorate,
        municipality=town,
        geom=Polygon.from_bbox(TOWN_BOX),
    )
    buildings = []
    fractions = [(k + 0.5) / per_side for k in range(per_side)]
    for i in range(streets):
        y = south + step * i
        street = street_create(
            municipality=town,
            code=f"RAM-{i + 1:04d}",
            name_ar=f"شارع {i + 1}",
            name_en=f"Street {i + 1}",
            geom=LineString((west, y), (east, y), srid=4326),
        )
        buildings += buildings_beside(
            street=street, fractions_left=fractions, fractions_right=fractions
        )
        building_numbering_apply(street=street)
    for j in range(streets):
        x = west + j * (east - west) / (streets - 1)
        street_create(
            municipality=town,
            code=f"RAM-{100 + j:04d}",
            name_ar=f"شارع عرضي {j + 1}",
            name_en=f"Cross Street {j + 1}",
            geom=LineString((x, south), (x, north), srid=4326),
        )
    postcodes_assign(zone=zone)
    office = DeliveryOffice.objects.create(
        kind="post_office",
        code="grid-post",
        name_en="Grid Post Office",
        name_ar="مكتب بريد الشبكة",
        geom=Point(west + 0.006, south + step, srid=4326),
        opening_hours=[{"days": [6, 0, 1, 2, 3], "opens": "08:00", "closes": "15:00"}],
    )
    office.zones.set([zone])
    routing_graph_build()
    for building in buildings:
        building.refresh_from_db()
    return office, buildings


def courier_make(*, office, username: str, capacity: int = 20, day=None, hours=(8, 15)):
    """A courier of ``office`` (a user with the courier role) with a shift on ``day``
    (tomorrow by default) from ``hours[0]`` to ``hours[1]`` o'clock; ``day=False`` for none."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from core.roles import Role
    from delivery.models import Courier, CourierShift

    user = UserFactory(username=username, role=Role.COURIER)
    courier = Courier.objects.create(
        user=user, office=office, vehicle="motorbike", capacity=capacity
    )
    if day is not False:
        day = day or timezone.localdate() + timedelta(days=1)
        tz = timezone.get_current_timezone()
        CourierShift.objects.create(
            courier=courier,
            starts_at=datetime.combine(day, time(hours[0]), tz),
            ends_at=datetime.combine(day, time(hours[1]), tz),
        )
    return courier


def home_order_make(*, building, office, day=None, window=(9, 12), n: int | None = None):
    """A home delivery of a new document to ``building`` on ``day`` (tomorrow by default) in
    the window ``window`` (hours)."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from delivery.models import DeliveryMethod, DeliveryOrder, DocumentRequest
    from delivery.services.orders import home_fields, tracking_token

    day = day or timezone.localdate() + timedelta(days=1)
    n = n if n is not None else DocumentRequest.objects.count() + 1
    document = DocumentRequest.objects.create(
        reference=f"ES-GRID-{n:05d}",
        kind="certificate",
        title_en="Birth certificate",
        title_ar="شهادة ميلاد",
        holder_name=f"Grid holder {n}",
        holder_phone=f"970599{n:06d}",
        issued_at=timezone.now(),
    )
    tz = timezone.get_current_timezone()
    return DeliveryOrder.objects.create(
        document=document,
        method=DeliveryMethod.HOME,
        contact_name=document.holder_name,
        contact_phone=document.holder_phone,
        tracking_token=tracking_token(),
        **home_fields(
            building=building,
            office=office,
            start=datetime.combine(day, time(window[0]), tz),
            end=datetime.combine(day, time(window[1]), tz),
        ),
    )
