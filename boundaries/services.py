"""Loading the administrative reference data (``data/reference``) into the database.

All geometries are stored in WGS 84 (EPSG:4326); areas are geodesic square metres computed by
PostGIS. Loading is idempotent (rows are matched on their codes) and all-or-nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.contrib.gis.geos.collections import GeometryCollection
from django.db import transaction
from django.db.models import OuterRef, Subquery

from boundaries.models import Governorate, Locality, Municipality, Region
from boundaries.sources import Dataset
from core.errors import InvalidInput
from core.geometry import geometry_from_geojson
from core.spatial import GeographyArea, InteriorPoint
from core.tiles import tile_cache_invalidate_collection

ProgressCallback = Callable[[int, int, str], None]
# The collections (see boundaries.collections) whose cached tiles a reload makes stale.
BOUNDARY_COLLECTIONS = ("municipalities", "governorates", "localities")

# GeoJSON (RFC 7946) is WGS 84 longitude/latitude; older files name it in a "crs" member.
WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
}


@dataclass
class DatasetReport:
    created: int = 0
    updated: int = 0
    repaired: list[str] = field(default_factory=list)


@dataclass
class ReferenceDataReport:
    datasets: dict[str, DatasetReport] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            name: {"created": r.created, "updated": r.updated, "repaired": r.repaired}
            for name, r in self.datasets.items()
        }


@dataclass(frozen=True)
class SourceFeature:
    properties: dict[str, Any]
    geom: MultiPolygon
    repaired: bool


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise InvalidInput(f"Reference data file missing: {path}", code="missing_file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name} is not UTF-8 text", code="bad_encoding") from None


def _as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    if isinstance(geom, GeometryCollection):
        # ST_MakeValid may split a polygon into polygons and stray lines: keep the areas.
        parts: list[Polygon] = []
        for part in geom:
            if isinstance(part, Polygon):
                parts.append(part)
            elif isinstance(part, MultiPolygon):
                parts.extend(part)
        if parts:
            return MultiPolygon(*parts, srid=geom.srid)
    raise InvalidInput(f"expected a polygon, got {geom.geom_type}", code="wrong_geometry_type")


def _read_polygons(path: Path) -> Iterator[SourceFeature]:
    """Features of a GeoJSON file as valid WGS 84 multipolygons (invalid ones repaired)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"Reference data file missing: {path}", code="missing_file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path.name} is not valid GeoJSON: {exc}", code="bad_file") from None
    if not isinstance(data, dict) or not isinstance(data.get("features") or [], list):
        raise InvalidInput(f"{path.name} is not a GeoJSON FeatureCollection", code="bad_file")
    crs = data.get("crs")
    properties = crs.get("properties") if isinstance(crs, dict) else None
    crs_name = properties.get("name") if isinstance(properties, dict) else crs
    if crs and not (isinstance(crs_name, str) and crs_name in WGS84_CRS_NAMES):
        # The name is only compared with the known names of WGS 84, never given to PROJ.
        raise InvalidInput(
            f"{path.name} is in {str(crs_name)[:120]}; reference data must be WGS 84 (EPSG:4326)",
            code="wrong_crs",
        )
    for index, feature in enumerate(data.get("features") or []):
        where = f"{path.name} feature {index}"
        if not isinstance(feature, dict):
            raise InvalidInput(f"{where} is not a GeoJSON feature", code="bad_file")
        if not feature.get("geometry"):
            raise InvalidInput(f"{where} has no geometry", code="missing_geometry")
        try:
            # Parsed by GEOS, never by GDAL (which would obey a "crs" member of the geometry
            # and read whatever file or URL it names).
            geom = geometry_from_geojson(feature["geometry"])
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}", code="bad_geometry") from None
        repaired = not geom.valid
        if repaired:
            geom = geom.make_valid()
        try:
            multi = _as_multipolygon(geom)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}", code=exc.code) from None
        yield SourceFeature(
            properties=feature.get("properties") or {}, geom=multi, repaired=repaired
        )


def _upsert(model, report: DatasetReport, lookup: dict[str, Any], values: dict[str, Any]):
    obj, created = model.objects.update_or_create(**lookup, defaults=values)
    if created:
        report.created += 1
    else:
        report.updated += 1
    return obj


def _locality_keys(features: list[SourceFeature]) -> list[str]:
    """The source repeats some village names; number repeats from west to east, so a key
    stays the same on every load of the same file."""
    counts = Counter(f.properties["name"] for f in features)
    seen: Counter[str] = Counter()
    order = sorted(
        range(len(features)),
        key=lambda i: (features[i].geom.point_on_surface.x, features[i].geom.point_on_surface.y),
    )
    keys = [""] * len(features)
    for i in order:
        name = features[i].properties["name"]
        seen[name] += 1
        keys[i] = name if counts[name] == 1 else f"{name} #{seen[name]}"
    return keys


@contextmanager
def _source(name: str) -> Iterator[None]:
    """Turn a missing field or an unreadable value in ``name`` into a clear InvalidInput."""
    try:
        yield
    except KeyError as exc:
        raise InvalidInput(
            f"{name}: a record lacks the field {exc.args[0]}", code="missing_field"
        ) from None
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{name}: {exc}", code="bad_value") from None


def _title(name: str) -> str:
    """OCHA spells names in capitals ('EL BIRA'); show them as 'El Bira'."""
    return " ".join(word.capitalize() if word.isalpha() else word.title() for word in name.split())


@transaction.atomic
def reference_data_load(
    *, source_dir: Path, progress: ProgressCallback | None = None
) -> ReferenceDataReport:
    """Load regions, governorates, localities and municipalities from ``source_dir``.

    Files: ``regions.geojson``/``.csv``, ``governorates.geojson``/``.csv`` (OCHA COD-AB),
    ``localities.geojson`` (OCHA villages) and ``municipalities.csv``. Geometries must be WGS 84
    (EPSG:4326); invalid ones are repaired with ST_MakeValid and listed in the report. Areas are
    geodesic m². Either everything loads or nothing changes.
    """
    names = ("regions", "governorates", "localities", "municipalities")
    report = ReferenceDataReport(datasets={name: DatasetReport() for name in names})
    regions = list(_read_polygons(source_dir / "regions.geojson"))
    governorates = list(_read_polygons(source_dir / "governorates.geojson"))
    localities = list(_read_polygons(source_dir / "localities.geojson"))
    municipalities = _read_csv(source_dir / "municipalities.csv")
    with _source("regions.csv"):
        region_names = {row["pcode"]: row for row in _read_csv(source_dir / "regions.csv")}
    with _source("governorates.csv"):
        governorate_extra = {
            row["pcode"]: _governorate_extra(row)
            for row in _read_csv(source_dir / "governorates.csv")
        }
    total = len(regions) + len(governorates) + len(localities) + len(municipalities) + 1
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, message)

    with _source("regions.geojson"):
        _load_regions(regions, region_names, report.datasets["regions"], step)
    with _source("governorates.geojson"):
        _load_governorates(governorates, governorate_extra, report.datasets["governorates"], step)
    with _source("localities.geojson"):
        _load_localities(localities, report.datasets["localities"], step)
    with _source("municipalities.csv"):
        _load_municipalities(municipalities, report.datasets["municipalities"], step)

    for model in (Region, Governorate, Locality, Municipality):
        model.objects.update(area_m2=GeographyArea("geom"))
    for collection_id in BOUNDARY_COLLECTIONS:
        tile_cache_invalidate_collection(collection_id=collection_id)
    step("areas")
    return report


Step = Callable[[str], None]


def _load_regions(
    regions: list[SourceFeature],
    names: dict[str, dict[str, str]],
    report: DatasetReport,
    step: Step,
) -> None:
    for feature in regions:
        p = feature.properties
        _upsert(
            Region,
            report,
            {"pcode": p["adm1_pcode"]},
            {
                "name_en": p["adm1_name"],
                "name_ar": names.get(p["adm1_pcode"], {}).get("name_ar", ""),
                "geom": feature.geom,
                "source": Dataset.OCHA_COD_AB,
            },
        )
        if feature.repaired:
            report.repaired.append(p["adm1_pcode"])
        step("regions")


def _load_governorates(
    governorates: list[SourceFeature],
    extras: dict[str, dict[str, Any]],
    report: DatasetReport,
    step: Step,
) -> None:
    regions_by_code = {r.pcode: r for r in Region.objects.all()}
    for feature in governorates:
        p = feature.properties
        extra = extras.get(p["adm2_pcode"], {})
        region = regions_by_code.get(p["adm1_pcode"])
        if region is None:
            raise InvalidInput(
                f"governorate {p['adm2_pcode']} names an unknown region {p['adm1_pcode']}",
                code="unknown_region",
            )
        _upsert(
            Governorate,
            report,
            {"pcode": p["adm2_pcode"]},
            {
                "name_en": p["adm2_name"],
                "name_ar": extra.get("name_ar", ""),
                "region": region,
                "valid_on": dt.date.fromisoformat(p["valid_on"]) if p.get("valid_on") else None,
                "postcode_digit": extra.get("postcode_digit"),
                "postcode_zone_first": extra.get("postcode_zone_first"),
                "postcode_zone_last": extra.get("postcode_zone_last"),
                "postcode_source": extra.get("postcode_source", ""),
                "geom": feature.geom,
                "source": Dataset.OCHA_COD_AB,
            },
        )
        if feature.repaired:
            report.repaired.append(p["adm2_pcode"])
        step("governorates")


def _load_localities(localities: list[SourceFeature], report: DatasetReport, step: Step) -> None:
    for key, feature in zip(_locality_keys(localities), localities, strict=True):
        p = feature.properties
        _upsert(
            Locality,
            report,
            {"source_key": key},
            {
                "name_en": _title(p["name"]),
                "geom": feature.geom,
                "area_m2_source": p.get("area_m2"),
                "source": Dataset.OCHA_VILLAGES,
            },
        )
        if feature.repaired:
            report.repaired.append(key)
        step("localities")

    # Each locality belongs to the governorate that contains a point inside it.
    containing = Governorate.objects.filter(geom__contains=InteriorPoint(OuterRef("geom")))
    Locality.objects.update(governorate=Subquery(containing.values("pk")[:1]))


def _load_municipalities(rows: list[dict[str, str]], report: DatasetReport, step: Step) -> None:
    for row in rows:
        keys = [k.strip() for k in row["localities"].split(";") if k.strip()]
        if not keys:
            raise InvalidInput(
                f"municipality {row['slug']} lists no localities", code="no_locality"
            )
        parts = list(Locality.objects.filter(source_key__in=keys))
        if len(parts) != len(keys):
            unknown = sorted(set(keys) - {p.source_key for p in parts})
            raise InvalidInput(
                f"municipality {row['slug']}: unknown localities {', '.join(unknown)}",
                code="unknown_locality",
            )
        try:
            governorate = Governorate.objects.get(pcode=row["governorate_pcode"])
        except Governorate.DoesNotExist:
            raise InvalidInput(
                f"municipality {row['slug']}: unknown governorate {row['governorate_pcode']}",
                code="unknown_governorate",
            ) from None
        extent = parts[0].geom
        for part in parts[1:]:
            extent = extent.union(part.geom)
        municipality = _upsert(
            Municipality,
            report,
            {"slug": row["slug"]},
            {
                "name_en": row["name_en"],
                "name_ar": row["name_ar"],
                "governorate": governorate,
                "geom": _as_multipolygon(extent),
                "source": Dataset.OCHA_VILLAGES,
            },
        )
        municipality.localities.set(parts)
        step("municipalities")


def _governorate_extra(row: dict[str, str]) -> dict[str, Any]:
    """Arabic name and postcode facts of one row of governorates.csv, numbers parsed."""
    return {
        "name_ar": row["name_ar"],
        "postcode_digit": _optional_int(row["postcode_digit"]),
        "postcode_zone_first": _optional_int(row["postcode_zone_first"]),
        "postcode_zone_last": _optional_int(row["postcode_zone_last"]),
        "postcode_source": row["postcode_source"],
    }


def _optional_int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None
