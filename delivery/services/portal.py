"""Orders the national e-services portal sends as a CSV file: one row per document, with the
holder, how it is delivered, the delivery point's postcode and the citizen's window.

Columns: ``reference, kind, title_en, title_ar, holder_name, holder_phone, method, postcode,
window_start, window_end, office, contact_name``. ``method`` is ``home`` (``postcode`` and the
window required) or ``collection`` (``office`` is the code of the collecting office). Times are
ISO 8601; a time without an offset is Palestine's local time.

Each row is checked on its own: good rows are stored, bad rows are reported with their line
and reason and nothing of them is written, and a row already stored (the same document,
delivered the same way) is reported as unchanged, so the portal may send a file twice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from addressing.models import Building, BuildingStatus
from core.errors import DomainError, InvalidInput
from core.text import text_check
from delivery.models import (
    DeliveryEvent,
    DeliveryMethod,
    DeliveryOffice,
    DeliveryOrder,
    DeliveryStatus,
    DocumentKind,
    DocumentRequest,
)
from delivery.selectors import OPEN_ORDER, delivery_point_find
from delivery.services.orders import (
    MAX_NAME_LENGTH,
    home_fields,
    phone_normalise,
    reference_clean,
    tracking_token,
)

COLUMNS = (
    "reference",
    "kind",
    "title_en",
    "title_ar",
    "holder_name",
    "holder_phone",
    "method",
    "postcode",
    "window_start",
    "window_end",
    "office",
    "contact_name",
)
REQUIRED = ("reference", "kind", "holder_name", "holder_phone", "method")
MAX_BYTES = 20 * 1024**2
MAX_WINDOW = timedelta(hours=12)


@dataclass
class PortalImport:
    """What an import did: references stored, references already there, rows refused."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "imported": len(self.imported),
            "unchanged": len(self.unchanged),
            "rejected": self.rejected,
            "dry_run": self.dry_run,
        }


class _Rollback(Exception):
    pass


class _Dialect(csv.excel):
    strict = True  # an unclosed quote is a broken file, not a field running to the end


def _rows(data: bytes) -> list[dict]:
    """The rows of the file, each a dict by column name; InvalidInput for a file that is not
    a UTF-8 CSV file with the required columns and at least one row."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("The file is larger than 20 MB.", code="file_too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The file is not UTF-8 text; the portal sends its CSV files in UTF-8.",
            code="invalid_encoding",
        ) from None
    if "\x00" in text:
        raise InvalidInput(
            "The file contains NUL characters: it is not a text CSV file.", code="invalid_csv"
        )
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=_Dialect)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InvalidInput(
                f"The file has no column {', '.join(missing)}; expected {', '.join(COLUMNS)}.",
                code="columns_missing",
            )
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as exc:
        raise InvalidInput(
            f"The file is not a CSV file the platform can read (line {reader.line_num}: {exc}).",
            code="invalid_csv",
        ) from None
    if not rows:
        raise InvalidInput("The file has a header but no rows.", code="file_empty")
    return rows


def _text(row: dict, name: str, *, required: bool = False) -> str:
    """The plain text of column ``name`` (markup, control characters and more than 200
    characters refuse the row)."""
    value = (row.get(name) or "").strip()
    if required and not value:
        raise InvalidInput(f"{name} is empty.", code="name_missing")
    return text_check(value, field=name, max_length=MAX_NAME_LENGTH)


def _moment(value: str, name: str) -> datetime:
    problem = InvalidInput(
        f"{name} is a date and time such as 2026-12-06T09:00.", code="invalid_date"
    )
    try:
        moment = parse_datetime((value or "").strip())
    except ValueError:  # the shape of a date and time, but no such moment (February 30th)
        raise problem from None
    if moment is None or not 2000 <= moment.year <= 2100:
        raise problem
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _home(row: dict) -> dict:
    building = Building.objects.filter(
        postcode=(row.get("postcode") or "").strip().upper(), status=BuildingStatus.ACTIVE
    ).first()
    if building is None:
        raise InvalidInput(
            f"No active building has the postcode {row.get('postcode') or '(empty)'}.",
            code="no_delivery_point",
        )
    found = delivery_point_find(building_id=building.pk)
    start = _moment(row.get("window_start"), "window_start")
    end = _moment(row.get("window_end"), "window_end")
    if end <= start:
        raise InvalidInput("The delivery window ends before it starts.", code="window_empty")
    if end - start > MAX_WINDOW:
        raise InvalidInput("A delivery window lasts 12 hours at most.", code="window_too_long")
    if end <= timezone.now():
        raise InvalidInput("The delivery window is over.", code="window_past")
    return home_fields(building=found.building, office=found.office, start=start, end=end)


def _collection(row: dict) -> dict:
    office = DeliveryOffice.objects.filter(
        code=(row.get("office") or "").strip(), accepts_collection=True
    ).first()
    if office is None:
        raise InvalidInput(
            f"No office with the code {row.get('office') or '(empty)'} accepts collection.",
            code="office_unknown",
        )
    return {"office": office}


def _same(order: DeliveryOrder, method: str, fields: dict) -> bool:
    return order.method == method and all(
        getattr(order, k) == v for k, v in fields.items() if k in ("building", "office")
    )


def _row_import(row: dict) -> str:
    """Store one row; returns ``imported`` or ``unchanged``."""
    reference = reference_clean(row.get("reference") or "")
    kind = (row.get("kind") or "").strip()
    if kind not in DocumentKind.values:
        raise InvalidInput(f"kind is one of {', '.join(DocumentKind.values)}.", code="kind_invalid")
    name = _text(row, "holder_name", required=True)
    contact = _text(row, "contact_name") or name
    title_en, title_ar = _text(row, "title_en"), _text(row, "title_ar")
    phone = phone_normalise(text=row.get("holder_phone") or "")
    method = (row.get("method") or "").strip()
    if method == DeliveryMethod.HOME:
        fields = _home(row)
    elif method == DeliveryMethod.COLLECTION:
        fields = _collection(row)
    else:
        raise InvalidInput("method is home or collection.", code="method_invalid")
    document, _created = DocumentRequest.objects.get_or_create(
        reference=reference,
        defaults={
            "kind": kind,
            "title_en": title_en or str(DocumentKind(kind).label),
            "title_ar": title_ar,
            "holder_name": name,
            "holder_phone": phone,
            "issued_at": timezone.now(),
        },
    )
    if document.holder_phone != phone:
        raise InvalidInput(
            "This reference is already registered with another phone number.",
            code="reference_conflict",
        )
    existing = DeliveryOrder.objects.filter(OPEN_ORDER, document=document).first()
    if existing is not None:
        if _same(existing, method, fields):
            return "unchanged"
        raise InvalidInput(
            "This document's delivery is already arranged differently "
            f"({existing.method}, {existing.status}).",
            code="already_ordered",
        )
    DeliveryOrder.objects.filter(document=document, status=DeliveryStatus.CANCELLED).delete()
    order = DeliveryOrder.objects.create(
        document=document,
        method=method,
        contact_name=contact,
        contact_phone=phone,
        tracking_token=tracking_token(),
        **fields,
    )
    DeliveryEvent.objects.create(order=order, status=order.status, note="from the portal")
    return "imported"


def delivery_orders_import(*, data: bytes, dry_run: bool = False) -> PortalImport:
    """Import the portal's CSV ``data`` (UTF-8; columns in the module's docstring). Good rows
    are stored, each bad row is reported with its line number, code and reason; a file
    refused as a whole (size, encoding, NUL characters, broken CSV, missing columns, no rows)
    raises InvalidInput and writes nothing.
    ``dry_run`` checks every row and writes nothing."""
    report = PortalImport(dry_run=dry_run)
    seen: set[str] = set()
    try:
        with transaction.atomic():
            for line, row in enumerate(_rows(data), start=2):  # line 1 is the header
                reference = (row.get("reference") or "").strip().upper()
                if reference and reference in seen:
                    report.rejected.append(
                        {
                            "line": line,
                            "reference": reference,
                            "code": "duplicate_in_file",
                            "message": "This reference is on an earlier line of the file.",
                        }
                    )
                    continue
                seen.add(reference)
                try:
                    with transaction.atomic():
                        outcome = _row_import(row)
                except (DomainError, IntegrityError) as exc:
                    report.rejected.append(
                        {
                            "line": line,
                            "reference": reference,
                            "code": getattr(exc, "code", None) or "conflict",
                            "message": getattr(exc, "message", None)
                            or "The row conflicts with a delivery stored at the same moment.",
                        }
                    )
                    continue
                (report.imported if outcome == "imported" else report.unchanged).append(reference)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report
