"""Batch geocoding: a CSV of addresses in, the same CSV out with coordinates (WGS 84
longitude/latitude), postcode, confidence and a status for every row.

Files are read as UTF-8 (with or without a byte-order mark); a file that is not UTF-8 is read
as Windows-1256, the encoding Arabic Excel saves CSV in, and the report says so. The result is
written as UTF-8 with a byte-order mark, which Excel opens with Arabic intact.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from addressing.geocoders import geocoder
from core.errors import InvalidInput

MAX_ROWS = 50_000
ADDRESS_COLUMNS = ("address", "العنوان", "query", "q", "full_address", "addr")
RESULT_COLUMNS = (
    "geocode_status",
    "geocode_confidence",
    "geocode_lon",
    "geocode_lat",
    "geocode_postcode",
    "geocode_label_en",
    "geocode_label_ar",
    "geocode_note",
)
# A match this sure is "matched"; below it, or when the runner-up is as good, "uncertain".
SURE = 0.8
CLOSE = 0.05


@dataclass
class BatchReport:
    rows: int = 0
    statuses: Counter = field(default_factory=Counter)
    encoding: str = "utf-8"
    column: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "statuses": dict(self.statuses),
            "encoding": self.encoding,
            "column": self.column,
            "notes": self.notes,
        }


def _decode(raw: bytes, report: BatchReport) -> str:
    if not raw.strip():
        raise InvalidInput("The file is empty.", code="empty_file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.encoding = "windows-1256"
        report.notes.append(
            f"The file is not UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); it "
            "was read as Windows-1256 (Arabic). Save it as 'CSV UTF-8' to be sure."
        )
        try:
            return raw.decode("cp1256")
        except UnicodeDecodeError:
            raise InvalidInput(
                "The file is neither UTF-8 nor Windows-1256 text: save it as 'CSV UTF-8'.",
                code="bad_encoding",
            ) from None


def _address_column(header: list[str], wanted: str | None) -> str:
    if wanted:
        if wanted not in header:
            raise InvalidInput(
                f"The file has no column {wanted!r}; its columns are {', '.join(header)}.",
                code="unknown_column",
            )
        return wanted
    for name in header:
        if name.strip().lower() in ADDRESS_COLUMNS:
            return name
    if len(header) == 1:
        return header[0]
    raise InvalidInput(
        f"Which column holds the addresses? Name one ({', '.join(header)}) or call it 'address'.",
        code="unknown_column",
    )


def geocode_batch(
    *,
    source: Path,
    target: Path,
    column: str | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> BatchReport:
    """Geocode every row of the CSV ``source`` (the addresses in ``column``, or in a column
    named address/العنوان/query, or the only column) and write ``target``: the same rows and
    columns followed by the geocode_* columns. Statuses: matched, uncertain, not_found,
    empty, invalid (the note says why)."""
    report = BatchReport()
    text = _decode(Path(source).read_bytes(), report)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h for h in (reader.fieldnames or []) if h is not None]
    if not header:
        raise InvalidInput("The file has no header row.", code="no_header")
    clash = [c for c in RESULT_COLUMNS if c in header]
    if clash:
        raise InvalidInput(f"The file already has the columns {', '.join(clash)}.")
    report.column = _address_column(header, column)
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            f"The file has {len(rows):,} rows; a batch holds at most {MAX_ROWS:,}.",
            code="too_many_rows",
        )
    engine = geocoder()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[*header, *RESULT_COLUMNS], extrasaction="ignore")
        writer.writeheader()
        for index, row in enumerate(rows, start=1):
            result = _geocode_one(engine, (row.get(report.column) or "").strip())
            report.statuses[result["geocode_status"]] += 1
            writer.writerow({**row, **result})
            if progress is not None and (index % 100 == 0 or index == len(rows)):
                progress(index, len(rows), f"{index:,} of {len(rows):,} addresses")
    report.rows = len(rows)
    return report


def _geocode_one(engine, query: str) -> dict:
    if not query:
        return {"geocode_status": "empty", "geocode_note": "no address in this row"}
    try:
        result = engine.search(query=query, limit=2)
    except InvalidInput as exc:
        return {"geocode_status": "invalid", "geocode_note": exc.message}
    if not result.candidates:
        return {"geocode_status": "not_found", "geocode_note": "; ".join(result.notes)}
    best = result.candidates[0]
    runner_up = result.candidates[1] if len(result.candidates) > 1 else None
    close = runner_up is not None and best.confidence - runner_up.confidence < CLOSE
    status = "matched" if best.confidence >= SURE and not close else "uncertain"
    notes = list(result.notes)
    if close:
        notes.append(f"as likely: {runner_up.label_en}")
    return {
        "geocode_status": status,
        "geocode_confidence": best.confidence,
        "geocode_lon": round(best.lon, 7),
        "geocode_lat": round(best.lat, 7),
        "geocode_postcode": best.postcode or "",
        "geocode_label_en": best.label_en,
        "geocode_label_ar": best.label_ar,
        "geocode_note": "; ".join(notes),
    }
