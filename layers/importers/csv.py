"""CSV files with coordinates (x/y or longitude/latitude columns) or a WKT geometry column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import shapely

from core.errors import InvalidInput
from layers.importers.base import Importer, ReadOptions, SourceField, SourceLayer

X_NAMES = ("lon", "lng", "long", "longitude", "x", "easting")
Y_NAMES = ("lat", "latitude", "y", "northing")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
# Arabic spreadsheets are often saved from Excel as Windows-1256.
ENCODINGS = ("utf-8-sig", "cp1256")


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidInput(f"{path.name} is empty.", code="empty_file")
    if b"\x00" in raw[:4096]:
        raise InvalidInput(f"{path.name} is not a text (CSV) file.", code="unreadable_file")
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        f"{path.name} is neither UTF-8 nor Windows-1256 text; save it as UTF-8.",
        code="bad_encoding",
    )


def _pick(header: list[str], wanted: str | None, names: tuple[str, ...]) -> str | None:
    if wanted:
        if wanted not in header:
            raise InvalidInput(f"The CSV has no column {wanted[:100]!r}.", code="unknown_column")
        return wanted
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def _column_type(values: list[str]) -> str:
    present = [v for v in values if v != ""]
    if not present:
        return "string"
    for kind, convert in (("integer", int), ("number", float)):
        try:
            for value in present:
                convert(value)
        except ValueError:
            continue
        return kind
    return "string"


def _convert(values: list[str], kind: str) -> list:
    if kind == "integer":
        return [int(v) if v != "" else None for v in values]
    if kind == "number":
        return [float(v) if v != "" else None for v in values]
    return [v if v != "" else None for v in values]


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _layer_check(path: Path, options: ReadOptions) -> None:
    """A CSV file is one layer, named after the file."""
    if options.layer is not None and options.layer != path.stem:
        raise InvalidInput(
            f"{path.name} is a CSV file: it has one layer, {path.stem!r}, not "
            f"{options.layer[:100]!r}.",
            code="unknown_source_layer",
        )


def _geometry_columns(header: list[str], options: ReadOptions):
    """(wkt, x, y): the columns that hold the geometry (a WKT column, or x and y)."""
    wkt = _pick(header, options.wkt_column, WKT_NAMES)
    x = _pick(header, options.x_column, X_NAMES)
    y = _pick(header, options.y_column, Y_NAMES)
    if not wkt and not (x and y):
        raise InvalidInput(
            "The CSV needs a WKT column (wkt, geometry) or coordinate columns "
            "(lon/lat, x/y); name them, or say which with the wkt/x/y options.",
            code="no_geometry",
        )
    return wkt, x, y


class CSVImporter(Importer):
    name = "csv"
    extensions = (".csv", ".txt")

    def check(self, path: Path, *, options: ReadOptions) -> None:
        text = _decode(path)
        _layer_check(path, options)
        reader = csv.reader(io.StringIO(text), _dialect(text))
        header, first = next(reader, None), next(reader, None)
        if header is None or first is None:
            raise InvalidInput(f"{path.name} has a header but no rows.", code="empty_file")
        header = [h.strip() for h in header]
        if len(set(header)) != len(header):
            raise InvalidInput("The CSV repeats a column name.", code="duplicate_column")
        _geometry_columns(header, options)

    def read(self, path: Path, *, options: ReadOptions) -> list[SourceLayer]:
        text = _decode(path)
        _layer_check(path, options)
        rows = list(csv.reader(io.StringIO(text), _dialect(text)))
        if len(rows) < 2:
            raise InvalidInput(f"{path.name} has a header but no rows.", code="empty_file")
        header, body = [h.strip() for h in rows[0]], rows[1:]
        if len(set(header)) != len(header):
            raise InvalidInput("The CSV repeats a column name.", code="duplicate_column")
        width = len(header)
        ragged = [n + 2 for n, row in enumerate(body) if len(row) != width]
        if ragged:
            lines = ", ".join(map(str, ragged[:5]))
            raise InvalidInput(
                f"{len(ragged)} CSV line(s) do not have {width} columns (line {lines}...).",
                code="ragged_csv",
            )
        columns = {name: [row[i].strip() for row in body] for i, name in enumerate(header)}
        wkt, x, y = _geometry_columns(header, options)
        if wkt:
            geometries = shapely.from_wkt(
                np.array([v or None for v in columns[wkt]], dtype=object), on_invalid="ignore"
            )
            used = {wkt}
        elif x and y:
            try:
                xs = np.array([float(v) if v else np.nan for v in columns[x]])
                ys = np.array([float(v) if v else np.nan for v in columns[y]])
            except ValueError:
                raise InvalidInput(
                    f"Columns {x} and {y} must hold numbers.", code="bad_coordinates"
                ) from None
            geometries = shapely.points(xs, ys)
            geometries[np.isnan(xs) | np.isnan(ys)] = None
            used = {x, y}
        fields = []
        values = {}
        for name in header:
            if name in used:
                continue
            kind = _column_type(columns[name])
            fields.append(SourceField(name=name, type=kind))
            values[name] = _convert(columns[name], kind)
        return [
            SourceLayer(
                name=path.stem,
                geometries=geometries,
                crs=options.crs or 4326,
                fields=fields,
                columns=values,
                source_ids=list(range(2, len(body) + 2)),  # the line in the file
            )
        ]
