"""Synthetic demo data for document delivery: offices around Ramallah and Al-Bireh and
document requests as the e-services portal would send them. Every row says it is synthetic;
the office names say "demo" so no one mistakes them for the real post offices."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from addressing.models import PostalZone
from delivery.models import DeliveryOffice, DocumentKind, DocumentRequest, OfficeKind

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
