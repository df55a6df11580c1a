"""GeoPackage, zipped Shapefile and GeoJSON, read with pyogrio (GDAL)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from core.crs import crs_check, crs_of_wkt
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
        if not path.name.lower().endswith(".zip"):
            return str(path)
        shapefiles = [m.filename for m in zip_check(path) if m.filename.lower().endswith(".shp")]
        if not shapefiles:
            raise InvalidInput("The ZIP archive holds no Shapefile (.shp).", code="no_shapefile")
        if len(shapefiles) > 1:
            raise InvalidInput(
                f"The ZIP archive holds several Shapefiles ({', '.join(shapefiles)}); "
                "upload one per archive.",
                code="several_shapefiles",
            )
        return f"/vsizip/{path}/{shapefiles[0]}"

    def read(self, path: Path, *, options: ReadOptions) -> list[SourceLayer]:
        dataset = self._dataset(path)
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
                    f"{path.name} has no layer {options.layer!r} (it has {', '.join(names)}).",
                    code="unknown_source_layer",
                )
            names = [options.layer]
        elif len(names) > 1:
            raise InvalidInput(
                f"{path.name} holds several layers ({', '.join(names)}); choose one.",
                code="choose_source_layer",
            )
        name = names[0]
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
