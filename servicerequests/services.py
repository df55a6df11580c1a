"""Writes of service requests: a citizen's report (checked whole before anything is stored,
photo included) and staff's change of its status. Positions are WGS 84 (EPSG:4326)."""

from __future__ import annotations

import io
import logging
import math
import secrets
import warnings
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from boundaries.models import Municipality
from boundaries.selectors import municipality_current
from core.errors import InvalidInput, NotFound, PayloadTooLarge
from core.services import change_record, changes_record
from core.text import text_check
from core.tiles import tile_cache_invalidate
from servicerequests.models import WORKFLOW_OPEN, Service, ServiceRequest, WorkflowStatus

logger = logging.getLogger(__name__)

COLLECTION = "service-requests"
MAX_DESCRIPTION = 4000
MAX_NAME = 100
MAX_ADDRESS = 300
MAX_NOTES = 2000
# A phone camera's original is about 12 megapixels; a header claiming more than this is a
# decompression bomb, not a photo of a pothole.
MAX_IMAGE_SIDE = 8_000
MAX_IMAGE_PIXELS = 25_000_000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A geocoded address is taken only when the geocoder is this sure, and only a building or a
# place: a street's middle is no position for a broken lamp.
ADDRESS_MIN_CONFIDENCE = 0.7
ADDRESS_KINDS = ("address", "place")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


@dataclass(frozen=True)
class Contact:
    """The citizen's contact: personal data, never public."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Photo:
    """A photo that decoded, re-encoded without its metadata (a phone's EXIF holds the
    place it was taken and the device), ready to store."""

    content: bytes
    extension: str


def photo_check(upload: UploadedFile | None) -> Photo | None:
    """The photo, checked: at most SERVICE_REQUEST_PHOTO_MAX_BYTES (PayloadTooLarge, 413),
    a JPEG, PNG or WebP that decodes, at most MAX_IMAGE_PIXELS (InvalidInput otherwise), and
    re-encoded in its own format without metadata, turned upright as the camera meant."""
    if upload is None:
        return None
    limit = settings.SERVICE_REQUEST_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(
            _("The photo is %(size)s KB; at most %(limit)s KB are accepted.")
            % {"size": f"{upload.size // 1024:,}", "limit": f"{limit // 1024:,}"},
            code="photo_too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(IMAGE_FORMATS)) as image:
                width, height = image.size
                if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
                    raise _TooLarge
                kind = image.format
                upright = ImageOps.exif_transpose(image)
                if kind == "JPEG" and upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                out = io.BytesIO()
                upright.save(out, format=kind)  # no exif=, no icc: the metadata stays behind
    except (_TooLarge, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            _("The photo is larger than %(side)s pixels a side or %(mp)s megapixels.")
            % {"side": f"{MAX_IMAGE_SIDE:,}", "mp": MAX_IMAGE_PIXELS // 1_000_000},
            code="photo_too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidInput(
            _("The photo is not a JPEG, PNG or WebP image."), code="photo_not_an_image"
        ) from None
    finally:
        upload.seek(0)
    return Photo(content=out.getvalue(), extension=IMAGE_FORMATS[kind])


class _TooLarge(Exception):
    pass


def _inside_municipality(*, point: Point) -> Municipality:
    """The municipality this deployment serves, when ``point`` lies in it; InvalidInput
    ``outside_municipality`` otherwise (another town's problem is not ours to take)."""
    municipality = municipality_current()
    if not Municipality.objects.filter(pk=municipality.pk, geom__intersects=point).exists():
        raise InvalidInput(
            _(
                "The location (longitude %(lon).5f, latitude %(lat).5f) is outside "
                "%(municipality)s; the municipality takes requests inside its boundary only."
            )
            % {
                "lon": point.x,
                "lat": point.y,
                "municipality": (
                    municipality.name_ar
                    if (get_language() or "ar").startswith("ar")
                    else municipality.name_en
                ),
            },
            code="outside_municipality",
        )
    return municipality


def _point_from_address(address: str) -> Point:
    from addressing.geocoders import geocoder  # the one use of addressing: an address typed

    result = geocoder().search(query=address, limit=1)
    best = result.candidates[0] if result.candidates else None
    if best is None or best.kind not in ADDRESS_KINDS or best.confidence < ADDRESS_MIN_CONFIDENCE:
        raise InvalidInput(
            _(
                "The address %(address)s was not found precisely enough; send lat and long "
                "(or choose the place on the map)."
            )
            % {"address": repr(address[:80])},
            code="address_not_found",
        )
    return Point(best.lon, best.lat, srid=4326)


def _contact_check(contact: Contact) -> Contact:
    first = text_check(contact.first_name.strip(), field="first_name", max_length=MAX_NAME)
    last = text_check(contact.last_name.strip(), field="last_name", max_length=MAX_NAME)
    email = contact.email.strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise InvalidInput(_("email is not an email address."), code="invalid_email") from None
    phone = contact.phone.strip()
    if len(phone) > 40 or not all(c.isdigit() or c in "+-() " for c in phone):
        raise InvalidInput(
            _("phone holds digits, spaces, +, -, ( and ) only (40 at most)."),
            code="invalid_phone",
        )
    return Contact(first_name=first, last_name=last, email=email, phone=phone)


def _request_id() -> str:
    return "SR-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def service_request_create(
    *,
    service_code: str,
    lat: float | None,
    lon: float | None,
    address_string: str = "",
    description: str = "",
    photo: UploadedFile | None = None,
    contact: Contact = Contact(),
    reporter: AbstractBaseUser | None = None,
) -> ServiceRequest:
    """A citizen's request for ``service_code`` at (``lon``, ``lat``) in degrees (EPSG:4326),
    or at ``address_string`` found by the geocoder when no position is given. Every part is
    checked before anything is written; a refusal (typed error) is logged and leaves no row
    and no file. The request goes to the service's department. ``reporter`` is the signed-in
    citizen who sent it, if any (their "My requests" page lists it)."""
    try:
        return _create(
            service_code=service_code,
            lat=lat,
            lon=lon,
            address_string=address_string,
            description=description,
            photo=photo,
            contact=contact,
            reporter=reporter,
        )
    except (InvalidInput, NotFound, PayloadTooLarge) as error:
        logger.warning(
            "service request refused (%s): %s %s", service_code[:40], error.code, error.message
        )
        raise


def _create(*, service_code, lat, lon, address_string, description, photo, contact, reporter):
    service = (
        Service.objects.select_related("department")
        .filter(service_code=service_code, active=True)
        .first()
    )
    if service is None:
        raise NotFound(
            _("There is no service %(code)s; GET services.json lists them.")
            % {"code": repr(service_code[:40])},
            code="unknown_service",
        )
    description = text_check(
        description.strip(), field="description", max_length=MAX_DESCRIPTION, multiline=True
    )
    address_string = text_check(
        address_string.strip(), field="address_string", max_length=MAX_ADDRESS
    )
    contact = _contact_check(contact)
    if lat is not None and lon is not None:
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            raise InvalidInput(
                _("lat runs from -90 to 90 and long from -180 to 180 (degrees, WGS 84)."),
                code="coordinates_out_of_range",
            )
        point = Point(lon, lat, srid=4326)
    elif lat is not None or lon is not None:
        raise InvalidInput(_("Send both lat and long."), code="location_incomplete")
    elif address_string:
        point = _point_from_address(address_string)
    else:
        raise InvalidInput(
            _("Say where the problem is: lat and long, or address_string."),
            code="location_missing",
        )
    _inside_municipality(point=point)
    checked_photo = photo_check(photo)
    now = timezone.now()
    request = ServiceRequest(
        service_request_id=_request_id(),
        service=service,
        department=service.department,
        description=description,
        geom=point,
        address_string=address_string,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        reporter=reporter,
        requested_datetime=now,
        expected_datetime=(
            now + timedelta(days=service.expected_days) if service.expected_days else None
        ),
    )
    try:
        with transaction.atomic():
            if checked_photo is not None:
                request.photo.save(
                    f"{secrets.token_hex(16)}.{checked_photo.extension}",
                    ContentFile(checked_photo.content),
                    save=False,
                )
            request.save()
            change_record(
                collection=COLLECTION,
                feature_id=request.pk,
                version=1,
                action="create",
                user=None,
                before=None,
                after=_snapshot(request),
            )
            tile_cache_invalidate(collection_id=COLLECTION, geometries=[request.geom])
    except BaseException:
        if request.photo:
            request.photo.delete(save=False)  # the row is rolled back: its file goes too
        raise
    logger.info(
        "service request %s for %s routed to %s",
        request.service_request_id,
        service.service_code,
        service.department.code,
    )
    return request


def _snapshot(request: ServiceRequest) -> dict:
    """What the audit log keeps of a request: its public part and workflow (the contact is
    personal data and stays in the row only)."""
    return {
        "geometry": {"type": "Point", "coordinates": [request.geom.x, request.geom.y]},
        "properties": {
            "service_request_id": request.service_request_id,
            "service_code": request.service.service_code,
            "department": request.department.code,
            "status": request.status,
            "workflow_status": request.workflow_status,
            "status_notes": request.status_notes,
        },
    }


@transaction.atomic
def service_request_update_status(
    *, request: ServiceRequest, status: str, notes: str, user
) -> ServiceRequest:
    """Move ``request`` to the workflow ``status`` (received, assigned, in_progress, resolved,
    rejected) with ``notes`` the public reads as Open311's status_notes; Open311's open or
    closed follows. Records who did it in the audit log (ChangeRecord)."""
    if status not in WorkflowStatus.values:
        raise InvalidInput(
            _("The status is one of %(choices)s.") % {"choices": ", ".join(WorkflowStatus.values)},
            code="invalid_status",
        )
    notes = text_check(notes.strip(), field="notes", max_length=MAX_NOTES, multiline=True)
    locked = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
        "service", "department"
    )
    request = locked.get(pk=request.pk)
    before = _snapshot(request)
    request.workflow_status = status
    request.status = WORKFLOW_OPEN[WorkflowStatus(status)]
    request.status_notes = notes
    request.status_changed_by = user
    request.save()
    changes_record(
        collection=COLLECTION,
        action="update",
        user=user,
        changes=[(request.pk, before, _snapshot(request))],
    )
    tile_cache_invalidate(collection_id=COLLECTION, geometries=[request.geom])
    return request
