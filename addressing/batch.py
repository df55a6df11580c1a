"""Batch geocoding: a CSV of addresses in, the same CSV out with coordinates (WGS 84
longitude/latitude), postcode, confidence and a status for every row.

Files are read as UTF-8 (with or without a byte-order mark); a file that is not UTF-8 is read
as Windows-1256, the encoding Arabic Excel saves CSV in, and the report says so. The result is
written as UTF-8 with a byte-order mark, which Excel opens with Arabic intact.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from addressing.geocoders import geocoder
from core.errors import InvalidInput, UnsupportedMediaType

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


# Byte-order marks of encodings a CSV of addresses is not read in (UTF-32 first: its
# little-endian mark begins with UTF-16's).
_OTHER_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# Characters no CSV text holds: control characters other than tab and line breaks. A NUL is
# a binary file (a ZIP, a GeoPackage) or UTF-16 without its byte-order mark.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The file names a batch is read from: a CSV, or text saved as such.
CSV_SUFFIXES = ("", ".csv", ".txt")
SAVE_AS = "Save it from the spreadsheet as 'CSV UTF-8' and upload that."


def _decode(raw: bytes, report: BatchReport) -> str:
    if not raw.strip():
        raise InvalidInput("The file is empty.", code="empty_file")
    for mark, encoding in _OTHER_ENCODINGS:
        if raw.startswith(mark):
            raise InvalidInput(
                f"The file is {encoding} text; batch geocoding reads UTF-8 (or Windows-1256). "
                + SAVE_AS,
                code="bad_encoding",
            )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.encoding = "windows-1256"
        report.notes.append(
            f"The file is not UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); it "
            "was read as Windows-1256 (Arabic). Save it as 'CSV UTF-8' to be sure."
        )
        try:
            text = raw.decode("cp1256")
        except UnicodeDecodeError:
            raise InvalidInput(
                "The file is neither UTF-8 nor Windows-1256 text. " + SAVE_AS,
                code="bad_encoding",
            ) from None
    control = _NOT_TEXT.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise InvalidInput(
            f"The file holds the control character U+{ord(control.group()):04X} on line "
            f"{line}: it is binary data or text in another encoding (such as UTF-16), not a "
            "CSV. " + SAVE_AS,
            code="bad_encoding",
            details={"line": line},
        )
    return text


def _names(header: list[str]) -> str:
    shown = ", ".join(repr(name[:40]) for name in header[:20])
    return shown + (f" and {len(header) - 20} more" if len(header) > 20 else "")


def _address_column(header: list[str], wanted: str | None) -> str:
    if wanted:
        if wanted not in header:
            raise InvalidInput(
                f"The file has no column {wanted[:40]!r}; its columns are {_names(header)}.",
                code="unknown_column",
            )
        return wanted
    for name in header:
        if name.strip().lower() in ADDRESS_COLUMNS:
            return name
    if len(header) == 1:
        return header[0]
    raise InvalidInput(
        f"Which column holds the addresses? Name one ({_names(header)}) or call it 'address'.",
        code="unknown_column",
    )


def _read(raw: bytes, column: str | None, report: BatchReport) -> tuple[list[str], list[dict]]:
    """The header and rows of a batch file, its address column in ``report``; InvalidInput
    (400) naming what is wrong when it is not a CSV of addresses that can be read."""
    text = _decode(raw, report)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h for h in (reader.fieldnames or []) if h is not None]
        if not header:
            raise InvalidInput("The file has no header row.", code="no_header")
        clash = [c for c in RESULT_COLUMNS if c in header]
        if clash:
            raise InvalidInput(
                f"The file already has the columns {', '.join(clash)}.", code="result_columns"
            )
        report.column = _address_column(header, column)
        rows = []
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise InvalidInput(
                    f"The file has more than {MAX_ROWS:,} rows; a batch holds at most "
                    f"{MAX_ROWS:,}.",
                    code="too_many_rows",
                )
        if not rows:
            raise InvalidInput(
                "The file has a header row and no addresses under it.", code="no_rows"
            )
    except csv.Error as exc:
        raise InvalidInput(
            f"The file cannot be read as CSV (line {reader.line_num}: {exc}). " + SAVE_AS,
            code="invalid_csv",
        ) from None
    return header, rows


def batch_check(*, name: str, raw: bytes, column: str | None = None) -> BatchReport:
    """What geocode_batch would find wrong with an uploaded file before it geocodes a row:
    InvalidInput (400) or UnsupportedMediaType (415) with the reason; the report (encoding,
    address column) when the file will do."""
    suffix = Path(name).suffix.lower()
    if suffix not in CSV_SUFFIXES:
        raise UnsupportedMediaType(
            f"Batch geocoding reads a CSV file (.csv), not {suffix[:20]!r}. " + SAVE_AS,
            code="unsupported_file_type",
        )
    report = BatchReport()
    _read(raw, column, report)
    return report


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
    header, rows = _read(Path(source).read_bytes(), column, report)
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
