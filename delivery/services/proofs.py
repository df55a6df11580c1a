"""Writes of what couriers record at the door: a proof of delivery or the reason a delivery
failed. Positions are WGS 84 (EPSG:4326), accuracy in metres."""

from __future__ import annotations

import uuid
import warnings
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.text import text_check
from delivery.models import (
    Courier,
    DeliveryStatus,
    FailureReason,
    Outcome,
    ProofOfDelivery,
    Round,
    RoundStatus,
    RoundStop,
)
from delivery.services.orders import MAX_NAME_LENGTH, TRANSITIONS, delivery_status_set
from delivery.services.rounds import round_after_proof

# A phone's clock may run a little fast; a record from further in the future is refused.
CLOCK_SKEW = timedelta(minutes=10)
# A phone keeps records it could not send; one older than this is not a record of this round.
MAX_RECORD_AGE = timedelta(days=30)
MAX_NOTE_LENGTH = 300
# The largest image accepted: the courier's app sends photos of 1,280 pixels at most, a
# camera's original is about 12 megapixels. A header claiming more is a decompression bomb.
MAX_IMAGE_SIDE = 10_000
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class _TooLarge(Exception):
    pass


def _image(upload: UploadedFile | None, *, what: str, png_only: bool = False) -> str | None:
    """The file extension of an uploaded image, after checking its size, its dimensions and
    that it decodes (a JPEG at an eighth of its size: enough to find a broken file)."""
    if upload is None:
        return None
    if upload.size > settings.DELIVERY_PROOF_MAX_BYTES:
        raise InvalidInput(
            f"The {what} is {upload.size // 1024} KB; at most "
            f"{settings.DELIVERY_PROOF_MAX_BYTES // 1024} KB are accepted.",
            code="file_too_large",
        )
    formats = ["PNG"] if png_only else list(IMAGE_FORMATS)
    kinds = "a PNG image" if png_only else "a JPEG, PNG or WebP image"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=formats) as image:
                width, height = image.size
                if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
                    raise _TooLarge
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
                extension = IMAGE_FORMATS[image.format]
    except (_TooLarge, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            f"The {what} is larger than {MAX_IMAGE_SIDE:,} pixels a side or "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels.",
            code="image_too_large",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidInput(f"The {what} is not {kinds}.", code="invalid_image") from None
    finally:
        upload.seek(0)
    return extension


def _client_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(
            "client_id is the record's UUID, made by the phone.", code="invalid_client_id"
        ) from None


@transaction.atomic
def proof_record(
    *,
    user: AbstractBaseUser,
    order_id: int,
    client_id: str,
    outcome: str,
    recorded_at: datetime | None,
    recipient_name: str = "",
    failure_reason: str = "",
    note: str = "",
    position: Point | None = None,
    accuracy_m: float | None = None,
    photo: UploadedFile | None = None,
    signature: UploadedFile | None = None,
) -> tuple[ProofOfDelivery, bool]:
    """Record what the courier ``user`` did at the stop of ``order_id`` in their round under
    way: ``delivered`` to ``recipient_name``, or ``failed`` for ``failure_reason``, with the
    phone's position and time and an optional photo and signature (PNG). Returns the proof and
    whether it is new. The phone's ``client_id`` makes a repeated send (after a lost
    connection) return the stored proof instead of a second one; a different record for a
    stop that already has its proof is refused, and nothing is written."""
    uid = _client_id(client_id)
    courier = Courier.objects.filter(user=user).first()
    if courier is None:
        raise PermissionDenied("Only couriers record deliveries.", code="not_a_courier")
    stop = (
        RoundStop.objects.select_for_update(of=("self",))
        .select_related("round", "order")
        .filter(order_id=order_id, round__courier=courier)
        .exclude(round__status=RoundStatus.PLANNED)
        .order_by("-round__day", "-pk")
        .first()
    )
    if stop is None:
        raise NotFound(
            f"Delivery {order_id} is not in a round of yours that has started.",
            code="not_in_your_round",
        )
    # The round too, before any order: a proof updates every waiting order of its round
    # (round_after_proof), so two proofs of one round recorded at once (the courier's phones
    # sending their queues) locked each other's orders and deadlocked (a 500), and neither
    # saw the other's proof to finish the round. Rounds are locked before orders elsewhere.
    Round.objects.select_for_update().filter(pk=stop.round_id).first()
    same = ProofOfDelivery.objects.filter(client_id=uid).first()
    if same is not None:
        if same.stop_id != stop.pk:
            raise Conflict(
                "This record's id was already used for another delivery.", code="client_id_reused"
            )
        return same, False
    earlier = ProofOfDelivery.objects.filter(stop=stop).first()
    if earlier is not None:
        raise Conflict(
            f"This delivery was already recorded as {earlier.outcome} at "
            f"{timezone.localtime(earlier.recorded_at):%H:%M}; a second record is not stored.",
            code="proof_exists",
            details={"client_id": str(earlier.client_id), "outcome": earlier.outcome},
        )
    recipient_name = (recipient_name or "").strip()
    note = text_check(
        (note or "").strip(), field="note", max_length=MAX_NOTE_LENGTH, multiline=True
    )
    if outcome == Outcome.DELIVERED:
        if not recipient_name:
            raise InvalidInput(
                "Enter the name of the person who received the document "
                f"({MAX_NAME_LENGTH} characters at most).",
                code="recipient_missing",
            )
        text_check(recipient_name, field="recipient_name", max_length=MAX_NAME_LENGTH)
        failure_reason = ""
    elif outcome == Outcome.FAILED:
        if failure_reason not in FailureReason.values:
            raise InvalidInput(
                "Choose why the document could not be delivered.", code="reason_missing"
            )
    else:
        raise InvalidInput("The outcome is delivered or failed.", code="outcome_invalid")
    if recorded_at is None:
        raise InvalidInput("recorded_at is the date and time of the record.", code="invalid_date")
    if timezone.is_naive(recorded_at):
        raise InvalidInput("recorded_at needs its time zone offset.", code="invalid_date")
    now = timezone.now()
    if recorded_at > now + CLOCK_SKEW:
        raise InvalidInput("The record's time is in the future.", code="time_in_future")
    if recorded_at < now - MAX_RECORD_AGE:
        raise InvalidInput(
            f"The record is more than {MAX_RECORD_AGE.days} days old.", code="time_too_old"
        )
    if position is not None and not (-180 <= position.x <= 180 and -90 <= position.y <= 90):
        raise InvalidInput("Longitude runs from -180 to 180 and latitude from -90 to 90.")
    if accuracy_m is not None and not 0 <= accuracy_m < float("inf"):
        raise InvalidInput("accuracy_m is a number of metres.", code="invalid_number")
    status = DeliveryStatus.DELIVERED if outcome == Outcome.DELIVERED else DeliveryStatus.FAILED
    if DeliveryStatus(status) not in TRANSITIONS.get(DeliveryStatus(stop.order.status), set()):
        raise Conflict(
            f"This delivery is {stop.order.status}: it can no longer be recorded as {outcome}.",
            code="status_invalid",
        )
    photo_type = _image(photo, what="photo")
    signature_type = _image(signature, what="signature", png_only=True)
    proof = ProofOfDelivery(
        stop=stop,
        client_id=uid,
        courier=courier,
        outcome=outcome,
        recipient_name=recipient_name if outcome == Outcome.DELIVERED else "",
        failure_reason=failure_reason,
        note=note,
        position=position,
        accuracy_m=accuracy_m,
        recorded_at=recorded_at,
    )
    try:
        if photo is not None:
            proof.photo.save(f"{uid}.{photo_type}", photo, save=False)
        if signature is not None:
            proof.signature.save(f"{uid}.{signature_type}", signature, save=False)
        try:
            with transaction.atomic():
                proof.save()
        except IntegrityError as exc:  # the stop is locked, so only a reused client id gets here
            raise Conflict("This record was already stored.", code="proof_exists") from exc
        delivery_status_set(
            order=stop.order,
            status=status,
            note=str(FailureReason(failure_reason).label) if failure_reason else "",
        )
        round_after_proof(round_=stop.round, position=position, at=recorded_at)
    except BaseException:
        _files_delete(proof)  # the rows are rolled back: the files go with them
        raise
    return proof, True


def _files_delete(proof: ProofOfDelivery) -> None:
    for stored in (proof.photo, proof.signature):
        if stored:
            stored.delete(save=False)
