"""Importing files into layers, all or nothing.

A file is read by an importer (layers.importers), its geometries reprojected from the file's
CRS to WGS 84 (EPSG:4326) with pyproj and checked, its attributes mapped to the layer's schema
and checked, and then either every accepted feature is written in one transaction (COPY) or
nothing is. By default any bad feature refuses the whole import, with the reason for each;
``on_error="skip"`` imports the others and reports what was skipped and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from core import tiles
from core.crs import crs_check
from core.errors import InvalidInput
from core.geometry import geometries_prepare, geometry_families
from core.roles import signed_in
from layers import sql
from layers.importers import ReadOptions, SourceLayer, importer_for
from layers.importers.base import sanitize_name, source_check
from layers.models import Layer
from layers.schema import properties_validate_columns, schema_parse
from layers.services.registry import layer_create, layer_features_changed

ProgressCallback = Callable[[int, int, str], None]
REPORTED_PROBLEMS = 1000
BATCH = 10_000
ON_ERROR = ("fail", "skip")


@dataclass
class NewLayer:
    """What a new layer created by an import is called and who may see it."""

    slug: str
    title_en: str
    title_ar: str = ""
    visibility: str = "internal"
    source: str = ""
    attribution: str = ""
    licence: str = ""
    is_synthetic: bool = False


@dataclass
class ImportReport:
    layer: str
    created_layer: bool
    dry_run: bool
    source: str
    source_layer: str
    source_crs: str
    read: int = 0
    imported: int = 0
    skipped: int = 0
    repaired: int = 0
    fields: dict[str, str] = field(default_factory=dict)  # source column -> layer field
    notes: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # the first ones, by feature
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _geometry_type_for(source: SourceLayer) -> str:
    families = geometry_families(source.geometries)
    kinds = {k: v for k, v in families.items() if k != "GeometryCollection"}
    if len(kinds) != 1:
        described = ", ".join(f"{n} {k.lower()}s" for k, n in sorted(families.items())) or "none"
        raise InvalidInput(
            f"The file mixes geometry types ({described}); a layer holds one kind. Split the "
            "file, or import it into an existing layer with on_error=skip.",
            code="mixed_geometry_types",
        )
    family = next(iter(kinds))
    present = source.geometries[~shapely.is_missing(source.geometries)]
    any_multi = bool(np.isin(shapely.get_type_id(present), [4, 5, 6, 7]).any())
    # Files that mix single and multi parts become multi layers; all-single stay single.
    return f"Multi{family}" if any_multi else family


def _geometry_type_for_new_layer(source: SourceLayer, *, repair: bool) -> str:
    """The geometry type of a layer made for ``source``: single parts stay single, unless
    the file has multi-part geometries or a repair would split some."""
    kind = _geometry_type_for(source)
    if kind.startswith("Multi") or not repair:
        return kind
    present = ~shapely.is_missing(source.geometries)
    invalid = source.geometries[present][~shapely.is_valid(source.geometries[present])]
    repaired = shapely.make_valid(invalid) if len(invalid) else invalid
    if len(repaired) and (shapely.get_num_geometries(repaired) > 1).any():
        return f"Multi{kind}"
    return kind


def _inferred_schema(source: SourceLayer) -> tuple[list[dict[str, Any]], dict[str, str]]:
    taken: set[str] = set()
    schema, mapping = [], {}
    for column in source.fields:
        name = sanitize_name(column.name, taken)
        arabic = any("\u0600" <= c <= "\u06ff" for c in column.name)
        schema.append(
            {
                "name": name,
                "type": column.type,
                "title_en": column.name if not arabic else name,
                "title_ar": column.name if arabic else "",
            }
        )
        mapping[column.name] = name
    return schema, mapping


def _mapping_for(
    layer: Layer, source: SourceLayer, mapping: dict[str, str] | None
) -> dict[str, str]:
    """Source column -> layer field. Without an explicit mapping, columns match fields of the
    same (sanitised) name and the others are left out."""
    names = {f["name"] for f in layer.schema}
    columns = {c.name for c in source.fields}
    if mapping is not None:
        unknown_columns = sorted(set(mapping) - columns)
        unknown_fields = sorted(set(mapping.values()) - names)
        if unknown_columns or unknown_fields:
            raise InvalidInput(
                "The mapping names what does not exist.",
                code="invalid_mapping",
                details={"columns": unknown_columns, "fields": unknown_fields},
            )
        return dict(mapping)
    result = {}
    for column in source.fields:
        candidate = sanitize_name(column.name, set())
        if candidate in names:
            result[column.name] = candidate
    return result


@transaction.atomic
def layer_import(
    *,
    path: Path,
    user: AbstractBaseUser | None,
    layer: Layer | None = None,
    new_layer: NewLayer | None = None,
    options: ReadOptions | None = None,
    mapping: dict[str, str] | None = None,
    repair: bool = False,
    on_error: str = "fail",
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import the file at ``path`` into ``layer``, or into a new layer described by
    ``new_layer`` (its schema and geometry type are taken from the file).

    Geometries are reprojected from the file's CRS (or ``options.crs``, an allowed EPSG code)
    to EPSG:4326. ``repair`` makes invalid geometries valid (ST_MakeValid rules) instead of
    refusing them. With ``on_error="fail"`` a single bad feature refuses the import
    (InvalidInput listing the problems, nothing written); with ``"skip"`` bad features are
    left out and reported. ``dry_run`` checks everything and writes nothing.
    """
    began = time.monotonic()
    if (layer is None) == (new_layer is None):
        raise InvalidInput("Import into an existing layer or a new one (exactly one).")
    if on_error not in ON_ERROR:
        raise InvalidInput(f"on_error is one of {', '.join(ON_ERROR)}.", code="invalid_option")
    options = options or ReadOptions()
    if options.crs is not None:
        crs_check(options.crs)
    step = progress or (lambda done, total, message: None)
    step(0, 4, "reading the file")
    sources = importer_for(path).read(path, options=options)
    if len(sources) != 1:
        names = ", ".join(s.name for s in sources)
        raise InvalidInput(
            f"{path.name} gives several layers ({names}); choose one.", code="choose_source_layer"
        )
    source = source_check(sources[0], path)
    created = False
    if new_layer is not None:
        schema, inferred = _inferred_schema(source)
        layer = layer_create(
            user=user,
            geometry_type=_geometry_type_for_new_layer(source, repair=repair),
            schema=schema,
            attach_partition=False,
            **asdict(new_layer),
        )
        created = True
        mapping = inferred if mapping is None else mapping
    mapping = _mapping_for(layer, source, mapping)
    report = ImportReport(
        layer=layer.slug,
        created_layer=created,
        dry_run=dry_run,
        source=path.name,
        source_layer=source.name,
        source_crs=f"EPSG:{source.crs}",
        read=len(source),
        fields=mapping,
        notes=list(source.notes),
    )
    checker = _BatchChecker(
        source=source,
        layer=layer,
        mapping=mapping,
        repair=repair,
        user_id=getattr(signed_in(user), "pk", None),
    )
    # A new layer is loaded into its own unindexed table, indexed in one pass and attached
    # afterwards. Each batch is checked and encoded in a second thread while PostgreSQL
    # takes in the previous one; with on_error=fail writing stops at the first problem,
    # checking goes on so that the report lists them all, and the transaction is undone.
    if created and not dry_run:
        sql.feature_partition_prepare(layer_id=layer.pk)
    problems: dict[int, tuple[str, str]] = {}
    bounds: list[np.ndarray] = []
    total = len(source)
    with ThreadPoolExecutor(max_workers=1) as worker:
        pending = worker.submit(checker.batch, 0, write=not dry_run)
        for start in range(0, total, BATCH):
            batch = pending.result()
            writing = (not dry_run and not (problems or batch.problems)) or on_error == "skip"
            if start + BATCH < total:
                pending = worker.submit(checker.batch, start + BATCH, write=writing and not dry_run)
            problems.update(batch.problems)
            report.repaired += batch.repaired
            report.imported += batch.accepted
            if batch.buffer is not None and writing:
                sql.features_copy(buffer=batch.buffer, layer_id=layer.pk if created else None)
                bounds.append(batch.bounds)
            step(min(start + BATCH, total), total, f"{min(start + BATCH, total)} of {total}")
    report.skipped = len(problems)
    for index in sorted(problems)[:REPORTED_PROBLEMS]:
        code, message = problems[index]
        source_id = source.source_ids[index] if index < len(source.source_ids) else index
        report.problems.append(
            {"feature": int(index), "source_id": source_id, "code": code, "message": message}
        )
    if problems and on_error == "fail":
        raise InvalidInput(
            f"{len(problems)} of {total} features cannot be imported, so nothing was "
            "imported (use on_error=skip to import the others, or repair for invalid "
            "geometries).",
            code="import_refused",
            details={"problems": report.problems[:100]},
        )
    if dry_run:
        transaction.set_rollback(True)  # a new layer made for the check is not kept either
    else:
        if created:
            sql.feature_partition_attach(layer_id=layer.pk)
        if report.imported:
            layer_features_changed(layer=layer, added=report.imported)
            west, south = np.min([b[:2] for b in bounds], axis=0)
            east, north = np.max([b[2:] for b in bounds], axis=0)
            box = GEOSGeometry(shapely.to_wkt(shapely.box(west, south, east, north)), srid=4326)
            tiles.tile_cache_invalidate(collection_id=layer.slug, geometries=[box])
    report.seconds = round(time.monotonic() - began, 3)
    return report


@dataclass
class _Batch:
    problems: dict[int, tuple[str, str]]
    repaired: int
    accepted: int
    buffer: Any
    bounds: np.ndarray


class _BatchChecker:
    """Checks (and encodes for COPY) one batch of a source. Runs in a worker thread: no
    database access here."""

    def __init__(self, *, source, layer, mapping, repair, user_id) -> None:
        self.source, self.layer_id, self.repair, self.user_id = source, layer.pk, repair, user_id
        self.geometry_type = layer.geometry_type
        self.fields = schema_parse(layer.schema)
        self.columns = {target: source.columns[column] for column, target in mapping.items()}

    def batch(self, start: int, *, write: bool) -> _Batch:
        end = min(start + BATCH, len(self.source))
        prepared = geometries_prepare(
            self.source.geometries[start:end],
            crs=self.source.crs,
            geometry_type=self.geometry_type,
            repair=self.repair,
        )
        problems = dict(prepared.problems)
        columns = {name: values[start:end] for name, values in self.columns.items()}
        rows, reasons = properties_validate_columns(self.fields, columns, count=end - start)
        for index, text in reasons.items():
            problems.setdefault(index, ("schema_violation", text))
        accepted = [i for i in range(end - start) if i not in problems]
        buffer, bounds = None, np.array([np.nan] * 4)
        if write and accepted:
            geometries = shapely.set_srid(prepared.geometries[accepted], 4326)
            bounds = shapely.total_bounds(geometries)
            buffer = sql.features_binary(
                layer_id=self.layer_id,
                user_id=self.user_id,
                geometries_ewkb=shapely.to_wkb(geometries, include_srid=True),
                properties=[rows[i] for i in accepted],
            )
        return _Batch(
            problems={start + i: p for i, p in problems.items()},
            repaired=prepared.repaired,
            accepted=len(accepted),
            buffer=buffer,
            bounds=bounds,
        )


OSM_LAYERS = {
    "streets": ("Streets", "الشوارع"),
    "buildings": ("Buildings", "المباني"),
    "pois": ("Points of interest", "المعالم"),
}


@transaction.atomic
def osm_import(
    *,
    path: Path,
    prefix: str,
    user: AbstractBaseUser | None,
    visibility: str = "internal",
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> list[ImportReport]:
    """Import an OpenStreetMap PBF as three new layers, ``<prefix>-streets``, ``-buildings``
    and ``-pois`` (EPSG:4326), all or none. Streets cut by the extract's edge are split at the
    missing nodes and buildings missing nodes are dropped; the reports say how many."""
    reports = []
    for number, (name, (title_en, title_ar)) in enumerate(OSM_LAYERS.items()):
        if progress:
            progress(number, len(OSM_LAYERS), f"OpenStreetMap {name}")
        reports.append(
            layer_import(
                path=path,
                user=user,
                new_layer=NewLayer(
                    slug=f"{prefix}-{name}",
                    title_en=f"{title_en} ({prefix})",
                    title_ar=f"{title_ar} ({prefix})",
                    visibility=visibility,
                    source=f"OpenStreetMap extract {path.name}",
                    attribution="© OpenStreetMap contributors",
                    licence="ODbL 1.0",
                ),
                options=ReadOptions(layer=name),
                on_error="skip",
                dry_run=dry_run,
            )
        )
    return reports


@transaction.atomic
def demo_layers_ensure(*, data_dir: Path) -> list[ImportReport]:
    """The demo's layers, imported once from real files in ``data_dir`` (skipped when they
    exist): Ramallah's health facilities (OpenStreetMap) and the Helsinki OpenStreetMap
    extract that shows what the OSM importer makes of a city."""
    reports = []
    if not Layer.objects.filter(slug="health-facilities").exists():
        reports.append(
            layer_import(
                path=data_dir / "reference" / "ramallah_health_facilities.geojson",
                user=None,
                new_layer=NewLayer(
                    slug="health-facilities",
                    title_en="Health facilities",
                    title_ar="المرافق الصحية",
                    visibility="public",
                    source="OpenStreetMap, HOT export 2024-05-31",
                    attribution="© OpenStreetMap contributors",
                    licence="ODbL 1.0",
                ),
            )
        )
    if not Layer.objects.filter(slug__startswith="helsinki-").exists():
        reports += osm_import(
            path=data_dir / "osm" / "helsinki.osm.pbf", prefix="helsinki", user=None,
            visibility="public",
        )  # fmt: skip
    return reports
