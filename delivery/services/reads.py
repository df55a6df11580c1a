"""Writes of the log of who on the staff read a delivery's personal data (core's
PersonalDataRead), which the citizen reads on their tracking page."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser

from core.services import personal_data_read_record
from delivery.selectors import ORDER_READ_KIND


def delivery_order_reads_record(
    *, order_ids: Iterable[int], user: AbstractBaseUser, via: str
) -> None:
    """Log in core.PersonalDataRead that ``user`` (staff) was shown the personal data (the
    recipient's name, phone or address) of each of ``order_ids`` through ``via`` (the request's
    path). Every staff view of orders calls this with the orders it showed; the citizen reads
    the log on their tracking page (delivery.selectors.order_reads)."""
    personal_data_read_record(kind=ORDER_READ_KIND, object_ids=order_ids, user=user, via=via)
