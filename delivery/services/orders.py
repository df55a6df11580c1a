"""Writes of document delivery: a citizen's choice of how to receive a document, and the
status changes that follow it. Points are WGS 84 (EPSG:4326)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from addressing.models import Building
from addressing.selectors import address_format
from core.errors import Conflict, InvalidInput, NotFound
from core.text import text_check
from delivery.models import (
    DeliveryEvent,
    DeliveryMethod,
    DeliveryNotice,
    DeliveryOffice,
    DeliveryOrder,
    DeliveryStatus,
    DocumentRequest,
)
from delivery.selectors import OPEN_ORDER, delivery_point_find, delivery_windows

MAX_NAME_LENGTH = 200
# A document's reference as the e-services portal writes it (ES-2026-000101): letters, digits
# and a few separators, 40 characters at most.
REFERENCE = re.compile(r"[A-Z0-9][A-Z0-9./_-]{0,39}", re.ASCII)
# What an order may become from each status (the courier's and the office's steps).
TRANSITIONS = {
    DeliveryStatus.REQUESTED: {
        DeliveryStatus.SCHEDULED,
        DeliveryStatus.READY_FOR_COLLECTION,
        DeliveryStatus.CANCELLED,
    },
    DeliveryStatus.SCHEDULED: {DeliveryStatus.OUT_FOR_DELIVERY, DeliveryStatus.REQUESTED},
    DeliveryStatus.OUT_FOR_DELIVERY: {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED},
    DeliveryStatus.FAILED: {DeliveryStatus.SCHEDULED, DeliveryStatus.READY_FOR_COLLECTION},
    DeliveryStatus.READY_FOR_COLLECTION: {DeliveryStatus.COLLECTED},
}


def phone_normalise(*, text: str) -> str:
    """A phone number as digits with the country code: ``0599 123 456``, ``+970599123456``
    and ``00970-599-123456`` all read as ``970599123456`` (a leading 0 means Palestine's
    970)."""
    digits = re.sub(r"[\s\-().]", "", text or "").translate(
        str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
    )
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "970" + digits[1:]
    if not re.fullmatch(r"[0-9]{9,15}", digits):
        raise InvalidInput(
            "A phone number is 9 to 15 digits, such as 0599 123 456.", code="invalid_phone"
        )
    return digits


def reference_clean(reference: str) -> str:
    """A document's reference in capitals; InvalidInput when it is empty or not the shape of
    one (letters, digits, ``-``, ``/``, ``.``, ``_``; 40 characters at most)."""
    reference = (reference or "").strip().upper()
    if not reference:
        raise InvalidInput(
            "Enter the reference the e-services portal gave you.", code="reference_missing"
        )
    if not REFERENCE.fullmatch(reference):
        raise InvalidInput(
            "A reference is up to 40 letters, digits and dashes, such as ES-2026-000101.",
            code="reference_invalid",
        )
    return reference


def document_request_verify(*, reference: str, phone: str) -> DocumentRequest:
    """The document the e-services portal issued under ``reference`` to the holder of
    ``phone``. The same refusal for an unknown reference and a wrong phone, so that neither
    can be guessed one at a time."""
    reference = reference_clean(reference)
    found = DocumentRequest.objects.filter(reference=reference).first()
    if found is None or found.holder_phone != phone_normalise(text=phone):
        raise NotFound(
            "No document matches this reference and phone number. Check both against the "
            "portal's message.",
            code="document_not_found",
        )
    return found


def home_fields(
    *, building: Building, office: DeliveryOffice, start: datetime, end: datetime
) -> dict:
    """The fields of a home delivery to ``building`` from ``office`` in the window
    ``start``–``end``: the delivery point, its postcode and its address in both languages."""
    return {
        "building": building,
        "postcode": building.postcode,
        "address_lines_ar": list(address_format(building=building, language="ar").lines),
        "address_lines_en": list(address_format(building=building, language="en").lines),
        "office": office,
        "window_start": start,
        "window_end": end,
    }


def tracking_token() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def delivery_order_create(
    *,
    reference: str,
    phone: str,
    method: str,
    contact_name: str,
    building_id: int | None = None,
    point: Point | None = None,
    window_start: datetime | None = None,
    office_id: int | None = None,
    now: datetime | None = None,
) -> DeliveryOrder:
    """Record how the holder of ``reference`` (proved by ``phone``) receives the document:
    ``home`` delivery to the delivery point of ``building_id`` or ``point`` in one of the
    offered windows starting at ``window_start``, or ``collection`` at ``office_id``. One
    order per document; a full window or an address outside the served zones is refused and
    nothing is written."""
    document = document_request_verify(reference=reference, phone=phone)
    contact_name = (contact_name or "").strip()
    if not contact_name:
        raise InvalidInput(
            f"Enter the name of the person who receives the document ({MAX_NAME_LENGTH} "
            "characters at most).",
            code="name_missing",
        )
    # Printed on the courier's run sheet and read out at the door: plain text only.
    text_check(contact_name, field="contact_name", max_length=MAX_NAME_LENGTH)
    if DeliveryOrder.objects.filter(OPEN_ORDER, document=document).exists():
        raise Conflict(
            "This document's delivery is already arranged: open the tracking link you received.",
            code="already_requested",
        )
    fields: dict = {}
    if method == DeliveryMethod.HOME:
        found = delivery_point_find(building_id=building_id, point=point)
        # The office row is the lock: two citizens cannot both take a window's last place.
        office = DeliveryOffice.objects.select_for_update().get(pk=found.office.pk)
        if window_start is None:
            raise InvalidInput("Choose a delivery window.", code="window_missing")
        window = next(
            (w for w in delivery_windows(office=office, now=now) if w.start == window_start), None
        )
        if window is None:
            raise InvalidInput("That delivery window is not offered.", code="window_invalid")
        if window.free <= 0:
            raise Conflict("That delivery window is full: choose another.", code="window_full")
        fields = home_fields(
            building=found.building, office=office, start=window.start, end=window.end
        )
    elif method == DeliveryMethod.COLLECTION:
        office = DeliveryOffice.objects.filter(pk=office_id, accepts_collection=True).first()
        if office is None:
            raise InvalidInput(
                "Choose an office to collect the document from.", code="office_missing"
            )
        fields = {"office": office}
    else:
        raise InvalidInput(
            "Choose home delivery or collection at an office.", code="method_invalid"
        )
    # A cancelled order of the same document gives way to the new one.
    DeliveryOrder.objects.filter(document=document, status=DeliveryStatus.CANCELLED).delete()
    try:
        order = DeliveryOrder.objects.create(
            document=document,
            method=method,
            contact_name=contact_name,
            contact_phone=document.holder_phone,
            tracking_token=tracking_token(),
            is_synthetic=document.is_synthetic,
            **fields,
        )
    except IntegrityError as exc:  # the same document, ordered twice at the same moment
        raise Conflict(
            "This document's delivery is already arranged.", code="already_requested"
        ) from exc
    DeliveryEvent.objects.create(order=order, status=order.status)
    return order


@transaction.atomic
def delivery_status_set(*, order: DeliveryOrder, status: str, note: str = "") -> DeliveryOrder:
    """Move an order to ``status`` if its current status allows it (Conflict otherwise)."""
    locked = DeliveryOrder.objects.select_for_update().get(pk=order.pk)
    if DeliveryStatus(status) not in TRANSITIONS.get(DeliveryStatus(locked.status), set()):
        raise Conflict(
            f"A delivery that is {locked.status} cannot become {status}.", code="status_invalid"
        )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    DeliveryEvent.objects.create(order=locked, status=status, note=note[:300])
    if status in NOTICES:
        delivery_notice_queue(order=locked)
    return locked


@transaction.atomic
def delivery_status_set_many(
    *, orders: list[DeliveryOrder], status: str, note: str = ""
) -> list[DeliveryOrder]:
    """Move every order of ``orders`` to ``status`` in three statements (the planning of a
    day's rounds moves dozens at once); all or none: one order whose status does not allow
    it refuses the whole (Conflict)."""
    if not orders:
        return []
    target = DeliveryStatus(status)
    locked = list(
        DeliveryOrder.objects.select_for_update()
        .select_related("office")
        .filter(pk__in=[o.pk for o in orders])
        .order_by("pk")
    )
    for order in locked:
        if target not in TRANSITIONS.get(DeliveryStatus(order.status), set()):
            raise Conflict(
                f"A delivery that is {order.status} cannot become {status}.",
                code="status_invalid",
            )
    DeliveryOrder.objects.filter(pk__in=[o.pk for o in locked]).update(
        status=status, updated_at=timezone.now()
    )
    DeliveryEvent.objects.bulk_create(
        DeliveryEvent(order=order, status=status, note=note[:300]) for order in locked
    )
    for order in locked:
        order.status = status
        if status in NOTICES:
            delivery_notice_queue(order=order)
    return locked


# What the citizen is told, and when: {status: (Arabic, English)}; {link} is the tracking link.
NOTICES = {
    DeliveryStatus.READY_FOR_COLLECTION: (
        "وثيقتك جاهزة للاستلام في {office_ar}. أحضر هويتك. التتبع: {link}",
        "Your document is ready for collection at {office_en}. Bring your ID. Track: {link}",
    ),
    DeliveryStatus.OUT_FOR_DELIVERY: (
        "وثيقتك في الطريق إليك اليوم. التتبع: {link}",
        "Your document is on its way to you today. Track: {link}",
    ),
    DeliveryStatus.DELIVERED: (
        "سُلّمت وثيقتك. التفاصيل: {link}",
        "Your document was delivered. Details: {link}",
    ),
    DeliveryStatus.FAILED: (
        "تعذّر تسليم وثيقتك اليوم؛ سنحاول مجددًا. التتبع: {link}",
        "We could not deliver your document today; we will try again. Track: {link}",
    ),
}


def delivery_notice_queue(*, order: DeliveryOrder) -> DeliveryNotice:
    """Queue the notice of ``order``'s current status for the citizen's phone (the SMS
    gateway reads the outbox); written in the transaction of the status change, so a change
    that is rolled back sends nothing."""
    text_ar, text_en = NOTICES[DeliveryStatus(order.status)]
    link = settings.PLATFORM_BASE_URL.rstrip("/") + reverse(
        "delivery:track", kwargs={"token": order.tracking_token}
    )
    values = {
        "link": link,
        "office_ar": order.office.name_ar,
        "office_en": order.office.name_en,
    }
    return DeliveryNotice.objects.create(
        order=order,
        status=order.status,
        phone=order.contact_phone,
        text_ar=text_ar.format(**values)[:400],
        text_en=text_en.format(**values)[:400],
    )


@transaction.atomic
def delivery_ready_for_collection(*, order: DeliveryOrder) -> DeliveryOrder:
    """The collecting office has the document: the order is ready for collection and the
    citizen is told (also for a home delivery that failed and now waits at its office)."""
    order = DeliveryOrder.objects.select_for_update().get(pk=order.pk)
    if order.method == DeliveryMethod.HOME and order.status != DeliveryStatus.FAILED:
        raise Conflict(
            "A home delivery waits at the office only after a failed attempt.",
            code="status_invalid",
        )
    return delivery_status_set(order=order, status=DeliveryStatus.READY_FOR_COLLECTION)


def delivery_notices_sent(*, ids: list[int]) -> int:
    """Mark notices as sent (by the SMS gateway); returns how many were still unsent."""
    return DeliveryNotice.objects.filter(pk__in=ids, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


def delivery_courier_report(
    *, order: DeliveryOrder, position: Point, stops_before: int | None
) -> DeliveryOrder:
    """Where the courier carrying ``order`` is (EPSG:4326) and how many stops come first."""
    if order.status != DeliveryStatus.OUT_FOR_DELIVERY:
        raise Conflict("Only a delivery that is out has a courier on the way.", code="not_out")
    if not (-180 <= position.x <= 180 and -90 <= position.y <= 90):
        raise InvalidInput("Longitude runs from -180 to 180 and latitude from -90 to 90.")
    updated = DeliveryOrder.objects.filter(pk=order.pk).update(
        courier_position=position, courier_position_at=timezone.now(), stops_before=stops_before
    )
    if not updated:
        raise NotFound(f"There is no delivery {order.pk}.")
    order.refresh_from_db()
    return order
