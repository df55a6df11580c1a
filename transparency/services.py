"""Retention of personal data: what is past its period is anonymised or deleted.

Periods are settings in days (``DELIVERY_CONTACT_RETENTION_DAYS``,
``SERVICE_REQUEST_CONTACT_RETENTION_DAYS``, ``PERSONAL_DATA_READ_RETENTION_DAYS``) that the
privacy page reads too, so what the page promises is what this module enforces. Each kind is
written in a transaction of its own (a failure in one leaves the others applied) and recorded
in the audit log (``ChangeRecord``, collections ``retention:*``, without the removed data); a
second run finds nothing to do.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.models import ChangeAction, PersonalDataRead
from core.services import changes_record
from delivery.models import (
    DeliveryEvent,
    DeliveryNotice,
    DeliveryOrder,
    DeliveryStatus,
    DocumentRequest,
    ProofOfDelivery,
)
from exchange.models import ExchangeRequestLog
from servicerequests.models import OpenStatus, ServiceRequest

logger = logging.getLogger(__name__)

# What an anonymised name reads. Names are required by the database (a proof of delivery
# names its recipient), so they are replaced rather than emptied; the marker also tells a
# later run that the order is done.
REMOVED = "[removed]"
# An order in one of these statuses is finished; a failed delivery left untouched for the
# whole period is as finished as a delivered one (a retry would have changed its status).
DELIVERY_CLOSED = (
    DeliveryStatus.DELIVERED,
    DeliveryStatus.COLLECTED,
    DeliveryStatus.CANCELLED,
    DeliveryStatus.FAILED,
)
AUDIT_DELIVERY = "retention:delivery-orders"
AUDIT_SERVICE_REQUEST = "retention:service-requests"
AUDIT_READS = "retention:personal-data-reads"
AUDIT_EXCHANGE_LOG = "retention:exchange-request-log"


@dataclass(frozen=True)
class RetentionPeriods:
    """How long each kind of personal data is kept, in days (from the settings)."""

    delivery_contact_days: int
    service_request_contact_days: int
    personal_data_read_days: int
    exchange_request_log_days: int


@dataclass(frozen=True)
class RetentionResult:
    """How many records each kind had past its period (anonymised or deleted, unless a dry run)."""

    delivery_orders: int
    service_requests: int
    personal_data_reads: int
    exchange_requests: int
    dry_run: bool

    def as_dict(self) -> dict:
        return asdict(self)


def retention_periods() -> RetentionPeriods:
    """The periods in force, in days."""
    return RetentionPeriods(
        delivery_contact_days=settings.DELIVERY_CONTACT_RETENTION_DAYS,
        service_request_contact_days=settings.SERVICE_REQUEST_CONTACT_RETENTION_DAYS,
        personal_data_read_days=settings.PERSONAL_DATA_READ_RETENTION_DAYS,
        exchange_request_log_days=settings.EXCHANGE_REQUEST_LOG_RETENTION_DAYS,
    )


def _delivery_orders_due(*, before: datetime) -> QuerySet:
    """Closed orders not yet anonymised whose last status change is older than ``before``."""
    last_event = (
        DeliveryEvent.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(last=Max("at"))
        .values("last")
    )
    return (
        DeliveryOrder.objects.filter(status__in=DELIVERY_CLOSED)
        .exclude(contact_name=REMOVED)
        .annotate(closed_at=Coalesce(Subquery(last_event), "updated_at"))
        .filter(closed_at__lt=before)
    )


def delivery_contacts_anonymise(*, now: datetime, days: int, dry_run: bool = False) -> int:
    """Anonymise the orders closed more than ``days`` days before ``now``: the contact's and
    document holder's names and phones, the address lines, the recipient's name, position,
    photo and signature on the proof, the courier's last position and the text messages.
    The building, postcode, window, statuses and the citizen's rating and comment stay (the
    figures of the transparency page are computed from them). Returns the number of orders."""
    due = _delivery_orders_due(before=now - timedelta(days=days))
    if dry_run:
        return due.count()
    with transaction.atomic():
        # Rows another transaction holds (a courier's late resend) wait for the next night.
        locked = due.select_for_update(of=("self",), skip_locked=True)
        ids = list(locked.values_list("pk", flat=True))
        if not ids:
            return 0
        DeliveryOrder.objects.filter(pk__in=ids).update(
            contact_name=REMOVED,
            contact_phone="",
            address_lines_ar=[],
            address_lines_en=[],
            courier_position=None,
            courier_position_at=None,
        )
        DocumentRequest.objects.filter(order__pk__in=ids).update(
            holder_name=REMOVED, holder_phone=""
        )
        proofs = ProofOfDelivery.objects.filter(stop__order_id__in=ids)
        files = [
            (f.storage, f.name)
            for proof in proofs.only("photo", "signature")
            for f in (proof.photo, proof.signature)
            if f
        ]
        proofs.filter(~Q(recipient_name="")).update(recipient_name=REMOVED)
        proofs.update(position=None, photo="", signature="")
        DeliveryNotice.objects.filter(order_id__in=ids).delete()
        changes_record(
            collection=AUDIT_DELIVERY,
            action=ChangeAction.UPDATE,
            user=None,
            changes=[
                (pk, None, {"personal_data": "anonymised", "retention_days": days}) for pk in ids
            ],
        )
        # Files go once the rows that name them are committed: a rollback keeps both.
        transaction.on_commit(lambda: _files_delete(files))
    logger.info("retention: anonymised %d delivery orders closed over %d days ago", len(ids), days)
    return len(ids)


def _service_requests_due(*, before: datetime) -> QuerySet:
    """Closed requests still holding a contact or photo, closed (last changed) before ``before``."""
    holds = (
        ~Q(first_name="")
        | ~Q(last_name="")
        | ~Q(email="")
        | ~Q(phone="")
        | ~Q(photo="")
        | Q(reporter__isnull=False)
    )
    return ServiceRequest.objects.filter(holds, status=OpenStatus.CLOSED, updated_at__lt=before)


def service_request_contacts_remove(*, now: datetime, days: int, dry_run: bool = False) -> int:
    """Remove the reporter's names, email, phone, photo and account link from requests closed
    more than ``days`` days before ``now`` (the last change of a closed request is its
    closing, or a later note). The description, place and statuses stay public. Returns the
    number of requests."""
    due = _service_requests_due(before=now - timedelta(days=days))
    if dry_run:
        return due.count()
    with transaction.atomic():
        rows = list(due.select_for_update(skip_locked=True).only("pk", "photo"))
        if not rows:
            return 0
        files = [(r.photo.storage, r.photo.name) for r in rows if r.photo]
        # update() leaves updated_at alone: the request's closing date is still its last change.
        ServiceRequest.objects.filter(pk__in=[r.pk for r in rows]).update(
            first_name="", last_name="", email="", phone="", photo="", reporter=None
        )
        changes_record(
            collection=AUDIT_SERVICE_REQUEST,
            action=ChangeAction.UPDATE,
            user=None,
            changes=[
                (r.pk, None, {"personal_data": "removed", "retention_days": days}) for r in rows
            ],
        )
        transaction.on_commit(lambda: _files_delete(files))
    logger.info("retention: removed the contacts of %d service requests", len(rows))
    return len(rows)


def personal_data_reads_delete(*, now: datetime, days: int, dry_run: bool = False) -> int:
    """Delete the records of reads of personal data older than ``days`` days before ``now``.
    The audit log keeps one record of the deletion (how many, up to when). Returns the number
    of records deleted."""
    return _records_delete(
        PersonalDataRead.objects.filter(at__lt=now - timedelta(days=days)),
        cutoff=now - timedelta(days=days),
        audit=AUDIT_READS,
        dry_run=dry_run,
    )


def exchange_request_log_delete(*, now: datetime, days: int, dry_run: bool = False) -> int:
    """Delete the exchange services' request log (which government client asked about which
    address, postcode or parcel, from which address) older than ``days`` days before ``now``,
    with one audit record of the deletion. Returns the number of records deleted."""
    cutoff = now - timedelta(days=days)
    return _records_delete(
        ExchangeRequestLog.objects.filter(at__lt=cutoff),
        cutoff=cutoff,
        audit=AUDIT_EXCHANGE_LOG,
        dry_run=dry_run,
    )


def _records_delete(old: QuerySet, *, cutoff: datetime, audit: str, dry_run: bool) -> int:
    if dry_run:
        return old.count()
    with transaction.atomic():
        deleted, _by_model = old.delete()
        if deleted:
            changes_record(
                collection=audit,
                action=ChangeAction.DELETE,
                user=None,
                changes=[
                    (
                        cutoff.date().isoformat(),
                        None,
                        {"deleted": deleted, "older_than": cutoff.isoformat()},
                    )
                ],
            )
    if deleted:
        logger.info("retention: deleted %d records (%s) before %s", deleted, audit, cutoff)
    return deleted


def personal_data_retention_apply(*, now: datetime, dry_run: bool = False) -> RetentionResult:
    """Apply every retention period as of ``now`` (an aware datetime): anonymise delivery
    contacts, remove service-request contacts and photos, delete old read records and old
    exchange request logs. One
    transaction per kind; idempotent. With ``dry_run`` nothing changes and the counts say what
    a run would do."""
    periods = retention_periods()
    return RetentionResult(
        delivery_orders=delivery_contacts_anonymise(
            now=now, days=periods.delivery_contact_days, dry_run=dry_run
        ),
        service_requests=service_request_contacts_remove(
            now=now, days=periods.service_request_contact_days, dry_run=dry_run
        ),
        personal_data_reads=personal_data_reads_delete(
            now=now, days=periods.personal_data_read_days, dry_run=dry_run
        ),
        exchange_requests=exchange_request_log_delete(
            now=now, days=periods.exchange_request_log_days, dry_run=dry_run
        ),
        dry_run=dry_run,
    )


def _files_delete(files: list[tuple]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            # The row no longer names it; a file left behind holds nothing anyone can reach.
            logger.warning("retention: could not delete %s", name, exc_info=True)
