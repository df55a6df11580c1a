"""Writes of what citizens tell the platform about their deliveries: a rating and a comment,
given once through the tracking link after the document was delivered."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.errors import Conflict, InvalidInput
from core.text import text_check
from delivery.models import DeliveryFeedback, DeliveryOrder
from delivery.selectors import order_delivered

RATINGS = range(1, 6)
MAX_COMMENT_LENGTH = 1000


@transaction.atomic
def delivery_feedback_give(
    *, order: DeliveryOrder, rating: int | None, comment: str = ""
) -> DeliveryFeedback:
    """Store the citizen's rating (1 to 5 stars) and optional comment (plain text, at most
    MAX_COMMENT_LENGTH characters, line breaks allowed) on ``order``, once. Refused with the
    reason, and nothing stored: a rating missing or out of range, a comment with markup or
    control characters (InvalidInput, 400); an order not delivered yet (``not_delivered``)
    or already rated (``feedback_given``) (Conflict, 409)."""
    if rating is None:
        raise InvalidInput("Choose a rating from 1 to 5 stars.", code="rating_missing")
    if rating not in RATINGS:
        raise InvalidInput(
            f"A rating is 1 to 5 stars; {rating} is not one.", code="rating_out_of_range"
        )
    # Shown to the office's staff and kept for analysts: plain text only (core.text).
    comment = text_check(
        comment.strip(), field="comment", max_length=MAX_COMMENT_LENGTH, multiline=True
    )
    # The order's row is the lock: two submissions at once are taken one after the other.
    locked = DeliveryOrder.objects.select_for_update().get(pk=order.pk)
    if not order_delivered(order=locked):
        raise Conflict(
            "This document has not been delivered yet: you can rate the delivery once the "
            "courier has handed it over.",
            code="not_delivered",
        )
    if DeliveryFeedback.objects.filter(order=locked).exists():
        raise Conflict(
            "You have already rated this delivery; a rating cannot be changed.",
            code="feedback_given",
        )
    try:
        with transaction.atomic():
            return DeliveryFeedback.objects.create(order=locked, rating=rating, comment=comment)
    except IntegrityError as exc:  # the database's one-per-order constraint, as a last guard
        raise Conflict(
            "You have already rated this delivery; a rating cannot be changed.",
            code="feedback_given",
        ) from exc
