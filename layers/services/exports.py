"""Exporting any collection (or the part of it inside a bbox) to GeoPackage, GeoJSON, CSV or a
zipped Shapefile, in a CRS from the allow-list. Only what the user may see is exported."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.contrib.gis.geos import Polygon
from pyproj import CRS

from core.collections import Collection, User
from core.crs import CRS84, srid_of
from core.errors import InvalidInput
from layers.ogc import ItemsQuery
from layers.selectors import collection_filtered


@dataclass(frozen=True)
class ExportFormat:
    driver: str
    extension: str
    media_type: str
    options: tuple[tuple[str, str], ...] = ()


FORMATS = {
    "gpkg": ExportFormat("GPKG", "gpkg", "application/geopackage+sqlite3"),
    "geojson": ExportFormat("GeoJSON", "geojson", "application/geo+json"),
    "csv": ExportFormat("CSV", "csv", "text/csv", (("GEOMETRY", "AS_WKT"),)),
    "shp": ExportFormat("ESRI Shapefile", "zip", "application/zip"),
}
ProgressCallback = Callable[[int, int, str], None]
# Downloads in the web request stop here; larger ones run as a job (never in the request).
INLINE_MAX_FEATURES = 100_000
PANDAS_TYPE = {"integer": "Int64", "number": "float64", "boolean": "boolean"}


@dataclass(frozen=True)
class ExportFile:
    path: Path  # inside a temporary directory the caller removes (see ``cleanup``)
    filename: str
    media_type: str
    features: int

    def cleanup(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


def collection_export(
    *,
    collection: Collection,
    user: User,
    format: str,
    crs: int = CRS84,
    bbox: Polygon | None = None,
    max_features: int | None = None,
    directory: Path | None = None,
    progress: ProgressCallback | None = None,
) -> ExportFile:
    """Write the features of ``collection`` that ``user`` may see (only inside ``bbox``, an
    EPSG:4326 polygon, if given) to a file of ``format`` with geometries in ``crs``, in
    ``directory`` (by default a new temporary one).

    With ``max_features``, a larger export is refused before anything is read (the web request
    sends big exports to a job). ``progress(done, total, message)`` hears of each step."""
    if format not in FORMATS:
        raise InvalidInput(
            f"format={format!r}: use one of {', '.join(FORMATS)}.", code="invalid_format"
        )
    step = progress or (lambda done, total, message: None)
    spec = FORMATS[format]
    srid = srid_of(crs)
    fields = collection.fields(user=user)
    rows = collection_filtered(collection=collection, user=user, query=ItemsQuery(bbox=bbox))
    if max_features is not None and (count := rows.count()) > max_features:
        raise InvalidInput(
            f"This export holds {count:,} features; downloads of more than {max_features:,} "
            "run as a background job: POST /api/v1/collections/"
            f"{collection.id}/exports with the same parameters.",
            code="export_too_large",
        )
    step(0, 3, "reading the features")
    records = list(
        rows.order_by("pk")
        .annotate(
            wkb=AsWKB(collection.geometry_field), props=collection.properties_expression(user=user)
        )
        .values_list("pk", "wkb", "props")
    )
    frame = pd.DataFrame({"id": [r[0] for r in records]})
    for f in fields:
        values = [(r[2] or {}).get(f.name) for r in records]
        frame[f.name] = pd.Series(values, dtype=PANDAS_TYPE.get(f.type, "object"))
    geometries = shapely.from_wkb([bytes(r[1]) for r in records]) if records else []
    table = gpd.GeoDataFrame(frame, geometry=list(geometries), crs=CRS.from_epsg(collection.srid))
    if srid != collection.srid:
        # pyproj, like the importers: an export imported back lands where it was.
        table = table.to_crs(CRS.from_epsg(srid))
    step(1, 3, f"writing {len(records):,} features")
    directory = directory or Path(tempfile.mkdtemp(prefix="export-"))
    base = f"{collection.id}-{'crs84' if crs == CRS84 else f'epsg{crs}'}"
    target = directory / f"{base}.{'shp' if format == 'shp' else spec.extension}"
    pyogrio.write_dataframe(
        table,
        target,
        driver=spec.driver,
        layer=collection.id,
        encoding="UTF-8",
        promote_to_multi=False,
        layer_options=dict(spec.options) or None,
    )
    step(2, 3, "packing the file")
    if format == "shp":
        archive = directory / f"{base}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for part in directory.glob(f"{base}.*"):
                if part != archive:
                    zipped.write(part, part.name)
        target = archive
    return ExportFile(
        path=target, filename=target.name, media_type=spec.media_type, features=len(records)
    )
