"""Synthetic demo data for document delivery: offices around Ramallah and Al-Bireh and
document requests as the e-services portal would send them. Every row says it is synthetic;
the office names say "demo" so no one mistakes them for the real post offices."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from addressing.models import Building, BuildingStatus, PostalZone
from core.roles import Role, role_group
from delivery.models import (
    Courier,
    CourierShift,
    DeliveryEvent,
    DeliveryMethod,
    DeliveryOffice,
    DeliveryOrder,
    DocumentKind,
    DocumentRequest,
    OfficeKind,
    VehicleKind,
)
from delivery.selectors import WINDOWS
from delivery.services.orders import home_fields, tracking_token

SUNDAY_TO_THURSDAY = [6, 0, 1, 2, 3]
OFFICES = (
    {
        "code": "demo-ramallah-post",
        "kind": OfficeKind.POST_OFFICE,
        "name_en": "Ramallah Central Post Office (demo)",
        "name_ar": "مكتب بريد رام الله المركزي (تجريبي)",
        "address_en": "Al-Manara, Ramallah",
        "address_ar": "دوار المنارة، رام الله",
        "lon_lat": (35.2045, 31.9035),
        "zones": [f"{n}" for n in range(600, 610)],
        "opening_hours": [
            {"days": SUNDAY_TO_THURSDAY, "opens": "08:00", "closes": "15:00"},
            {"days": [5], "opens": "09:00", "closes": "13:00"},
        ],
        "delivers": True,
    },
    {
        "code": "demo-bireh-post",
        "kind": OfficeKind.POST_OFFICE,
        "name_en": "Al-Bireh Post Office (demo)",
        "name_ar": "مكتب بريد البيرة (تجريبي)",
        "address_en": "Jerusalem Street, Al-Bireh",
        "address_ar": "شارع القدس، البيرة",
        "lon_lat": (35.2140, 31.9010),
        "zones": [f"{n}" for n in range(610, 615)],
        "opening_hours": [{"days": SUNDAY_TO_THURSDAY, "opens": "08:00", "closes": "14:30"}],
        "delivers": True,
    },
    {
        "code": "demo-ramallah-service",
        "kind": OfficeKind.SERVICE_OFFICE,
        "name_en": "Ramallah Municipality Citizen Service Office (demo)",
        "name_ar": "مكتب خدمة المواطن في بلدية رام الله (تجريبي)",
        "address_en": "Municipality building, Al-Irsal",
        "address_ar": "مبنى البلدية، الإرسال",
        "lon_lat": (35.2010, 31.9080),
        "zones": [],
        "opening_hours": [{"days": SUNDAY_TO_THURSDAY, "opens": "08:00", "closes": "14:00"}],
        "delivers": False,
    },
)
DOCUMENTS = (
    (DocumentKind.CERTIFICATE, "Birth certificate", "شهادة ميلاد"),
    (DocumentKind.LICENCE, "Building licence", "رخصة بناء"),
    (DocumentKind.CERTIFICATE, "Land registration certificate", "شهادة تسجيل أرض"),
    (DocumentKind.PERMIT, "Shop opening permit", "تصريح فتح محل"),
    (DocumentKind.LICENCE, "Professional licence", "رخصة مزاولة مهنة"),
)
DEMO_REQUESTS = 30


def demo_reference(n: int) -> str:
    """The reference of the ``n``-th demo document (``ES-2026-000101`` and on)."""
    return f"ES-2026-{100 + n:06d}"


def demo_phone(n: int) -> str:
    """The phone number (with country code) of the ``n``-th demo document's holder."""
    return f"970599{100 + n:06d}"


@transaction.atomic
def demo_delivery_load() -> tuple[int, int]:
    """Create (or refresh) the demo offices and document requests; returns their counts.
    Zone P615 is deliberately served by no office: addresses there show how the map refuses
    a home delivery outside the served area."""
    for spec in OFFICES:
        office, _created = DeliveryOffice.objects.update_or_create(
            code=spec["code"],
            defaults={
                "kind": spec["kind"],
                "name_en": spec["name_en"],
                "name_ar": spec["name_ar"],
                "address_en": spec["address_en"],
                "address_ar": spec["address_ar"],
                "geom": Point(*spec["lon_lat"], srid=4326),
                "opening_hours": spec["opening_hours"],
                "delivers": spec["delivers"],
                "accepts_collection": True,
                "is_synthetic": True,
            },
        )
        office.zones.set(PostalZone.objects.filter(code__in=spec["zones"]))
    issued = timezone.now() - timedelta(days=1)
    for n in range(1, DEMO_REQUESTS + 1):
        kind, title_en, title_ar = DOCUMENTS[n % len(DOCUMENTS)]
        DocumentRequest.objects.update_or_create(
            reference=demo_reference(n),
            defaults={
                "kind": kind,
                "title_en": title_en,
                "title_ar": title_ar,
                "holder_name": f"SYN-Citizen {n}",
                "holder_phone": demo_phone(n),
                "issued_at": issued,
                "is_synthetic": True,
            },
        )
    return len(OFFICES), DEMO_REQUESTS


# --- Couriers, shifts and today's orders, for the dispatcher's board and the courier view ----
# The day's orders need all three couriers (47 places for 45 orders), so the demo courier
# always has a round to open on a phone.

DEMO_COURIERS = (
    # username, vehicle, capacity; "demo-courier" is the courier role's demo account.
    ("demo-courier", VehicleKind.MOTORBIKE, 20),
    ("demo-courier-2", VehicleKind.CAR, 15),
    ("demo-courier-3", VehicleKind.BICYCLE, 12),
)
DEMO_DAY_ORDERS = 45
DEMO_SHIFT = (time(8), time(15))


def demo_day_reference(day: date, n: int) -> str:
    """The reference of the ``n``-th demo home delivery of ``day``."""
    return f"ES-DEMO-{day:%Y%m%d}-{n:03d}"


@transaction.atomic
def demo_rounds_load(*, day: date | None = None) -> tuple[int, int]:
    """Give the Ramallah demo post office its couriers, a shift each on ``day`` (today by
    default) and ``DEMO_DAY_ORDERS`` home deliveries in that day's windows, spread over its
    postal zones, ready to plan. Synthetic, and said so everywhere; running it again the same
    day changes nothing. Returns (couriers, orders of the day)."""
    day = day or timezone.localdate()
    office = DeliveryOffice.objects.get(code="demo-ramallah-post")
    users = get_user_model().objects
    for username, vehicle, capacity in DEMO_COURIERS:
        user = users.filter(username=username).first()
        if user is None:
            if username == "demo-courier":
                continue  # the demo accounts come from `manage.py demo_users`
            user = users.create(username=username, first_name="Courier", last_name="(demo)")
            user.set_unusable_password()
            user.save()
            user.groups.add(role_group(Role.COURIER))
        courier, _created = Courier.objects.update_or_create(
            user=user,
            defaults={
                "office": office,
                "vehicle": vehicle,
                "capacity": capacity,
                "is_synthetic": True,
            },
        )
        tz = timezone.get_current_timezone()
        start, end = (datetime.combine(day, t, tz) for t in DEMO_SHIFT)
        if not courier.shifts.filter(starts_at__lt=end, ends_at__gt=start).exists():
            CourierShift.objects.create(courier=courier, starts_at=start, ends_at=end)
    buildings = list(
        Building.objects.filter(
            status=BuildingStatus.ACTIVE, postcode__isnull=False, zone__in=office.zones.all()
        ).order_by("pk")
    )
    if not buildings:
        return Courier.objects.filter(office=office).count(), 0
    step = max(1, len(buildings) // DEMO_DAY_ORDERS)
    tz = timezone.get_current_timezone()
    for n in range(1, DEMO_DAY_ORDERS + 1):
        building = buildings[((n - 1) * step + n * 7) % len(buildings)]
        kind, title_en, title_ar = DOCUMENTS[n % len(DOCUMENTS)]
        document, created = DocumentRequest.objects.get_or_create(
            reference=demo_day_reference(day, n),
            defaults={
                "kind": kind,
                "title_en": title_en,
                "title_ar": title_ar,
                "holder_name": f"SYN-Recipient {n}",
                "holder_phone": f"970598{day:%m%d}{n:02d}",
                "issued_at": timezone.now(),
                "is_synthetic": True,
            },
        )
        if not created:
            continue
        window = WINDOWS[n % len(WINDOWS)]
        order = DeliveryOrder.objects.create(
            document=document,
            method=DeliveryMethod.HOME,
            contact_name=document.holder_name,
            contact_phone=document.holder_phone,
            tracking_token=tracking_token(),
            is_synthetic=True,
            **home_fields(
                building=building,
                office=office,
                start=datetime.combine(day, window[0], tz),
                end=datetime.combine(day, window[1], tz),
            ),
        )
        DeliveryEvent.objects.create(order=order, status=order.status, note="synthetic demo")
    return Courier.objects.filter(office=office).count(), DEMO_DAY_ORDERS
