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
from layers import sql
from layers.importers import ReadOptions, SourceLayer, importer_for
from layers.importers.base import sanitize_name
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


def _prepare_for_new_layer(source: SourceLayer, *, repair: bool):
    """The geometry type of a layer made for ``source`` and its prepared geometries. A file of
    single parts makes a single-part layer, unless repairs split some geometries."""
    kind = _geometry_type_for(source)
    prepared = geometries_prepare(
        source.geometries, crs=source.crs, geometry_type=kind, repair=repair
    )
    split = any(code == "wrong_geometry_type" for code, _text in prepared.problems.values())
    if kind.startswith("Multi") or not (repair and split):
        return kind, prepared
    multi = f"Multi{kind}"  # a repair split a polygon in two: the layer holds multi-parts
    return multi, geometries_prepare(
        source.geometries, crs=source.crs, geometry_type=multi, repair=repair
    )


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


def _check_properties(
    layer: Layer, source: SourceLayer, mapping: dict[str, str], problems: dict[int, tuple]
) -> list[dict[str, Any]]:
    columns = {target: source.columns[column] for column, target in mapping.items()}
    rows, reasons = properties_validate_columns(
        schema_parse(layer.schema), columns, count=len(source)
    )
    for index, text in reasons.items():
        problems.setdefault(index, ("schema_violation", text))
    return rows


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
    source = sources[0]
    if len(source) == 0:
        raise InvalidInput(f"{path.name} holds no features.", code="empty_file")
    if source.crs is None:
        raise InvalidInput(
            f"{path.name} does not say which coordinate reference system it uses; give it "
            "(an EPSG code such as 4326, 28191, 28193 or 2039).",
            code="missing_crs",
        )
    step(1, 4, "checking geometries")
    created = False
    if new_layer is not None:
        geometry_type, prepared = _prepare_for_new_layer(source, repair=repair)
        schema, inferred = _inferred_schema(source)
        layer = layer_create(
            user=user, geometry_type=geometry_type, schema=schema, **asdict(new_layer)
        )
        created = True
        mapping = inferred if mapping is None else mapping
    else:
        prepared = geometries_prepare(
            source.geometries, crs=source.crs, geometry_type=layer.geometry_type, repair=repair
        )
    mapping = _mapping_for(layer, source, mapping)
    problems = dict(prepared.problems)
    step(2, 4, "checking attributes")
    rows = _check_properties(layer, source, mapping, problems)
    report = ImportReport(
        layer=layer.slug,
        created_layer=created,
        dry_run=dry_run,
        source=path.name,
        source_layer=source.name,
        source_crs=f"EPSG:{source.crs}",
        read=len(source),
        skipped=len(problems),
        repaired=prepared.repaired,
        fields=mapping,
        notes=list(source.notes),
    )
    for index in sorted(problems)[:REPORTED_PROBLEMS]:
        code, message = problems[index]
        source_id = source.source_ids[index] if index < len(source.source_ids) else index
        report.problems.append(
            {"feature": int(index), "source_id": source_id, "code": code, "message": message}
        )
    if problems and on_error == "fail":
        raise InvalidInput(
            f"{len(problems)} of {len(source)} features cannot be imported, so nothing was "
            "imported (use on_error=skip to import the others, or repair for invalid "
            "geometries).",
            code="import_refused",
            details={"problems": report.problems[:100]},
        )
    accepted = [i for i in range(len(source)) if i not in problems]
    report.imported = len(accepted)
    if dry_run:
        transaction.set_rollback(True)  # a new layer made for the check is not kept either
    elif accepted:
        step(3, 4, "writing")
        geometries = shapely.set_srid(prepared.geometries[accepted], 4326)
        actor = user.pk if user is not None and user.is_authenticated else None

        def batch(start: int):
            chunk = accepted[start : start + BATCH]
            return sql.features_csv(
                layer_id=layer.pk,
                user_id=actor,
                geometries_ewkb=shapely.to_wkb(
                    geometries[start : start + BATCH], hex=True, include_srid=True
                ),
                properties=[rows[i] for i in chunk],
            )

        # The next batch is encoded while PostgreSQL takes in the current one.
        with ThreadPoolExecutor(max_workers=1) as encoder:
            pending = encoder.submit(batch, 0)
            for start in range(0, len(accepted), BATCH):
                buffer = pending.result()
                if start + BATCH < len(accepted):
                    pending = encoder.submit(batch, start + BATCH)
                sql.features_copy(buffer=buffer)
                step(3, 4, f"writing: {min(start + BATCH, len(accepted))} of {len(accepted)}")
        layer_features_changed(layer=layer, added=len(accepted))
        west, south, east, north = shapely.total_bounds(geometries)
        box = GEOSGeometry(shapely.to_wkt(shapely.box(west, south, east, north)), srid=4326)
        tiles.tile_cache_invalidate(collection_id=layer.slug, geometries=[box])
    report.seconds = round(time.monotonic() - began, 3)
    step(4, 4, "done")
    return report


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
