"""GeoPackage, zipped Shapefile and GeoJSON, read with pyogrio (GDAL)."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from core.crs import crs_check, crs_of_wkt, crs_parse
from core.errors import InvalidInput
from layers.importers.base import (
    Importer,
    ReadOptions,
    SourceField,
    SourceLayer,
    type_of_dtype,
    zip_check,
)


def _python(values: np.ndarray) -> list:
    """Column values as plain Python (None for missing numbers and dates)."""
    if values.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in values]
    if values.dtype.kind == "M":
        unit = np.datetime_data(values.dtype)[0]
        return [None if np.isnat(v) else str(np.datetime_as_string(v, unit=unit)) for v in values]
    if values.dtype.kind in "iub":
        return values.tolist()
    return [None if v is None else v for v in values.tolist()]


class OGRImporter(Importer):
    name = "ogr"
    extensions = (".gpkg", ".geojson", ".json", ".zip")

    def _dataset(self, path: Path) -> str:
        """The GDAL name of the file's dataset, with its driver named (GDAL guesses no
        format), once the checks that need no GDAL have passed: ZIP safety and CRS texts."""
        lower = path.name.lower()
        if lower.endswith(".gpkg"):
            gpkg_check(path)
            return f"GPKG:{path}"
        if not lower.endswith(".zip"):
            geojson_crs_check(path)
            return f"GeoJSON:{path}"
        shapefiles = [m.filename for m in zip_check(path) if m.filename.lower().endswith(".shp")]
        if not shapefiles:
            raise InvalidInput("The ZIP archive holds no Shapefile (.shp).", code="no_shapefile")
        if len(shapefiles) > 1:
            raise InvalidInput(
                f"The ZIP archive holds several Shapefiles ({', '.join(shapefiles)}); "
                "upload one per archive.",
                code="several_shapefiles",
            )
        prj_check(path, shapefiles[0])
        return f"/vsizip/{path}/{shapefiles[0]}"

    def _layer(self, path: Path, dataset: str, options: ReadOptions) -> str:
        """The name of the layer to read (``options.layer``, or the file's only layer)."""
        try:
            names = [row[0] for row in pyogrio.list_layers(dataset)]
        except (DataSourceError, DataLayerError):
            raise InvalidInput(
                f"{path.name} cannot be read as a GeoPackage, Shapefile or GeoJSON file.",
                code="unreadable_file",
            ) from None
        if not names:
            raise InvalidInput(f"{path.name} holds no layer.", code="empty_file")
        if options.layer:
            if options.layer not in names:
                raise InvalidInput(
                    f"{path.name} has no layer {options.layer[:100]!r} "
                    f"(it has {', '.join(names)}).",
                    code="unknown_source_layer",
                )
            names = [options.layer]
        elif len(names) > 1:
            raise InvalidInput(
                f"{path.name} holds several layers ({', '.join(names)}); choose one.",
                code="choose_source_layer",
            )
        return names[0]

    def check(self, path: Path, *, options: ReadOptions) -> None:
        dataset = self._dataset(path)
        name = self._layer(path, dataset, options)
        try:
            info = pyogrio.read_info(dataset, layer=name)
        except (DataSourceError, DataLayerError) as exc:
            raise InvalidInput(f"{path.name} is damaged: {exc}", code="unreadable_file") from None
        if info.get("features") == 0:
            raise InvalidInput(f"{path.name} holds no features.", code="empty_file")

    def read(self, path: Path, *, options: ReadOptions) -> list[SourceLayer]:
        dataset = self._dataset(path)
        name = self._layer(path, dataset, options)
        try:
            meta, fids, wkb, field_data = pyogrio.raw.read(dataset, layer=name, return_fids=True)
        except (DataSourceError, DataLayerError) as exc:
            raise InvalidInput(f"{path.name} is damaged: {exc}", code="unreadable_file") from None
        if wkb is None:
            raise InvalidInput(f"{path.name} has no geometry column.", code="no_geometry")
        if options.crs is not None:
            crs = options.crs
        elif meta.get("crs"):
            crs = _crs_code(meta["crs"])
        else:
            crs = None
        geometries = shapely.from_wkb(wkb, on_invalid="ignore")
        fields = [
            SourceField(name=str(n), type=type_of_dtype(d))
            for n, d in zip(meta["fields"], meta["dtypes"], strict=True)
        ]
        columns = {
            f.name: _python(np.asarray(values))
            for f, values in zip(fields, field_data, strict=True)
        }
        return [
            SourceLayer(
                name=name,
                geometries=geometries,
                crs=crs,
                fields=fields,
                columns=columns,
                source_ids=fids.tolist() if fids is not None else [],
            )
        ]


def _crs_code(text: str) -> int:
    """pyogrio names a CRS ``EPSG:n`` when GDAL knows the code, and gives WKT otherwise."""
    if text.upper().startswith("EPSG:") and text[5:].isdigit():
        return crs_check(int(text[5:]))
    return crs_of_wkt(text)


# --- CRS texts in files, checked before GDAL reads the file -----------------------------------

PRJ_MAX_BYTES = 64 * 1024
_URN = re.compile(r"^urn:ogc:def:crs:EPSG:[0-9.]*:(\d{1,6})$", re.IGNORECASE)
_CRS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84"}


def geojson_crs_check(path: Path) -> None:
    """Refuse a GeoJSON file whose ``crs`` member (GeoJSON 2008; RFC 7946 dropped it) names
    anything but an allowed EPSG code: GDAL would hand its text to PROJ, which reads files
    and URLs it names. Files that mention no "crs" (nor escape ASCII, which could spell it)
    are not parsed here."""
    mentions, tail = False, b""
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            window = tail + chunk
            if b'"crs"' in window or b"\\u00" in window:
                mentions = True
                break
            tail = chunk[-8:]
    if not mentions:
        return
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        raise InvalidInput(f"{path.name} is not valid GeoJSON.", code="unreadable_file") from None
    crs = document.get("crs") if isinstance(document, dict) else None
    if crs is None:
        return
    name = None
    if isinstance(crs, dict) and crs.get("type") == "name":
        name = (crs.get("properties") or {}).get("name")
    if not isinstance(name, str):
        raise InvalidInput(
            f"{path.name} names its CRS in a way the platform does not accept; GeoJSON is "
            "WGS 84 (RFC 7946): remove the crs member, or name an EPSG code.",
            code="unsupported_crs",
        )
    text = name.strip()
    if text in _CRS84_NAMES:
        return
    match = _URN.match(text)
    if match:
        crs_check(int(match.group(1)))
        return
    crs_parse(text)  # EPSG:n, an OGC URI or CRS84; InvalidInput otherwise


def prj_check(path: Path, shapefile: str) -> None:
    """Refuse a zipped Shapefile whose .prj is not WKT of an allowed CRS (a PROJ string could
    name files for PROJ to read). The archive has passed zip_check."""
    stem = shapefile[: -len(".shp")].lower()
    with zipfile.ZipFile(path) as archive:
        member = next((m for m in archive.infolist() if m.filename.lower() == f"{stem}.prj"), None)
        if member is None:
            return  # the import asks for the CRS (missing_crs) unless the client gave it
        if member.file_size > PRJ_MAX_BYTES:
            raise InvalidInput("The Shapefile's .prj is too large to be a CRS.", code="bad_crs")
        try:
            text = archive.read(member).decode("utf-8", errors="replace")
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
            raise InvalidInput("The ZIP archive is damaged.", code="bad_zip") from None
    crs_of_wkt(text)


GPKG_HEADER = b"SQLite format 3\x00"


def gpkg_check(path: Path) -> None:
    """Refuse a file that is not a readable GeoPackage, or whose feature tables use a CRS
    whose definition is not an allowed one, before GDAL opens it (read-only, with SQLite's
    schema distrusted: a hostile file's views and triggers call no functions)."""
    with path.open("rb") as handle:
        if handle.read(len(GPKG_HEADER)) != GPKG_HEADER:
            raise InvalidInput(f"{path.name} is not a GeoPackage.", code="unreadable_file")
    try:
        database = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
        try:
            database.execute("PRAGMA trusted_schema = OFF")
            rows = database.execute(
                "SELECT c.table_name, s.srs_id, s.definition FROM gpkg_contents AS c "
                "JOIN gpkg_spatial_ref_sys AS s ON s.srs_id = c.srs_id "
                "WHERE c.data_type = 'features'"
            ).fetchall()
        finally:
            database.close()
    except sqlite3.Error:
        raise InvalidInput(
            f"{path.name} is not a readable GeoPackage (its tables are missing or damaged).",
            code="unreadable_file",
        ) from None
    for _table, srs_id, definition in rows:
        if srs_id in (-1, 0):  # "undefined": the import asks for the CRS
            continue
        if not isinstance(definition, str):
            raise InvalidInput(f"{path.name} has a CRS without a definition.", code="bad_crs")
        crs_of_wkt(definition)
