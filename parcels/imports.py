"""Importing cadastral files (GeoPackage, zipped Shapefile, GeoJSON) into the register, with a
report built before anything is written.

The file is read by the platform's file importer (layers.importers), its geometries
reprojected from the file's CRS (an allowed EPSG code) to WGS 84 (EPSG:4326) with pyproj and
checked by the platform's geometry rules (core.geometry), and each feature is then checked
against the register's rules: one valid polygon, a geodesic area (m², WGS 84 ellipsoid) of at
least TopologyRules.min_area_m2, an identifier (basin and number) given once in the file and
not held by an active parcel of the locality, and no overlap of more than
TopologyRules.overlap_tolerance_m2 (geodesic m²) with another feature of the file or an active
parcel of the register. Any problem refuses the whole file and nothing is written; otherwise
every parcel is written in one transaction, recorded as one ParcelTransaction of kind IMPORT,
and the database's own rules (migration 0002) check every row again.

Identifiers. A parcel is cited by locality, basin and parcel number, both numbers. The field
map says which source fields hold them. Basins are read as decimal numbers by default; French
cadastral files give a *section* code of one or two letters or digits instead (``AB``,
``0A``), read as a base-36 number (``int(code, 36)``: 0-9 then A-Z), so that each section of a
commune gets one basin number and the code can be read back (``AB`` → 371, ``0A`` and ``A`` →
10, ``ZZ`` → 1295). The transaction's details keep the section → basin table.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from boundaries.models import Locality, Municipality
from core.crs import crs_check
from core.errors import InvalidInput, UnsupportedMediaType
from core.geometry import geometries_prepare
from layers.importers import ReadOptions, SourceLayer
from layers.importers.base import source_check
from layers.importers.ogr import OGRImporter
from parcels.models import LandUse, Parcel, ParcelStatus, TopologyRules, TransactionKind
from parcels.services import GEOD, NewParcel, parcels_register

# The report keeps this many problems one by one (every problem is counted).
REPORTED_PROBLEMS = 1000
# PositiveIntegerField's upper bound in PostgreSQL.
MAX_INTEGER = 2**31 - 1
# registered_area_m2 is NUMERIC(12, 2).
MAX_REGISTERED_AREA = Decimal("9999999999.99")
BASIN_CODES = ("number", "section")


@dataclass(frozen=True)
class ParcelFieldMap:
    """Which fields of the source file give each parcel's basin, number, land use and
    registered area (m²). ``land_use`` and ``registered_area`` are optional (None: not read).
    ``basin_codes`` says how the basin field reads: ``"number"`` (a decimal number) or
    ``"section"`` (a French section code of one or two letters or digits, read in base 36)."""

    basin: str = "basin"
    number: str = "number"
    land_use: str | None = None
    registered_area: str | None = None
    basin_codes: str = "number"

    @classmethod
    def french_cadastre(cls) -> ParcelFieldMap:
        """The French cadastre's parcel files (Etalab/DGFiP): ``section``, ``numero`` and
        ``contenance`` (the registered area in m²)."""
        return cls(
            basin="section", number="numero", registered_area="contenance", basin_codes="section"
        )

    @classmethod
    def for_fields(cls, names: set[str]) -> ParcelFieldMap:
        """The default map for a file with fields ``names``: the French cadastre's when the
        file has its ``section`` and ``numero`` fields, otherwise ``basin`` and ``number``
        (with ``land_use`` and ``registered_area_m2`` when the file has them)."""
        if {"section", "numero"} <= names:
            return cls.french_cadastre()
        return cls(
            land_use="land_use" if "land_use" in names else None,
            registered_area="registered_area_m2" if "registered_area_m2" in names else None,
        )

    def fields(self) -> dict[str, str]:
        """Register attribute -> source field, for the fields this map reads."""
        named = {
            "basin": self.basin,
            "number": self.number,
            "land_use": self.land_use,
            "registered_area_m2": self.registered_area,
        }
        return {target: source for target, source in named.items() if source}


@dataclass
class ParcelImportReport:
    """What an import found and did. ``problems`` lists the first REPORTED_PROBLEMS problems,
    each naming its feature (``source_id``: the file's feature id; ``feature``: its position,
    from 0) and what is wrong; ``counts`` counts every problem by code. Areas are geodesic m²."""

    source: str
    source_layer: str
    source_crs: str
    locality: str
    mapping: dict[str, Any]
    dry_run: bool
    features: int = 0
    parcels: int = 0  # features that would become parcels (all of them, or none is written)
    written: bool = False
    imported: int = 0
    transaction_id: int | None = None
    repaired: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    basins: dict[str, int] = field(default_factory=dict)  # section code -> basin number
    summary: str = ""
    check_seconds: float = 0.0  # reading and checking
    seconds: float = 0.0  # in all, with the write

    @property
    def refused(self) -> bool:
        return bool(self.counts)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "refused": self.refused}


class _Problems:
    """Problems by feature position, several per feature, in the order they were found."""

    def __init__(self, source: SourceLayer, labels: list[str]) -> None:
        self.source, self.labels = source, labels
        self.found: list[dict[str, Any]] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.features: set[int] = set()

    def source_id(self, index: int) -> Any:
        ids = self.source.source_ids
        return ids[index] if index < len(ids) else index

    def name(self, index: int) -> str:
        label = self.labels[index]
        return f"feature {self.source_id(index)}" + (f" ({label})" if label else "")

    def add(self, index: int, code: str, message: str, **related: Any) -> None:
        self.counts[code] += 1
        self.features.add(index)
        self.found.append(
            {
                "feature": index,
                "source_id": self.source_id(index),
                "label": self.labels[index],
                "code": code,
                "message": f"{self.name(index)}: {message}",
                **related,
            }
        )


def parcels_import(
    *,
    path: Path,
    locality: Locality,
    municipality: Municipality,
    user,
    reason: str,
    mapping: ParcelFieldMap | None = None,
    dry_run: bool = False,
    source_crs: int | None = None,
    repair: bool = False,
    is_synthetic: bool = False,
) -> ParcelImportReport:
    """Import the parcels of the file at ``path`` into ``locality`` (served by
    ``municipality``), all or nothing, and report what was found.

    The file's CRS (or ``source_crs``, an allowed EPSG code, for a file that does not say) is
    reprojected to EPSG:4326 (longitude, latitude). Every feature is checked first (see the
    module's docstring); areas and overlaps are geodesic, in m² on the WGS 84 ellipsoid. When
    the report lists any problem, or ``dry_run`` is set, nothing is written and the report
    says so; otherwise every parcel is registered in one transaction (kind IMPORT, with
    ``reason`` and ``user``) valid from that transaction's time. ``repair`` makes invalid
    boundaries valid (GEOS MakeValid) instead of refusing them; a repair that splits a
    boundary into several polygons is still refused.

    Raises InvalidInput (or UnsupportedMediaType) for what refuses the file as a whole: an
    unreadable or truncated file, a CRS that is missing or not allowed, coordinates that do
    not fit the file's CRS, fields the map names that the file lacks; and the typed error of
    the database rule should a concurrent change make the write break one (nothing written).
    """
    began = time.monotonic()
    if not dry_run and not (reason or "").strip():
        raise InvalidInput("Every change of the register needs a reason.", code="reason_missing")
    if not municipality.localities.filter(pk=locality.pk).exists():
        raise InvalidInput(
            f"{municipality} does not serve the locality {locality}.", code="locality_mismatch"
        )
    if source_crs is not None:
        crs_check(source_crs)
    if mapping is not None and mapping.basin_codes not in BASIN_CODES:
        raise InvalidInput(
            f"basin_codes is one of {', '.join(BASIN_CODES)}, not {mapping.basin_codes!r}.",
            code="invalid_mapping",
        )
    source = _read(path, source_crs=source_crs)
    names = {f.name for f in source.fields}
    mapping = mapping or ParcelFieldMap.for_fields(names)
    missing = sorted(set(mapping.fields().values()) - names)
    if missing:
        raise InvalidInput(
            f"{path.name} has no field {', '.join(missing)} (it has "
            f"{', '.join(sorted(names)) or 'no fields'}); name the fields that hold the basin "
            "and the parcel number.",
            code="invalid_mapping",
            details={"missing": missing, "fields": sorted(names)},
        )
    report = ParcelImportReport(
        source=path.name,
        source_layer=source.name,
        source_crs=f"EPSG:{source.crs}",
        locality=str(locality),
        mapping=asdict(mapping),
        dry_run=dry_run,
        features=len(source),
        notes=list(source.notes),
    )
    checked = _check(source, mapping=mapping, locality=locality, repair=repair, report=report)
    problems = checked.problems
    report.counts = dict(problems.counts)
    report.problems = sorted(problems.found, key=lambda p: p["feature"])[:REPORTED_PROBLEMS]
    report.parcels = 0 if problems.counts else len(source)
    report.check_seconds = round(time.monotonic() - began, 3)
    if problems.counts:
        report.summary = (
            f"Refused: {sum(problems.counts.values())} problems in {len(problems.features)} of "
            f"{len(source)} features; nothing was written."
        )
    elif dry_run:
        report.summary = f"Dry run: {len(source)} parcels would be imported; nothing was written."
    else:
        _write(
            checked,
            report=report,
            path=path,
            locality=locality,
            municipality=municipality,
            user=user,
            reason=reason,
            is_synthetic=is_synthetic,
        )
        report.summary = (
            f"Imported {report.imported} parcels into {locality} "
            f"(transaction #{report.transaction_id})."
        )
    report.seconds = round(time.monotonic() - began, 3)
    return report


def _read(path: Path, *, source_crs: int | None) -> SourceLayer:
    importer = OGRImporter()
    if not importer.accepts(path):
        raise UnsupportedMediaType(
            f"{path.name}: parcels are imported from GeoPackage (.gpkg), zipped Shapefile (.zip) "
            "or GeoJSON (.geojson, .json) files.",
            code="unsupported_format",
        )
    if not path.is_file():
        raise InvalidInput(f"There is no file {path.name}.", code="file_missing")
    (source,) = importer.read(path, options=ReadOptions(crs=source_crs))
    return source_check(source, path)


@dataclass
class _Checked:
    source: SourceLayer
    problems: _Problems
    geometries: np.ndarray  # shapely Polygons, EPSG:4326
    basins: list[int | None]
    numbers: list[int | None]
    land_uses: list[str]
    areas: list[Decimal | None]


def _check(
    source: SourceLayer,
    *,
    mapping: ParcelFieldMap,
    locality: Locality,
    repair: bool,
    report: ParcelImportReport,
) -> _Checked:
    count = len(source)
    basin_raw = source.columns[mapping.basin]
    number_raw = source.columns[mapping.number]
    labels = [
        f"{mapping.basin} {_text(b)}, {mapping.number} {_text(n)}"
        for b, n in zip(basin_raw, number_raw, strict=True)
    ]
    problems = _Problems(source, labels)
    geometries = _geometries(source, problems=problems, repair=repair, report=report)

    basins: list[int | None] = []
    numbers: list[int | None] = []
    for index in range(count):
        basin = _basin(basin_raw[index], codes=mapping.basin_codes)
        number = _positive(number_raw[index])
        if basin is None:
            how = "a section code (1 or 2 letters or digits)"
            if mapping.basin_codes == "number":
                how = "a whole number from 1"
            problems.add(
                index,
                "bad_basin",
                f"the basin ({mapping.basin} = {basin_raw[index]!r}) is not {how}.",
            )
        elif mapping.basin_codes == "section":
            report.basins[str(basin_raw[index]).strip().upper()] = basin
        if number is None:
            problems.add(
                index,
                "bad_number",
                f"the parcel number ({mapping.number} = {number_raw[index]!r}) is not a whole "
                "number from 1.",
            )
        basins.append(basin)
        numbers.append(number)
    report.basins = dict(sorted(report.basins.items(), key=lambda item: item[1]))

    land_uses = [str(LandUse.UNZONED)] * count
    if mapping.land_use:
        for index, value in enumerate(source.columns[mapping.land_use]):
            text = _text(value).lower()
            if not text:
                continue
            if text not in LandUse.values:
                problems.add(
                    index,
                    "bad_land_use",
                    f"the land use {value!r} is not one of {', '.join(LandUse.values)}.",
                )
            else:
                land_uses[index] = text
    areas: list[Decimal | None] = [None] * count
    if mapping.registered_area:
        for index, value in enumerate(source.columns[mapping.registered_area]):
            if value is None or _text(value) == "":
                continue
            area = _area(value)
            if area is None:
                problems.add(
                    index,
                    "bad_registered_area",
                    f"the registered area {value!r} is not a number of m² from 0 to "
                    f"{MAX_REGISTERED_AREA}.",
                )
            areas[index] = area

    rules = TopologyRules.objects.filter(pk=1).first() or TopologyRules()
    _check_areas(geometries, problems=problems, minimum=rules.min_area_m2)
    _check_identifiers(basins, numbers, problems=problems, locality=locality, report=report)
    _check_overlaps_in_file(geometries, problems=problems, tolerance=rules.overlap_tolerance_m2)
    _check_overlaps_with_register(
        geometries, problems=problems, tolerance=rules.overlap_tolerance_m2
    )
    return _Checked(source, problems, geometries, basins, numbers, land_uses, areas)


def _geometries(
    source: SourceLayer, *, problems: _Problems, repair: bool, report: ParcelImportReport
) -> np.ndarray:
    """The features' boundaries as EPSG:4326 polygons (None where a problem is recorded)."""
    prepared = geometries_prepare(source.geometries, crs=source.crs, geometry_type="Polygon")
    if repair and any(code == "invalid_geometry" for code, _ in prepared.problems.values()):
        invalid = {i: text for i, (code, text) in prepared.problems.items()
                   if code == "invalid_geometry"}  # fmt: skip
        prepared = geometries_prepare(
            source.geometries, crs=source.crs, geometry_type="Polygon", repair=True
        )
        for index in sorted(set(invalid) - set(prepared.problems)):
            report.notes.append(f"{problems.name(index)} repaired ({invalid[index]}).")
            report.repaired += 1
    outside = [i for i, (code, _) in prepared.problems.items() if code == "out_of_range"]
    present = int((~shapely.is_missing(source.geometries)).sum())
    if outside and len(outside) == present:
        raise InvalidInput(
            f"The coordinates of {source.name} do not fit its CRS (EPSG:{source.crs}): "
            "reprojected, they fall outside the longitude/latitude range. Is that the file's "
            "CRS? Give the right one (an allowed EPSG code).",
            code="wrong_crs",
            details={"crs": source.crs, "features": present},
        )
    missing = sorted(i for i, (code, _) in prepared.problems.items() if code == "missing_geometry")
    tail = len(source) - len(missing)
    if missing and missing == list(range(tail, len(source))) and tail > 0:
        report.notes.append(
            f"The last {len(missing)} features have no geometry: the file looks truncated."
        )
    for index, (code, text) in prepared.problems.items():
        original = source.geometries[index]
        if code == "wrong_geometry_type":
            parts = int(shapely.get_num_geometries(original))
            kind = original.geom_type
            text = (
                f"a {kind} of {parts} parts; a parcel is one polygon."
                if kind in ("MultiPolygon", "GeometryCollection") and parts > 1
                else f"a {kind}; a parcel is a polygon."
            )
            if repair and kind == "Polygon":
                text = "its repaired boundary is several polygons; a parcel is one polygon."
        elif code == "invalid_geometry":
            # GEOS's own reason, with where it happens (EPSG:4326 longitude, latitude).
            reason = text.removeprefix("invalid geometry: ")
            text = f"the boundary is not a valid polygon: {reason}."
        else:
            text = f"{text}."
        problems.add(index, code, text)
    return prepared.geometries


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _positive(value: Any) -> int | None:
    """A whole number from 1 to MAX_INTEGER (an integer, an integral float, or digits)."""
    text = _text(value)
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_INTEGER else None


def _basin(value: Any, *, codes: str) -> int | None:
    if codes == "number":
        return _positive(value)
    text = _text(value).upper()
    if not (1 <= len(text) <= 2) or not text.isascii() or not text.isalnum():
        return None
    basin = int(text, 36)
    return basin if basin >= 1 else None


def _area(value: Any) -> Decimal | None:
    try:
        area = Decimal(_text(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return area if area.is_finite() and 0 <= area <= MAX_REGISTERED_AREA else None


def geodesic_m2(shape) -> float:
    """The area in m² on the WGS 84 ellipsoid of the polygonal parts of an EPSG:4326 shapely
    geometry (lines and points of an intersection count for nothing)."""
    if shape is None or shape.is_empty:
        return 0.0
    if shape.geom_type == "Polygon":
        return abs(GEOD.geometry_area_perimeter(shape)[0])
    if shape.geom_type in ("MultiPolygon", "GeometryCollection"):
        return sum(geodesic_m2(part) for part in shape.geoms)
    return 0.0


def _check_areas(geometries: np.ndarray, *, problems: _Problems, minimum: float) -> None:
    for index, geometry in enumerate(geometries):
        if geometry is None:
            continue
        area = geodesic_m2(geometry)
        if area < minimum:
            problems.add(
                index,
                "below_min_area",
                f"{area:.1f} m², below the minimum parcel area of {minimum:g} m².",
                area_m2=round(area, 2),
            )


def _check_identifiers(
    basins: list[int | None],
    numbers: list[int | None],
    *,
    problems: _Problems,
    locality: Locality,
    report: ParcelImportReport,
) -> None:
    first: dict[tuple[int, int], int] = {}
    for index, key in enumerate(zip(basins, numbers, strict=True)):
        if None in key:
            continue
        if key in first:
            problems.add(
                index,
                "duplicate_in_file",
                f"basin {key[0]} and number {key[1]} are already those of "
                f"{problems.name(first[key])}.",
                other_feature=first[key],
            )
        else:
            first[key] = index
    if not first:
        return
    registered = (
        Parcel.objects.filter(locality=locality, basin__in={b for b, _n in first})
        .values_list("pk", "basin", "number", "status", "retired_by_id")
        .order_by("pk")
    )
    retired = 0
    for pk, basin, number, status, retired_by in registered:
        index = first.get((basin, number))
        if index is None:
            continue
        if status == ParcelStatus.ACTIVE:
            problems.add(
                index,
                "duplicate_in_register",
                f"{locality} {basin}/{number} is already an active parcel of the register (#{pk}).",
                parcel=pk,
            )
        else:
            retired += 1
            if retired <= 20:
                report.notes.append(
                    f"{problems.name(index)}: {locality} {basin}/{number} was the number of a "
                    f"parcel retired by transaction #{retired_by} (#{pk}); an old deed citing "
                    "it will now point at this parcel."
                )
    if retired > 20:
        report.notes.append(f"{retired} imported numbers in all were those of retired parcels.")


def _check_overlaps_in_file(
    geometries: np.ndarray, *, problems: _Problems, tolerance: float
) -> None:
    """Pairs of features sharing more than ``tolerance`` m² (geodesic). An STR-tree gives the
    pairs whose boundaries meet; the intersection of each is computed in degrees and only
    those with an area are measured on the ellipsoid (neighbours that merely touch share a
    line, of no area), so a file of thousands of parcels takes a fraction of a second."""
    present = np.flatnonzero(~shapely.is_missing(geometries))
    if len(present) < 2:
        return
    shapes = geometries[present]
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(shapes[left], shapes[right])
    for pair in np.flatnonzero(shapely.area(shared) > 0):
        area = geodesic_m2(shared[pair])
        if area > tolerance:
            one, other = int(present[left[pair]]), int(present[right[pair]])
            problems.add(
                other,
                "overlap_in_file",
                f"overlaps {problems.name(one)} by {area:.2f} m² (the tolerance is "
                f"{tolerance:g} m²).",
                other_feature=one,
                overlap_m2=round(area, 2),
            )


OVERLAPS_SQL = """
SELECT f.idx, p.id, parcels_identifier(p), ST_AsBinary(p.geom)
  FROM unnest(%s::bytea[], %s::int[]) AS f(wkb, idx)
  JOIN parcels_parcel p
    ON p.status = 'active' AND p.geom && ST_GeomFromWKB(f.wkb, 4326)
   AND ST_Relate(p.geom, ST_GeomFromWKB(f.wkb, 4326), '2********')
"""


def _check_overlaps_with_register(
    geometries: np.ndarray, *, problems: _Problems, tolerance: float
) -> None:
    """Features sharing more than ``tolerance`` m² (geodesic) with an active parcel of any
    locality (the database rule compares all active parcels). PostGIS finds the parcels whose
    interiors meet a feature's with its spatial index; the shared area is measured as for the
    file's own pairs."""
    present = np.flatnonzero(~shapely.is_missing(geometries))
    if not len(present):
        return
    west, south, east, north = shapely.total_bounds(geometries[present])
    box = GEOSGeometry(shapely.to_wkt(shapely.box(west, south, east, north)), srid=4326)
    if not Parcel.objects.filter(status=ParcelStatus.ACTIVE, geom__bboverlaps=box).exists():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            OVERLAPS_SQL,
            [list(shapely.to_wkb(geometries[present])), [int(i) for i in present]],
        )
        rows = cursor.fetchall()
    for index, pk, identifier, wkb in rows:
        area = geodesic_m2(shapely.intersection(geometries[index], shapely.from_wkb(bytes(wkb))))
        if area > tolerance:
            problems.add(
                index,
                "overlap_with_register",
                f"overlaps the registered parcel {identifier} (#{pk}) by {area:.2f} m² (the "
                f"tolerance is {tolerance:g} m²).",
                parcel=pk,
                overlap_m2=round(area, 2),
            )


def _write(
    checked: _Checked,
    *,
    report: ParcelImportReport,
    path: Path,
    locality: Locality,
    municipality: Municipality,
    user,
    reason: str,
    is_synthetic: bool,
) -> None:
    """Every parcel in one transaction (bulk INSERT); the database rules check each row."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    wkb = shapely.to_wkb(checked.geometries)
    record, parcels = parcels_register(
        parcels=[
            NewParcel(
                locality=locality,
                municipality=municipality,
                basin=checked.basins[i],
                number=checked.numbers[i],
                geom=GEOSGeometry(memoryview(wkb[i]), srid=4326),
                land_use=checked.land_uses[i],
                registered_area_m2=checked.areas[i],
            )
            for i in range(len(wkb))
        ],
        user=user,
        reason=reason,
        kind=TransactionKind.IMPORT,
        details={
            "file": path.name,
            "sha256": digest.hexdigest(),
            "layer": checked.source.name,
            "crs": report.source_crs,
            "features": report.features,
            "locality": str(locality),
            "mapping": report.mapping,
            "basins": report.basins,
            "repaired": report.repaired,
        },
        is_synthetic=is_synthetic,
    )
    report.written = True
    report.imported = len(parcels)
    report.transaction_id = record.pk
